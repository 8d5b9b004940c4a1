"""A hospital stay as the engine takes it (`Stay`), and the one check of a stay's facts.

`check_stay` is the single validator of a stay's values, whoever supplies them: the CSV reader
(`csvio.py`, text cells, with the line of the file), the settlement service of the Django app
(typed values from a form or from the API, which calls the service) and `Stay.create`. It
reports every bad value at once as `RowError`s with the engine's codes (`stay_*`), naming the
column (the field of a form or of a request body).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import PolicyErrorCode, RowError
from .money import MAX_AMOUNT_FEN, fmt_yuan, yuan_text_to_fen
from .regimes import PolicySet
from .schema import (
    CATEGORIES,
    GRADE_LABELS,
    GRADES,
    LOCATION_INDEX,
    LOCATION_LABELS,
    LOCATIONS,
    category_label,
    parse_category_index,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTY = re.compile(r"^\d{6}$")
_BOOL = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class Stay:
    """One hospital stay, as the engine needs it."""

    stay_id: str
    person_id: str
    county_code: str  # 6-digit administrative code
    category: int  # index into schema.CATEGORIES (see `Stay.create` to pass a code or a name)
    hospital_grade: int  # 0-3
    location: int  # index into schema.LOCATIONS
    referred: bool
    admission_date: date
    discharge_date: date
    total_fen: int
    in_policy_fen: int

    @classmethod
    def create(cls, *, stay_id: str, person_id: str, county_code: str, category: str,
               hospital_grade: int, location: str, referred: bool, admission_date: date,
               discharge_date: date, total_cost: Decimal | str, in_policy_cost: Decimal | str,
               ) -> Stay:
        """A stay from codes and yuan amounts; raises the first RowError of `check_stay`."""
        stay, errors = check_stay(
            stay_id=stay_id, person_id=person_id, county_code=county_code, category=category,
            hospital_grade=hospital_grade, location=location, referred=referred,
            admission_date=admission_date, discharge_date=discharge_date,
            total_cost=total_cost, in_policy_cost=in_policy_cost)
        if errors:
            raise errors[0]
        assert stay is not None
        return stay

    def with_category(self, category: str) -> Stay:
        """The same stay settled under another category (a code or a Chinese name)."""
        index = parse_category_index(category)
        if index is None:
            raise RowError(PolicyErrorCode.STAY_UNKNOWN_CATEGORY, line=None, column="category",
                           what=category)
        return dataclasses.replace(self, category=index)

    @property
    def category_code(self) -> str:
        return CATEGORIES[self.category].value

    @property
    def location_code(self) -> str:
        return LOCATIONS[self.location].value

    def describe(self) -> str:
        return (f"{category_label(self.category)}，{LOCATION_LABELS[LOCATIONS[self.location]]}"
                f"{GRADE_LABELS[self.hospital_grade]}，{'已' if self.referred else '未'}转诊，"
                f"{self.admission_date}入院，{self.discharge_date}出院，"
                f"总费用{fmt_yuan(self.total_fen)}，政策范围内{fmt_yuan(self.in_policy_fen)}")


def check_stay(*, stay_id: str, person_id: str, county_code: str, category: str,
               hospital_grade: int | str, location: str, referred: bool | str,
               admission_date: date | str, discharge_date: date | str,
               total_cost: str | int | Decimal, in_policy_cost: str | int | Decimal,
               line: int | None = None,
               policies: PolicySet | None = None) -> tuple[Stay | None, list[RowError]]:
    """Check a stay's values (text as in a CSV file, or typed); the stay, or None and every
    error found. `line` is the line of the file, if any; with `policies`, a stay for which no
    regime is in force is an error too. The ids are not checked (a file's reader requires them)."""
    errors: list[RowError] = []

    def bad(code: PolicyErrorCode, column: str, **fmt: object) -> None:
        errors.append(RowError(code, line=line, column=column, **fmt))

    values = {"county_code": county_code, "category": category,
              "hospital_grade": hospital_grade, "location": location, "referred": referred,
              "admission_date": admission_date, "discharge_date": discharge_date,
              "total_cost": total_cost, "in_policy_cost": in_policy_cost}
    for column, value in values.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            bad(PolicyErrorCode.STAY_REQUIRED, column)
    county = str(county_code or "").strip()
    if county and not _COUNTY.match(county):
        bad(PolicyErrorCode.STAY_BAD_COUNTY, "county_code", what=county)
    cat = _category(category, bad)
    grade = _grade(hospital_grade, bad)
    loc = None
    if isinstance(location, str) and location.strip():
        loc = LOCATION_INDEX.get(location.strip())
        if loc is None:
            bad(PolicyErrorCode.STAY_UNKNOWN_LOCATION, "location", what=location)
    ref = _referred(referred, bad)
    admission = _date(admission_date, "admission_date", bad)
    discharge = _date(discharge_date, "discharge_date", bad)
    if admission and discharge and discharge < admission:
        bad(PolicyErrorCode.STAY_DISCHARGE_BEFORE_ADMISSION, "discharge_date", what=discharge,
            allowed=admission)
    total = _amount(total_cost, "total_cost", bad)
    in_policy = _amount(in_policy_cost, "in_policy_cost", bad)
    if total is not None and in_policy is not None and in_policy > total:
        bad(PolicyErrorCode.STAY_IN_POLICY_ABOVE_TOTAL, "in_policy_cost",
            what=_text(in_policy_cost), allowed=_text(total_cost))
    if policies is not None and admission and _COUNTY.match(county) and policies.find_regime(
            county, admission) is None:
        bad(PolicyErrorCode.STAY_NO_REGIME, "admission_date", what=county, allowed=admission)
    if errors:
        return None, errors
    assert None not in (cat, grade, loc, ref, admission, discharge, total, in_policy)
    return Stay(str(stay_id), str(person_id), county, cat, grade, loc, ref, admission, discharge,
                total, in_policy), []


def _category(value: str, bad) -> int | None:
    if not isinstance(value, str) or not value.strip():
        return None
    index = parse_category_index(value.strip())
    if index is None:
        bad(PolicyErrorCode.STAY_UNKNOWN_CATEGORY, "category", what=value)
    return index


def _grade(value: int | str, bad) -> int | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        grade = int(text) if text.isdigit() and int(text) in GRADES else None
    else:
        grade = value if isinstance(value, int) and not isinstance(value, bool) \
            and value in GRADES else None
    if grade is None:
        bad(PolicyErrorCode.STAY_BAD_GRADE, "hospital_grade", what=value)
    return grade


def _referred(value: bool | str, bad) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    found = _BOOL.get(str(value).strip().lower())
    if found is None:
        bad(PolicyErrorCode.STAY_BAD_BOOLEAN, "referred", what=value)
    return found


def _date(value: date | str, column: str, bad) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    bad(PolicyErrorCode.STAY_BAD_DATE, column, what=text)
    return None


def _text(value: str | int | Decimal) -> str:
    """An amount as written (a Decimal in plain notation, never 1E+2)."""
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    return str(value).strip()


def _amount(value: str | int | Decimal, column: str, bad) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        if value is not None:
            bad(PolicyErrorCode.STAY_BAD_AMOUNT, column, what=value)
        return None
    text = _text(value)
    if not text:
        return None
    fen = yuan_text_to_fen(text)
    if fen is None:
        if text.startswith("-") and yuan_text_to_fen(text[1:]) is not None:
            bad(PolicyErrorCode.STAY_NEGATIVE_AMOUNT, column, what=text)
        else:
            bad(PolicyErrorCode.STAY_BAD_AMOUNT, column, what=text)
        return None
    if fen > MAX_AMOUNT_FEN:
        bad(PolicyErrorCode.STAY_AMOUNT_TOO_LARGE, column, what=text)
        return None
    return fen


__all__ = ["Stay", "check_stay"]
