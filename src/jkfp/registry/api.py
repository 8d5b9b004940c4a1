"""API of the registry: households, persons, category periods, support measures and incomes
(the admission/exit change requests are in `request_api.py`).

Each handler checks the request's shape (the schemas), reads through the scoped selectors (a
record outside the caller's region answers 404) and calls one service; the rules live in
`services.py` and `workflow.py`, whose named errors the API answers as JSON (`jkfp.api.errors`).
"""

from __future__ import annotations

from ninja import Query, Router, Status

from jkfp.accounts.models import User
from jkfp.api.common import fen_to_yuan, paginate, responses
from jkfp.categories import LABELS, LEVEL, Category

from . import idnumber, selectors, services
from .history import household_history, person_history
from .models import (
    CategoryPeriod,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)
from .schemas import (
    CategoryEndIn,
    CategoryIn,
    CategoryLabelOut,
    CategoryPeriodOut,
    DeathIn,
    HistoryEntryOut,
    HouseholdCreateIn,
    HouseholdDetailOut,
    HouseholdPage,
    HouseholdUpdateIn,
    IdNumberIn,
    IncomeIn,
    IncomeOut,
    MemberIn,
    PersonDetailOut,
    PersonPage,
    PersonUpdateIn,
    RevealIn,
    RevealOut,
    SearchParams,
    SupportMeasureIn,
    SupportMeasureOut,
)

households = Router(tags=["家庭户"])
persons = Router(tags=["人员"])
periods = Router(tags=["类别"])


# ================================================================ answers
def region_ref(r) -> dict:
    return {"code": r.code, "name": r.name, "is_generated": r.is_generated}


def person_ref(p: Person | None) -> dict | None:
    return p and {"id": p.pk, "name": p.name, "id_number_masked": idnumber.mask(p.id_number)}


def _person(p: Person) -> dict:
    return {
        "id": p.pk, "name": p.name, "id_number_masked": idnumber.mask(p.id_number),
        "phone_masked": idnumber.mask_phone(p.phone), "sex": p.sex,
        "sex_label": p.get_sex_display(), "birth_year": idnumber.birth_year(p.birth_date),
        "relation": p.relation,
        "relation_label": p.get_relation_display(), "work_ability": p.work_ability,
        "work_ability_label": p.get_work_ability_display(), "household_id": p.household_id,
        "health_status": p.health_status, "health_status_label": p.get_health_status_display(),
        "household_number": p.household.household_number, "region_code": p.region_code,
        "alive": p.alive, "death_date": p.death_date, "version": p.version,
    }


def _period(cp: CategoryPeriod) -> dict:
    return {
        "id": cp.pk, "category": cp.category, "category_label": LABELS[Category(cp.category)],
        "subject": "person" if cp.person_id else "household", "person_id": cp.person_id,
        "person_name": cp.person.name if cp.person_id else None,
        "household_id": cp.household_id, "start_date": cp.start_date, "end_date": cp.end_date,
        "is_current": cp.end_date is None, "exit_year": cp.exit_year, "source": cp.source,
        "reason": cp.reason, "end_reason": cp.end_reason, "end_way": cp.end_way,
        "change_request_id": cp.change_request_id,
    }


def _income(i: HouseholdIncome) -> dict:
    return {"year": i.year, "total_income": fen_to_yuan(i.total_fen), "members": i.members,
            "per_capita_income": fen_to_yuan(i.per_capita_fen), "source": i.source}


def _measure(m: SupportMeasure) -> dict:
    return {"id": m.pk, "kind": m.kind, "kind_label": m.get_kind_display(),
            "description": m.description, "start_date": m.start_date,
            "created_by": m.created_by.username if m.created_by_id else None,
            "created_at": m.created_at}


def _household(h: Household) -> dict:
    return {"id": h.pk, "household_number": h.household_number, "region_code": h.region_code,
            "village": region_ref(h.village), "address": h.address, "head": person_ref(h.head),
            "ended_on": h.ended_on, "end_reason": h.end_reason, "version": h.version}


def _household_detail(user: User, pk: int) -> dict:
    d = selectors.household_detail(user=user, pk=pk, with_history=False)
    h = d.household
    return {
        **_household(h), "created_at": h.created_at, "updated_at": h.updated_at,
        "member_count": len(d.living), "deceased_count": len(d.deceased),
        "members": [_person(p) for p in sorted(d.living, key=lambda p: p.pk)],
        "deceased_members": [_person(p) for p in sorted(d.deceased, key=lambda p: p.pk)],
        "categories": [_period(cp) for cp in d.categories],
        "incomes": [_income(i) for i in d.incomes],
        "support_measures": [_measure(m) for m in d.measures],
    }


def _person_detail(user: User, p: Person) -> dict:
    return {**_person(p), "created_at": p.created_at, "updated_at": p.updated_at,
            "categories": [_period(cp) for cp in selectors.person_categories(user=user, person=p)]}


def _history(entries) -> list[dict]:
    return [{"at": e.at, "user": e.user, "action": e.action, "action_label": e.action_label,
             "subject": e.subject, "summary": e.summary,
             "changes": [{"field": c.field, "before": c.before, "after": c.after}
                         for c in e.changes]}
            for e in entries]


# ================================================================ households
@households.get("", response=responses({200: HouseholdPage}), summary="家庭户列表与检索")
def household_list(request, filters: Query[SearchParams]):
    qs = selectors.household_list(user=request.auth, q=filters.q,
                                  category=filters.category or "",
                                  region_code=filters.region_code or "")
    page = paginate(qs, filters)
    counts = selectors.living_counts(user=request.auth,
                                     household_ids=[h.pk for h in page["items"]])
    page["items"] = [{**_household(h), "member_count": counts.get(h.pk, 0)}
                     for h in page["items"]]
    return page


@households.post("", response=responses({201: HouseholdDetailOut}), summary="登记家庭户及成员")
def household_create(request, payload: HouseholdCreateIn):
    hh = services.household_register(
        user=request.auth, household_number=payload.household_number,
        village_code=payload.village_code, address=payload.address,
        members=[services.MemberInput(**m.model_dump()) for m in payload.members])
    return Status(201, _household_detail(request.auth, hh.pk))


@households.get("/{household_id}", response=responses({200: HouseholdDetailOut}),
                summary="家庭户详情（成员、类别、收入、帮扶措施）")
def household_detail(request, household_id: int):
    return _household_detail(request.auth, household_id)


@households.patch("/{household_id}", response=responses({200: HouseholdDetailOut}),
                  summary="修改住址（带版本号）")
def household_update(request, household_id: int, payload: HouseholdUpdateIn):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    services.household_update(user=request.auth, household=hh,
                              expected_version=payload.version, address=payload.address)
    return _household_detail(request.auth, household_id)


@households.post("/{household_id}/members", response=responses({201: PersonDetailOut}),
                 summary="添加家庭成员")
def household_member_add(request, household_id: int, payload: MemberIn):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    p = services.person_add(user=request.auth, household=hh,
                            member=services.MemberInput(**payload.model_dump()))
    return Status(201, _person_detail(request.auth,
                                      selectors.person_get(user=request.auth, pk=p.pk)))


@households.get("/{household_id}/incomes", response=responses({200: list[IncomeOut]}),
                summary="家庭年收入")
def household_incomes(request, household_id: int):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    return [_income(i) for i in hh.incomes.filter(void=False).order_by("-year")]


@households.post("/{household_id}/incomes", response=responses({201: IncomeOut}),
                 summary="登记家庭年收入（同一年度再次登记即更正）")
def household_income_record(request, household_id: int, payload: IncomeIn):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    inc = services.household_income_record(user=request.auth, household=hh, year=payload.year,
                                           total_yuan=payload.total_income,
                                           members=payload.members, source=payload.source)
    return Status(201, _income(inc))


@households.get("/{household_id}/categories", response=responses({200: list[CategoryPeriodOut]}),
                summary="本户及成员的类别期间")
def household_categories(request, household_id: int):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    return [_period(cp) for cp in selectors.household_categories(user=request.auth, household=hh)]


@households.post("/{household_id}/categories", response=responses({201: CategoryPeriodOut}),
                 summary="管理员更正：登记户类别期间（须写明理由；其他人员经纳入/退出程序办理）")
def household_category_add(request, household_id: int, payload: CategoryIn):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    cp = services.category_correction_open(user=request.auth, household=hh,
                                           **payload.model_dump())
    return Status(201, _period(cp))


@households.get("/{household_id}/support-measures",
                response=responses({200: list[SupportMeasureOut]}), summary="帮扶措施")
def household_measures(request, household_id: int):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    return [_measure(m) for m in hh.support_measures.select_related("created_by")]


@households.post("/{household_id}/support-measures",
                 response=responses({201: SupportMeasureOut}), summary="登记帮扶措施")
def household_measure_add(request, household_id: int, payload: SupportMeasureIn):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    m = services.support_measure_add(user=request.auth, household=hh, **payload.model_dump())
    return Status(201, _measure(m))


@households.get("/{household_id}/history", response=responses({200: list[HistoryEntryOut]}),
                summary="修改记录（本户、成员、类别、收入、帮扶措施）")
def household_history_list(request, household_id: int):
    hh = selectors.household_get(user=request.auth, pk=household_id)
    return _history(household_history(user=request.auth, household=hh))


# ================================================================ persons
@persons.get("", response=responses({200: PersonPage}), summary="人员列表与检索")
def person_list(request, filters: Query[SearchParams]):
    qs = selectors.person_list(user=request.auth, q=filters.q, category=filters.category or "",
                               region_code=filters.region_code or "").select_related("household")
    page = paginate(qs, filters)
    page["items"] = [_person(p) for p in page["items"]]
    return page


@persons.post("/lookup", response=responses({200: PersonDetailOut}),
              summary="按身份证号查找人员（号码在请求体中）")
def person_by_id_number(request, payload: IdNumberIn):
    """A full ID number travels in the body, never in a URL (which proxies and server logs
    keep). The number is normalised (15-digit, full-width, lower-case x); a malformed or
    check-failing number answers 422 naming `id_number`, an unknown one 404."""
    info = idnumber.parse(payload.id_number, field="id_number")
    p = selectors.person_get_by_id_number(user=request.auth, id_number=info.number)
    return _person_detail(request.auth, p)


@persons.get("/{person_id}", response=responses({200: PersonDetailOut}), summary="人员详情")
def person_detail(request, person_id: int):
    return _person_detail(request.auth, selectors.person_get(user=request.auth, pk=person_id))


@persons.patch("/{person_id}", response=responses({200: PersonDetailOut}),
               summary="修改人员信息（带版本号；未提供的字段保持不变）")
def person_update(request, person_id: int, payload: PersonUpdateIn):
    user = request.auth
    p = selectors.person_get(user=user, pk=person_id)
    services.person_update(
        user=user, person=p, expected_version=payload.version,
        name=p.name if payload.name is None else payload.name,
        phone=p.phone if payload.phone is None else payload.phone,
        relation=payload.relation or p.relation,
        work_ability=payload.work_ability or p.work_ability,
        sex=payload.sex, birth_date=payload.birth_date)
    return _person_detail(user, selectors.person_get(user=user, pk=person_id))


@persons.post("/{person_id}/death", response=responses({200: PersonDetailOut}),
              summary="登记死亡（本人的类别期间同日终止）")
def person_death(request, person_id: int, payload: DeathIn):
    user = request.auth
    p = selectors.person_get(user=user, pk=person_id)
    services.person_record_death(user=user, person=p, expected_version=payload.version,
                                 death_date=payload.death_date)
    return _person_detail(user, selectors.person_get(user=user, pk=person_id))


@persons.post("/{person_id}/reveal", response=responses({200: RevealOut}),
              summary="查看完整身份证号或电话（仅限有权角色，每次查看均记录）")
def person_reveal(request, person_id: int, payload: RevealIn):
    p = selectors.person_get(user=request.auth, pk=person_id)
    value = services.person_reveal(user=request.auth, person=p, field=payload.field,
                                   channel="api", path=request.path)
    return {"field": payload.field, "value": value}


@persons.get("/{person_id}/history", response=responses({200: list[HistoryEntryOut]}),
             summary="修改记录（本人及本人的类别期间）")
def person_history_list(request, person_id: int):
    p = selectors.person_get(user=request.auth, pk=person_id)
    return _history(person_history(user=request.auth, person=p))


@persons.get("/{person_id}/categories", response=responses({200: list[CategoryPeriodOut]}),
             summary="本人及所在户的类别期间")
def person_categories(request, person_id: int):
    p = selectors.person_get(user=request.auth, pk=person_id)
    return [_period(cp) for cp in selectors.person_categories(user=request.auth, person=p)]


@persons.post("/{person_id}/categories", response=responses({201: CategoryPeriodOut}),
              summary="管理员更正：登记个人类别期间（须写明理由；其他人员经纳入/退出程序办理）")
def person_category_add(request, person_id: int, payload: CategoryIn):
    p = selectors.person_get(user=request.auth, pk=person_id)
    cp = services.category_correction_open(user=request.auth, person=p, **payload.model_dump())
    return Status(201, _period(cp))


# ================================================================ category periods
@periods.get("/categories", response=responses({200: list[CategoryLabelOut]}),
             summary="类别代码、名称与层级")
def category_labels(request):
    return [{"code": c.value, "label": LABELS[c], "level": LEVEL[c]} for c in Category]


@periods.post("/category-periods/{period_id}/end", response=responses({200: CategoryPeriodOut}),
              summary="管理员更正：终止类别期间（须写明理由）")
def category_period_end(request, period_id: int, payload: CategoryEndIn):
    cp = selectors.category_period_get(user=request.auth, pk=period_id)
    d = payload.model_dump()
    cp = services.category_correction_end(user=request.auth, period=cp, end_date=d["end_date"],
                                          reason=d["end_reason"], end_way=d["end_way"])
    return _period(selectors.category_period_get(user=request.auth, pk=cp.pk))


from . import change_api  # noqa: E402,F401  (household changes and ID corrections join the routers)
