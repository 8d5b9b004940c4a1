"""API of the household changes (head, move, split, merge, end) and of ID corrections; the
handlers join the registry's routers (`api.py` imports this module). Each reads through the
scoped selectors (404 outside the region) and calls one service."""

from __future__ import annotations

from ninja import Query, Status

from jkfp.api.common import PageParams, paginate, responses

from . import changes, corrections, idnumber, restructure, selectors
from .api import _household_detail, _person_detail, households, periods, persons
from .change_schemas import (
    CorrectionDecideIn,
    CorrectionIn,
    CorrectionOut,
    CorrectionPage,
    CorrectionWithdrawIn,
    EndIn,
    HeadChangeIn,
    MergeIn,
    MoveIn,
    SplitIn,
)
from .correction_models import IdentityCorrection
from .schemas import HouseholdDetailOut, PersonDetailOut


def _relations(items) -> dict[int, str]:
    return {i.person_id: i.relation for i in items}


def _name(u) -> str | None:
    return u and (u.full_name or u.username)


def _correction(c: IdentityCorrection) -> dict:
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "person_name": c.person.name,
        "region_code": c.region_code,
        "old_id_number_masked": idnumber.mask(c.old_id_number),
        "new_id_number_masked": idnumber.mask(c.new_id_number),
        "old_sex": c.old_sex,
        "new_sex": c.new_sex,
        "old_birth_date": c.old_birth_date,
        "new_birth_date": c.new_birth_date,
        "evidence": c.evidence,
        "status": c.status,
        "status_label": c.get_status_display(),
        "proposed_by": _name(c.proposed_by),
        "proposed_at": c.proposed_at,
        "decided_by": _name(c.decided_by),
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
        "version": c.version,
    }


# ================================================================ household changes
@households.post(
    "/{household_id}/head",
    response=responses({200: HouseholdDetailOut}),
    summary="变更户主（原户主死亡、迁出或家庭决定；重新确定成员与户主关系）",
)
def household_head_change(request, household_id: int, payload: HeadChangeIn):
    user = request.auth
    hh = selectors.household_get(user=user, pk=household_id)
    head = selectors.person_get(user=user, pk=payload.new_head_id)
    changes.household_head_change(
        user=user,
        household=hh,
        expected_version=payload.version,
        new_head=head,
        reason=payload.reason,
        note=payload.note,
        relations=_relations(payload.relations),
    )
    return _household_detail(user, household_id)


@persons.post(
    "/{person_id}/move",
    response=responses({200: PersonDetailOut}),
    summary="成员迁往本辖区内另一家庭户（户主须先变更）",
)
def person_move(request, person_id: int, payload: MoveIn):
    user = request.auth
    p = selectors.person_get(user=user, pk=person_id)
    to = selectors.household_get(user=user, pk=payload.to_household_id)
    changes.person_move(
        user=user,
        person=p,
        expected_version=payload.version,
        to_household=to,
        relation=payload.relation,
        moved_on=payload.moved_on,
        reason=payload.reason,
    )
    return _person_detail(user, selectors.person_get(user=user, pk=person_id))


@households.post(
    "/{household_id}/split",
    response=responses({201: HouseholdDetailOut}),
    summary="分户：部分成员组成新户（按村规则编号；须审核权限）",
)
def household_split(request, household_id: int, payload: SplitIn):
    user = request.auth
    hh = selectors.household_get(user=user, pk=household_id)
    new = restructure.household_split(
        user=user,
        household=hh,
        expected_version=payload.version,
        members=_relations(payload.members),
        split_on=payload.split_on,
        reason=payload.reason,
        household_number=payload.household_number,
        village_code=payload.village_code,
        address=payload.address,
    )
    return Status(201, _household_detail(user, new.pk))


@households.post(
    "/{household_id}/merge",
    response=responses({200: HouseholdDetailOut}),
    summary="合户：本户注销，在世成员并入另一户（须审核权限）",
)
def household_merge(request, household_id: int, payload: MergeIn):
    user = request.auth
    hh = selectors.household_get(user=user, pk=household_id)
    into = selectors.household_get(user=user, pk=payload.into_household_id)
    target = restructure.household_merge(
        user=user,
        household=hh,
        expected_version=payload.version,
        into=into,
        into_version=payload.into_version,
        relations=_relations(payload.relations),
        merged_on=payload.merged_on,
        reason=payload.reason,
    )
    return _household_detail(user, target.pk)


@households.post(
    "/{household_id}/end",
    response=responses({200: HouseholdDetailOut}),
    summary="注销家庭户（无在世成员；户类别期间同日终止；须审核权限）",
)
def household_end(request, household_id: int, payload: EndIn):
    user = request.auth
    hh = selectors.household_get(user=user, pk=household_id)
    restructure.household_end(
        user=user,
        household=hh,
        expected_version=payload.version,
        ended_on=payload.ended_on,
        reason=payload.reason,
    )
    return _household_detail(user, household_id)


# ================================================================ ID corrections
@persons.post(
    "/{person_id}/identity-corrections",
    response=responses({201: CorrectionOut}),
    summary="提出身份证号（性别、出生日期）更正，附证明材料说明",
)
def correction_propose(request, person_id: int, payload: CorrectionIn):
    user = request.auth
    p = selectors.person_get(user=user, pk=person_id)
    c = corrections.identity_correction_propose(
        user=user,
        person=p,
        new_id_number=payload.new_id_number,
        evidence=payload.evidence,
        sex=payload.sex,
        birth_date=payload.birth_date,
    )
    return Status(201, _correction(corrections.identity_correction_get(user=user, pk=c.pk)))


@periods.get(
    "/identity-corrections",
    response=responses({200: CorrectionPage}),
    summary="待审核的身份信息更正（本辖区，先提出的在前）",
)
def correction_list(request, filters: Query[PageParams]):
    page = paginate(corrections.identity_corrections_open(user=request.auth), filters)
    page["items"] = [_correction(c) for c in page["items"]]
    return page


@periods.get(
    "/identity-corrections/{correction_id}",
    response=responses({200: CorrectionOut}),
    summary="身份信息更正详情",
)
def correction_detail(request, correction_id: int):
    return _correction(corrections.identity_correction_get(user=request.auth, pk=correction_id))


@periods.post(
    "/identity-corrections/{correction_id}/decide",
    response=responses({200: CorrectionOut}),
    summary="审核身份信息更正（审核人员，非提出人）",
)
def correction_decide(request, correction_id: int, payload: CorrectionDecideIn):
    user = request.auth
    c = corrections.identity_correction_get(user=user, pk=correction_id)
    corrections.identity_correction_decide(
        user=user,
        correction=c,
        expected_version=payload.version,
        approve=payload.approve,
        note=payload.note,
    )
    return _correction(corrections.identity_correction_get(user=user, pk=correction_id))


@periods.post(
    "/identity-corrections/{correction_id}/withdraw",
    response=responses({200: CorrectionOut}),
    summary="撤回身份信息更正",
)
def correction_withdraw(request, correction_id: int, payload: CorrectionWithdrawIn):
    user = request.auth
    c = corrections.identity_correction_get(user=user, pk=correction_id)
    corrections.identity_correction_withdraw(
        user=user, correction=c, expected_version=payload.version
    )
    return _correction(corrections.identity_correction_get(user=user, pk=correction_id))
