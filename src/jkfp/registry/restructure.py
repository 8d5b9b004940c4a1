"""Splitting, merging and ending (注销) a household: the structural changes of the register,
decided by a reviewer, approver or administrator (`access.require_registry_reviewer`). The
helpers, the head change and a member's move are in `changes.py` (its module doc says how
each change is written)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jkfp.accounts.access import require_in_scope, require_registry_reviewer
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.regions.models import Region
from jkfp.writes import acting, locked, model_update

from . import numbering
from .changes import (
    _check_day,
    _check_relation,
    _end_household_periods,
    _household_changed,
    _lock_households,
    _members_locked,
    _reason,
    _relocate,
    _require_no_open_request,
    _require_note,
    _require_open,
)
from .models import Household, Relation


# ---------------------------------------------------------------- split
def household_split(
    *,
    user: User,
    household: Household,
    expected_version: int,
    members: dict[int, str],
    split_on: dt.date,
    reason: str,
    household_number: str = "",
    village_code: str = "",
    address: str = "",
) -> Household:
    """Some living members (not the head) form a new household (`members`: person id →
    relation to the new head; exactly one is `head`), numbered by its village's rule unless
    a number is given; the village is the old one unless another of the user's is named."""
    require_registry_reviewer(user)
    require_in_scope(user, household.region_code)
    _require_open(household)
    members = {int(k): v for k, v in members.items()}
    errors: list[DomainError] = []
    if not members:
        errors.append(DomainError(ErrorCode.REQUIRED, "请选择分出的成员", field="members"))
    heads = [pk for pk, rel in members.items() if rel == Relation.HEAD]
    if members and len(heads) != 1:
        errors.append(
            DomainError(
                ErrorCode.HOUSEHOLD_NO_HEAD if not heads else ErrorCode.HOUSEHOLD_TWO_HEADS,
                "分出的成员中须有且只有一名新户主",
                field="members",
            )
        )
    for pk, rel in members.items():
        if rel not in Relation.values:
            errors.append(
                DomainError(ErrorCode.INVALID, f"与户主关系“{rel}”无效", field=f"members.{pk}")
            )
    village_code = (village_code or household.region_code).strip()
    village = Region.objects.filter(code=village_code).first()
    if village is None or village.level != "village":
        errors.append(
            DomainError(
                ErrorCode.REGION_NOT_VILLAGE, f"“{village_code}”不是村级区划", field="village_code"
            )
        )
    else:
        try:
            require_in_scope(user, village.code, field="village_code")
        except DomainError as exc:
            errors.append(exc)
    household_number = (household_number or "").strip()
    if household_number and Household.objects.filter(household_number=household_number).exists():
        errors.append(
            DomainError(
                ErrorCode.HOUSEHOLD_NUMBER_DUPLICATE,
                f"户编号“{household_number}”已存在",
                field="household_number",
            )
        )
    elif not household_number and village is not None:
        try:
            numbering.rule_for(village.code)
        except DomainError as exc:
            errors.append(exc)
    try:
        _check_day(split_on, "split_on")
        _require_note(reason)
    except DomainError as exc:
        errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        (hh,) = _lock_households(household, versions={household.pk: expected_version})
        current = _members_locked(hh)
        for pk in members:
            m = current.get(pk)
            if m is None:
                errors.append(
                    DomainError(
                        ErrorCode.HOUSEHOLD_NOT_MEMBER,
                        "分出的人员须是本户成员",
                        field=f"members.{pk}",
                    )
                )
            elif not m.alive:
                errors.append(
                    DomainError(
                        ErrorCode.PERSON_DECEASED, f"{m.name}已登记死亡", field=f"members.{pk}"
                    )
                )
            elif pk == hh.head_id:
                errors.append(
                    DomainError(
                        ErrorCode.HOUSEHOLD_HEAD_LEAVES,
                        "户主不能随分出成员离开：请先变更户主",
                        field=f"members.{pk}",
                    )
                )
        if errors:
            raise ValidationErrors(errors)
        for pk in members:
            _require_no_open_request(person=current[pk])
        if not household_number:
            locked(Region, village.code)
            household_number = numbering.next_number(village_code=village.code)
        text = _reason(
            f"分户：自 {hh.household_number} 分出，新户 {household_number}（{split_on:%Y-%m-%d}）",
            reason,
        )
        new = acting(
            Household(
                household_number=household_number,
                village=village,
                region_code=village.code,
                address=(address or "").strip(),
            ),
            user,
        )
        new._change_reason = text
        new.save(force_insert=True)
        for pk, rel in sorted(members.items()):
            _relocate(user, current[pk], new, rel, text)
        new._change_reason = text
        new, _ = model_update(instance=new, lock=False, user=user, data={"head_id": heads[0]})
        _household_changed(hh)
        _household_changed(new)
    return new


# ---------------------------------------------------------------- merge
def household_merge(
    *,
    user: User,
    household: Household,
    expected_version: int,
    into: Household,
    into_version: int,
    relations: dict[int, str],
    merged_on: dt.date,
    reason: str,
) -> Household:
    """`household` ends and its living members join `into` (`relations`: each living member's
    relation to the head of `into`). Its open household-level periods end on `merged_on`."""
    require_registry_reviewer(user)
    require_in_scope(user, household.region_code)
    require_in_scope(user, into.region_code, field="into")
    relations = {int(k): v for k, v in relations.items()}
    errors: list[DomainError] = []
    if household.pk == into.pk:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_SAME, "不能与本户合并", field="into"))
    for hh, field in ((household, "household"), (into, "into")):
        try:
            _require_open(hh, field)
        except DomainError as exc:
            errors.append(exc)
    try:
        _check_day(merged_on, "merged_on")
        _require_note(reason)
    except DomainError as exc:
        errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    _require_no_open_request(household=household)
    with transaction.atomic():
        hh, target = _lock_households(
            household, into, versions={household.pk: expected_version, into.pk: into_version}
        )
        living = {pk: m for pk, m in _members_locked(hh).items() if m.alive}
        for pk in relations:
            if pk not in living:
                errors.append(
                    DomainError(
                        ErrorCode.HOUSEHOLD_NOT_MEMBER,
                        "关系只能为并入户的在世成员填写",
                        field=f"relations.{pk}",
                    )
                )
        for pk, m in living.items():
            rel = relations.get(pk, "")
            if not rel:
                errors.append(
                    DomainError(
                        ErrorCode.REQUIRED, f"须填写{m.name}与户主的关系", field=f"relations.{pk}"
                    )
                )
            elif err := _check_relation(rel, f"relations.{pk}"):
                errors.append(err)
        if errors:
            raise ValidationErrors(errors)
        text = _reason(
            f"合户：{hh.household_number} 并入 {target.household_number}（{merged_on:%Y-%m-%d}）",
            reason,
        )
        for pk, m in sorted(living.items()):
            _relocate(user, m, target, relations[pk], text)
        _end_household_periods(user, hh, merged_on, f"合户：并入 {target.household_number}")
        hh._change_reason = text
        hh, _ = model_update(
            instance=hh,
            lock=False,
            user=user,
            data={
                "ended_on": merged_on,
                "head_id": None,
                "end_reason": f"并入家庭户 {target.household_number}：{reason.strip()}"[:200],
            },
        )
        _household_changed(hh)
        _household_changed(target)
    return target


# ---------------------------------------------------------------- end (注销)
def household_end(
    *, user: User, household: Household, expected_version: int, ended_on: dt.date, reason: str
) -> Household:
    """End (注销) a household no living member is left in; its open household-level periods
    end on that date, through the same path as a death's."""
    require_registry_reviewer(user)
    require_in_scope(user, household.region_code)
    _require_open(household)
    _check_day(ended_on, "ended_on")
    _require_note(reason)
    _require_no_open_request(household=household)
    with transaction.atomic():
        (hh,) = _lock_households(household, versions={household.pk: expected_version})
        members = _members_locked(hh)
        living = [m.name for m in members.values() if m.alive]
        if living:
            raise DomainError(
                ErrorCode.HOUSEHOLD_HAS_MEMBERS,
                "本户仍有在世成员（{}），不能注销：请先迁出或办理合户".format("、".join(living)),
                field="ended_on",
            )
        last = max((m.death_date for m in members.values() if m.death_date), default=None)
        if last and ended_on < last:
            raise DomainError(
                ErrorCode.DATE_ORDER,
                f"注销日期不能早于最后一名成员的死亡日期（{last:%Y-%m-%d}）",
                field="ended_on",
            )
        text = _reason(f"注销（{ended_on:%Y-%m-%d}）", reason)
        _end_household_periods(user, hh, ended_on, f"注销：{reason.strip()}"[:300])
        hh._change_reason = text
        hh, _ = model_update(
            instance=hh,
            lock=False,
            user=user,
            data={"ended_on": ended_on, "end_reason": reason.strip()[:200]},
        )
        _household_changed(hh)
    return hh
