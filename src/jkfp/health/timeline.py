"""A person's health in one timeline: screenings, diagnoses, cases with their steps, chronic
registrations, contracts, follow-ups, hospital stays and statements.

Health owns the timeline; the apps that build on it (contracts, screening) add their entries by
registering a provider from their `AppConfig.ready`, so that health never imports them
(docs/architecture.md, "Who may import what"). A provider is `f(user, person) -> entries`,
called only for users who may see health details and for a person from a scoped selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from jkfp.accounts.access import require_health_reader, scoped
from jkfp.accounts.models import User
from jkfp.registry.models import Person
from jkfp.settlement.selectors import person_statements

from . import catalog as catalog_mod
from .models import ChronicRegistration, SpecialCase, SpecialCaseStep


@dataclass(frozen=True)
class Entry:
    on: dt.date
    kind: str        # screening / diagnosis / case / chronic / contract / followup / stay
    title: str
    detail: str = ""
    link: tuple[str, int] | None = None  # (URL name of a page, pk): pages link, the API does not
    order: int = 0   # ties on the same date: higher first

    @property
    def url(self) -> str:
        if self.link is None:
            return ""
        try:
            return reverse(self.link[0], args=[self.link[1]])
        except NoReverseMatch:  # the API alone is mounted (tests) or the page is not
            return ""


Provider = Callable[[User, Person], Iterable[Entry]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def disease_name(code: str, region_code: str, on: dt.date) -> str:
    d = catalog_mod.catalog().get(code=code, region_code=region_code, on=on)
    return d.name if d else code


def _own(user: User, person: Person) -> Iterable[Entry]:
    for r in scoped(ChronicRegistration.objects.filter(person=person), user):
        name = disease_name(r.disease_code, r.region_code, r.diagnosed_on)
        url = ("health:registration", r.pk)
        yield Entry(r.diagnosed_on, "diagnosis", f"确诊{name}（{r.icd10}）", r.confirmed_by, url)
        yield Entry(r.registered_on, "chronic", f"纳入慢病管理：{name}", "", url, 1)
        if r.ended_on:
            yield Entry(r.ended_on, "chronic", f"结束慢病管理：{name}",
                        r.get_end_reason_display(), url, 2)
    steps = SpecialCaseStep.objects.filter(case__in=scoped(
        SpecialCase.objects.filter(person=person), user)).select_related("case")
    labels = {"found": "发现", "open_record": "建档", "start_treatment": "开始救治",
              "mark_treated": "救治完成", "close": "销号", "reopen": "重新建档"}
    for s in steps:
        c = s.case
        name = disease_name(c.disease_code, c.region_code, c.found_on)
        yield Entry(s.on_date, "case", f"大病专项救治·{labels.get(s.step, s.step)}：{name}",
                    s.comment, ("health:case", c.pk), 3)
    for st in person_statements(user=user, person=person).select_related("stay"):
        stay = st.stay
        dx = f"（{stay.diagnosis_icd10}）" if stay.diagnosis_icd10 else ""
        yield Entry(stay.admission_date, "stay", f"住院：{stay.hospital_name}{dx}",
                    f"出院 {stay.discharge_date:%Y-%m-%d}；总费用 {stay.total_fen / 100:,.2f} 元，"
                    f"个人自付 {st.self_pay_fen / 100:,.2f} 元",
                    ("settlement:statement", st.pk))


def person_timeline(*, user: User, person: Person) -> list[Entry]:
    """Every health event of the person, newest first. `person` from a scoped selector."""
    require_health_reader(user)
    entries = list(_own(user, person))
    for provider in _PROVIDERS:
        entries.extend(provider(user, person))
    entries.sort(key=lambda e: (e.on, e.order), reverse=True)
    return entries
