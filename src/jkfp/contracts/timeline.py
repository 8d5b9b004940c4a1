"""Contracts' entries in the person's health timeline (`health.timeline`): each contract (signed,
ended) and each follow-up visit with its reading. Registered from `ContractsConfig.ready`;
called by health only for users who may see health details, for a person from a scoped
selector."""

from __future__ import annotations

from collections.abc import Iterable

from jkfp.accounts.models import User
from jkfp.health.timeline import Entry, disease_name
from jkfp.registry.models import Person

from . import selectors


def entries(user: User, person: Person) -> Iterable[Entry]:
    for c in selectors.contracts_of_person(user=user, person=person):
        yield Entry(c.signed_on, "contract",
                    f"签约家庭医生：{c.team.name}（{c.year}年度，{c.get_package_display()}）",
                    "", ("contracts:contract", c.pk))
        if c.ended_on:
            yield Entry(c.ended_on, "contract", f"解约：{c.team.name}（{c.year}年度）",
                        c.end_reason, ("contracts:contract", c.pk), 1)
    visits = (selectors.followup_scope(user=user).filter(person=person)
              .select_related("registration", "member"))
    for f in visits:
        reading = []
        if f.systolic and f.diastolic:
            reading.append(f"血压 {f.systolic}/{f.diastolic} mmHg")
        if f.fasting_glucose is not None:
            reading.append(f"空腹血糖 {f.fasting_glucose} mmol/L")
        if f.risk_level is not None:
            reading.append(f"危险性 {f.risk_level} 级")
        reading.append(f.get_classification_display())
        if f.next_visit_on:
            reading.append(f"下次随访 {f.next_visit_on:%Y-%m-%d}")
        r = f.registration
        yield Entry(f.visited_on, "followup",
                    f"随访（{f.get_way_display()}）：{disease_name(r.disease_code, r.region_code, r.diagnosed_on)}"
                    f" · {f.member.name}", "；".join(reading), ("health:registration", r.pk), 2)
