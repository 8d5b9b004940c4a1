"""Scoped reads of the health services (DESIGN.md rules 3 and 12).

Every read takes the user and filters by the user's region (`accounts.access.scoped`); a record
outside it is not found (404). Health details — diagnoses, cases, registrations — are read only
for users who may see them (`can_see_health`); the others get the coarse health status that
monitoring lists carry (`person_health_status`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import can_see_health, require_health_reader, scoped
from jkfp.accounts.models import User
from jkfp.registry.models import Person
from jkfp.registry.selectors import current_periods, person_categories_on, person_scope
from jkfp.settlement.selectors import person_statements

from . import catalog as catalog_mod
from .models import ChronicRegistration, SpecialCase, SpecialCaseStep

S = SpecialCase.Status
OPEN_CASE = ~Q(status=S.CLOSED)
IN_TREATMENT = Q(status__in=[S.FOUND, S.OPENED, S.IN_TREATMENT])
OPEN_REGISTRATION = Q(ended_on__isnull=True)


# ---------------------------------------------------------------- scopes and single records
def registration_scope(*, user: User) -> QuerySet[ChronicRegistration]:
    require_health_reader(user)
    return scoped(ChronicRegistration.objects.all(), user)


def registration_get(*, user: User, pk: int) -> ChronicRegistration:
    try:
        return registration_scope(user=user).select_related("person").get(pk=pk)
    except (ChronicRegistration.DoesNotExist, ValueError, TypeError):
        raise Http404("无此慢病登记或不在您的管辖区域内") from None


def case_scope(*, user: User) -> QuerySet[SpecialCase]:
    require_health_reader(user)
    return scoped(SpecialCase.objects.all(), user)


def case_get(*, user: User, pk: int) -> SpecialCase:
    try:
        return case_scope(user=user).select_related("person").get(pk=pk)
    except (SpecialCase.DoesNotExist, ValueError, TypeError):
        raise Http404("无此病例或不在您的管辖区域内") from None


def case_steps(*, user: User, case: SpecialCase) -> list[SpecialCaseStep]:
    """The steps of a case that came from `case_get` (so it is in the user's scope)."""
    require_health_reader(user)
    return list(case.steps.select_related("user").order_by("at", "id"))


# ---------------------------------------------------------------- lists
def case_list(*, user: User, status: str = "", disease_code: str = "", region_code: str = "",
              hospital: str = "", open_only: bool = False) -> QuerySet[SpecialCase]:
    qs = case_scope(user=user)
    if region_code:
        qs = scoped(qs, user).filter(region_code__startswith=region_code)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(OPEN_CASE)
    if disease_code:
        qs = qs.filter(disease_code=disease_code)
    if hospital:
        qs = qs.filter(hospital_name=hospital)
    return qs.select_related("person").order_by("-found_on", "-id")


def registration_list(*, user: User, disease_code: str = "", region_code: str = "",
                      open_only: bool = True) -> QuerySet[ChronicRegistration]:
    qs = registration_scope(user=user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if open_only:
        qs = qs.filter(OPEN_REGISTRATION)
    if disease_code:
        qs = qs.filter(disease_code=disease_code)
    return qs.select_related("person").order_by("region_code", "-registered_on", "-id")


def open_cases_by_disease_and_hospital(*, user: User, region_code: str = "") -> list[dict]:
    """The county's worklist: open cases counted by disease and designated hospital."""
    qs = case_list(user=user, region_code=region_code, open_only=True)
    rows = (qs.order_by().values("disease_code", "hospital_name", "status")
            .annotate(n=Count("id")))
    table: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["disease_code"], r["hospital_name"])
        t = table.setdefault(key, {"disease_code": key[0], "hospital_name": key[1], "total": 0,
                                   **dict.fromkeys((S.FOUND, S.OPENED, S.IN_TREATMENT, S.TREATED), 0)})
        t[r["status"]] += r["n"]
        t["total"] += r["n"]
    return sorted(table.values(), key=lambda t: (-t["total"], t["disease_code"],
                                                 t["hospital_name"]))


# ---------------------------------------------------------------- costs of a case
@dataclass
class CaseCosts:
    statements: list
    total_fen: int = 0
    in_policy_fen: int = 0
    reimbursed_fen: int = 0
    self_pay_fen: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)


def case_costs(*, user: User, case: SpecialCase) -> CaseCosts:
    """The settled stays of the person for the case's disease (diagnosis in the disease's ICD-10
    codes, discharged on or after the case was found, admitted before it was closed)."""
    require_health_reader(user)
    disease = catalog_mod.catalog().get(code=case.disease_code, region_code=case.region_code,
                                        on=case.found_on)
    qs = person_statements(user=user, person=case.person).filter(
        stay__discharge_date__gte=case.found_on)
    if case.closed_on:
        qs = qs.filter(stay__admission_date__lte=case.closed_on)
    out = CaseCosts(statements=[])
    for st in qs:
        code = st.stay.diagnosis_icd10
        if not code or disease is None or not disease.matches(code):
            continue
        out.statements.append(st)
        out.total_fen += st.stay.total_fen
        out.in_policy_fen += st.stay.in_policy_fen
        out.reimbursed_fen += st.reimbursed_fen
        out.self_pay_fen += st.self_pay_fen
        for tier, fen in (st.tier_amounts or {}).items():
            out.by_tier[tier] = out.by_tier.get(tier, 0) + int(fen)
    return out


# ---------------------------------------------------------------- a person's health
BATCHES = {
    "treatment": "大病集中救治一批",
    "contract": "慢病签约服务管理一批",
    "safety_net": "重病兜底保障一批",
}
#: categories whose holders' remaining costs the safety net covers (DOMAIN.md section 4)
SAFETY_NET_CATEGORIES = frozenset({"extreme_poor", "minimum_living", "illness_impoverished"})

STATUS_LABELS = {"healthy": "健康", "chronic": "长期慢性病", "major": "患有大病"}


def batch_of(*, cases: list[SpecialCase], registrations: list[ChronicRegistration],
             categories: set[str]) -> str | None:
    """The one "three batches" class of an ill person (docs/health.md, the system's reading of
    the 2017 national plan): in special treatment → 集中救治; a major disease treated but not
    cured, or a severe-illness category, with a safety-net category → 兜底保障; a chronic disease
    under management → 签约服务管理; otherwise not an ill person of the three batches."""
    if any(c.status in (S.FOUND, S.OPENED, S.IN_TREATMENT) for c in cases):
        return "treatment"
    severe = any(c.status == S.TREATED for c in cases) or "illness_impoverished" in categories
    if severe and categories & SAFETY_NET_CATEGORIES:
        return "safety_net"
    if registrations:
        return "contract"
    if any(c.status == S.TREATED for c in cases):
        return "treatment"
    return None


def status_of(*, cases, registrations) -> str:
    """The coarse status monitoring lists carry: 患有大病 while a case is not closed, 长期慢性病
    while a chronic registration is open, else 健康 (残疾 is not recorded by jkfp yet)."""
    if any(c.status != S.CLOSED for c in cases):
        return "major"
    return "chronic" if registrations else "healthy"


@dataclass
class PersonHealth:
    person: Person
    status: str
    status_label: str
    detailed: bool
    batch: str | None = None
    batch_label: str = ""
    cases: list = field(default_factory=list)
    registrations: list = field(default_factory=list)


def person_health(*, user: User, person: Person, on: dt.date | None = None) -> PersonHealth:
    """A person's health in one object: coarse status for everyone in scope; batch, cases and
    registrations only for users who may see health details. `person` from a scoped selector."""
    on = on or timezone.localdate()
    cases = list(scoped(SpecialCase.objects.filter(person=person), user))
    regs = list(scoped(ChronicRegistration.objects.filter(person=person, ended_on__isnull=True),
                       user))
    status = status_of(cases=cases, registrations=regs)
    out = PersonHealth(person=person, status=status, status_label=STATUS_LABELS[status],
                       detailed=can_see_health(user))
    if out.detailed:
        categories = person_categories_on(user=user, person=person, on=on)
        out.batch = batch_of(cases=cases, registrations=regs, categories=categories)
        out.batch_label = BATCHES.get(out.batch or "", "")
        out.cases, out.registrations = cases, regs
    return out


def batch_counts(*, user: User, region_code: str, child_length: int,
                 on: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Ill persons of the three batches by child region ({child code: {batch: n}}), set-based:
    one query over persons with an open case or registration in the scope."""
    require_health_reader(user)
    on = on or timezone.localdate()
    cases = SpecialCase.objects.filter(person=OuterRef("pk"))
    regs = ChronicRegistration.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    periods = current_periods(on=on).filter(Q(person=OuterRef("pk"))
                                            | Q(household_id=OuterRef("household_id")))
    persons = (person_scope(user=user).filter(region_code__startswith=region_code)
               .annotate(treating=Exists(cases.filter(IN_TREATMENT)),
                         treated=Exists(cases.filter(status=S.TREATED)),
                         chronic=Exists(regs),
                         net=Exists(periods.filter(category__in=SAFETY_NET_CATEGORIES)),
                         severe_cat=Exists(periods.filter(category="illness_impoverished")))
               .filter(Q(treating=True) | Q(treated=True) | Q(chronic=True)
                       | Q(severe_cat=True))
               .annotate(child=Substr("region_code", 1, child_length))
               .values("child", "treating", "treated", "chronic", "net", "severe_cat")
               .annotate(n=Count("id")).order_by())
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BATCHES, 0))
    for r in persons:
        if r["treating"]:
            batch = "treatment"
        elif (r["treated"] or r["severe_cat"]) and r["net"]:
            batch = "safety_net"
        elif r["chronic"]:
            batch = "contract"
        elif r["treated"]:
            batch = "treatment"
        else:
            continue
        out[r["child"]][batch] += r["n"]
    return dict(out)
