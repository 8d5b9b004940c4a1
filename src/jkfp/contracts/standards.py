"""Standards of chronic-disease management and of the family-doctor contracts as dated data
(DESIGN.md rule 4; DOMAIN.md sections 7 and 12).

`policies/contracts/standards.yaml` holds, per chronic disease under priority management, the
face-to-face follow-ups a year, the largest gap between follow-ups (severe mental disorders),
the rule of "controlled at the latest visit", the regular-medication share (tuberculosis), the
default interval to the next visit and the denominator of the standard-management rate; who
should sign (应签尽签, as category codes of `jkfp.categories`); and the items of each service
package with the count expected a year. The file is validated strictly when it is read — an
unknown or missing key, a value of the wrong kind, dates out of order, an entry without a source
or `example: true` — and every error names the file and the line (as `admission/procedure.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from jkfp.policy.yamlfile import read_when_changed

FILE = Path("contracts") / "standards.yaml"

#: the chronic diseases under priority management (DOMAIN.md §6); the disease codes of
#: health.ChronicRegistration.disease_code
DISEASES = ("hypertension", "diabetes_type2", "tuberculosis", "severe_mental_disorder")
#: items of a service package: a follow-up visit, or a kind of contracts.ServiceDelivery
ITEMS = ("followup", "health_check", "medication_guidance", "health_education", "referral")
ITEM_LABELS = {"followup": "慢病随访", "health_check": "健康体检", "medication_guidance": "用药指导",
               "health_education": "健康教育", "referral": "转诊"}
DENOMINATORS = ("managed", "on_register")

PACKAGES = ("basic", "personalised")


@dataclass(frozen=True)
class Control:
    """When a patient counts as controlled at the latest visit."""

    systolic_below: int | None = None
    diastolic_below: int | None = None
    older_from_age: int | None = None
    older_systolic_below: int | None = None
    older_diastolic_below: int | None = None
    glucose_below: Decimal | None = None
    doses_percent_at_least: int | None = None
    risk_level_at_most: int | None = None


@dataclass(frozen=True)
class DiseaseStandard:
    disease: str
    name: str
    start: dt.date
    min_visits: int
    next_visit_months: int
    control: Control
    standard_denominator: str
    max_gap_months: int | None = None
    standard_doses_percent_at_least: int | None = None
    next_visit_by_risk: tuple[tuple[int, int], ...] = ()  # (risk level from, days), descending
    source: str = ""
    example: bool = False
    note: str = ""

    @property
    def provenance(self) -> str:
        return "示例值" if self.example and not self.source else (
            self.source + ("（含示例值）" if self.example else ""))

    def next_visit_days(self, risk_level: int | None) -> int | None:
        """Days to the next visit for a risk level (severe mental disorders), else None."""
        if risk_level is None:
            return None
        for start, days in self.next_visit_by_risk:
            if risk_level >= start:
                return days
        return None


@dataclass(frozen=True)
class SignRule:
    start: dt.date
    categories: frozenset[str]
    source: str = ""
    example: bool = False


@dataclass(frozen=True)
class Package:
    package: str
    name: str
    start: dt.date
    items: dict[str, int] = field(default_factory=dict)
    source: str = ""
    example: bool = False


@dataclass(frozen=True)
class Standards:
    diseases: dict[str, list[DiseaseStandard]]
    should_sign: list[SignRule]
    packages: dict[str, list[Package]]

    def disease(self, code: str, *, on: dt.date) -> DiseaseStandard | None:
        """The standard of a disease in force on `on` (None: not a disease under management)."""
        found = [s for s in self.diseases.get(code, []) if s.start <= on]
        return found[-1] if found else None

    def sign_categories(self, *, on: dt.date) -> frozenset[str]:
        found = [s for s in self.should_sign if s.start <= on]
        return found[-1].categories if found else frozenset()

    def package(self, code: str, *, on: dt.date) -> Package | None:
        found = [p for p in self.packages.get(code, []) if p.start <= on]
        return found[-1] if found else None


def load(path: Path | None = None) -> Standards:
    """Read and validate the standards file (by default the one under JKFP_POLICIES_DIR)."""
    from .standards_file import load as read  # the reader imports this module's classes

    return read(path)



def current() -> Standards:
    """The standards of JKFP_POLICIES_DIR, read again when the file changes."""
    return read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)


def disease_standard(code: str, *, on: dt.date) -> DiseaseStandard | None:
    return current().disease(code, on=on)


# ---------------------------------------------------------------- dates of the rules
def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` later, on the month's last day when it has fewer days
    (2025-11-30 + 3 months = 2026-02-28): the calendar rule of "a gap over 3 months"."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def gap_exceeds(earlier: dt.date, later: dt.date, months: int) -> bool:
    """Whether `later` is more than `months` calendar months after `earlier`.

    Equal to `later > add_months(earlier, months)`; written with the month count and the day
    only, as the set-based query computes it on both databases."""
    diff = (later.year - earlier.year) * 12 + later.month - earlier.month
    return diff > months or (diff == months and later.day > earlier.day)


def age_reached(birth: dt.date, on: dt.date, years: int) -> bool:
    """Whether a person born on `birth` is at least `years` old on `on` (YYYYMMDD arithmetic, as
    in the set-based query; someone born on 29 February turns a year older on 1 March)."""
    return (on.year * 10000 + on.month * 100 + on.day) - (
        birth.year * 10000 + birth.month * 100 + birth.day) >= years * 10000


def next_visit_default(disease: str, *, visited_on: dt.date, risk_level: int | None = None
                       ) -> dt.date:
    """The next visit by the standard: by risk level (severe mental disorders), else after the
    disease's interval; three months for a disease the standards do not hold."""
    std = disease_standard(disease, on=visited_on)
    if std is None:
        return add_months(visited_on, 3)
    days = std.next_visit_days(risk_level)
    if days is not None:
        return visited_on + dt.timedelta(days=days)
    return add_months(visited_on, std.next_visit_months)
