"""Household and person changes (户籍变动): a new head, a member's move, a split, a merge, the
end (注销) of a household.

Each function is one state change in one transaction (DESIGN.md rule 2): it checks everything
it can before writing, locks the rows it changes (households first, in id order, then their
members), compares the versions the user saw (`stale_version`), writes through
`writes.model_update` with the reason as the history row's change reason, keeps the summaries
current (decision 25) and publishes the follow-on events.

Who may (docs/household-changes.md): a writer of the region records a head change and a move
(facts a village clerk learns first); splitting, merging and ending a household are decided by
a reviewer, approver or administrator (`access.require_registry_reviewer`). A person with an open
admission or exit request does not move, and a household with one is not merged or ended: the
procedure is finished first (`request_pending`).

A person who moves to a household of another village takes their records along: their own
category periods and, in every app, the rows that belong to the person (a foreign key to the
person and a `region_code`, but no household of their own) are filed under the new village,
so that the region scope follows the person. Household-level categories stay with the household.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jkfp.accounts.access import require_in_scope, require_writer
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.summaries import definitions as summary_definitions
from jkfp.summaries.services import summary_apply, summary_snapshot
from jkfp.writes import acting, locked, model_update

from .models import CategoryPeriod, Household, Person, Relation
from .periods import check_dates, period_end_locked

#: why a household gets a new head (the reason is recorded in the history)
HEAD_REASONS = {"death": "原户主死亡", "moved": "原户主迁出", "decision": "家庭决定"}
REASON_MAX = 100  # django-simple-history's history_change_reason


# ---------------------------------------------------------------- helpers
def _reason(what: str, note: str) -> str:
    note = (note or "").strip()
    return (f"{what}：{note}" if note else what)[:REASON_MAX]


def _require_note(note: str, field: str = "reason") -> None:
    if not (note or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "须写明变动原因", field=field)


def _check_day(day: dt.date, field: str) -> None:
    check_dates(**{field: day})
    if day > timezone.localdate():
        raise DomainError(ErrorCode.DATE_IN_FUTURE, "日期不能晚于今天", field=field)


def _require_open(household: Household, field: str = "household") -> None:
    if household.ended_on:
        raise DomainError(
            ErrorCode.HOUSEHOLD_ENDED, f"家庭户 {household.household_number} 已注销", field=field
        )


def _require_no_open_request(
    *, person: Person | None = None, household: Household | None = None
) -> None:
    from jkfp.admission.models import OPEN, ChangeRequest

    qs = ChangeRequest.objects.filter(OPEN)
    qs = qs.filter(person=person) if person is not None else qs.filter(household=household)
    if qs.exists():
        who = person.name if person is not None else f"家庭户 {household.household_number}"
        raise DomainError(
            ErrorCode.REQUEST_PENDING,
            f"{who}有办理中的纳入/退出申请，请先办结或撤回",
            field="household",
        )


def _check_relation(relation: str, field: str) -> DomainError | None:
    if relation not in Relation.values:
        return DomainError(ErrorCode.INVALID, f"与户主关系“{relation}”无效", field=field)
    if relation == Relation.HEAD:
        return DomainError(ErrorCode.HOUSEHOLD_TWO_HEADS, "一个家庭户只能有一名户主", field=field)
    return None


def _lock_households(*households: Household, versions: dict[int, int | None]) -> list[Household]:
    """Lock households in id order (no deadlock between two changes of the same pair)."""
    rows = {
        h.pk: locked(Household, h.pk, expected_version=versions.get(h.pk))
        for h in sorted(households, key=lambda h: h.pk)
    }
    return [rows[h.pk] for h in households]


def _members_locked(household: Household) -> dict[int, Person]:
    return {
        p.pk: p
        for p in Person.objects.select_for_update().filter(household=household).order_by("pk")
    }


def _refile(user: User, person: Person, region_code: str, reason: str) -> None:
    """File the person's own records under `region_code` (their new village)."""
    for period in CategoryPeriod.objects.select_for_update().filter(person=person):
        was = summary_snapshot(period)
        period._change_reason = reason
        period, _ = model_update(
            instance=period, lock=False, user=user, data={"region_code": region_code}
        )
        summary_apply(period, was=was)
    for rel in Person._meta.related_objects:
        model = rel.related_model
        names = {f.name for f in model._meta.concrete_fields}
        if (
            not rel.one_to_many
            or model is CategoryPeriod
            or "region_code" not in names
            or "household" in names
        ):
            continue  # a row with a household of its own belongs to that household's region
        rows = model._default_manager.filter(**{rel.field.name: person}).exclude(
            region_code=region_code
        )
        if summary_definitions.of_model(model):  # counted: move the counts row by row
            for row in rows.select_for_update():
                was = summary_snapshot(row)
                row.region_code = region_code
                acting(row, user).save(update_fields=["region_code"])
                summary_apply(row, was=was)
        else:  # a scope column derived from the person's village: set-based
            rows.update(region_code=region_code)


def _relocate(user: User, person: Person, to: Household, relation: str, reason: str) -> Person:
    """Move a locked person into `to` with their relation to its head."""
    was = summary_snapshot(person)
    old_region = person.region_code
    person._change_reason = reason
    p, _ = model_update(
        instance=person,
        lock=False,
        user=user,
        data={"household_id": to.pk, "relation": relation, "region_code": to.region_code},
    )
    p.household = to
    summary_apply(p, was=was)
    if old_region != to.region_code:
        _refile(user, p, to.region_code, reason)
    publish(Event.PERSON_CHANGED, person_id=p.pk, household_id=to.pk, region_code=to.region_code)
    return p


def _household_changed(hh: Household) -> None:
    publish(Event.HOUSEHOLD_CHANGED, household_id=hh.pk, region_code=hh.region_code)


def _end_household_periods(user: User, household: Household, day: dt.date, reason: str) -> None:
    """End the household's open household-level periods on `day` (the deaths' path)."""
    for period in CategoryPeriod.objects.select_for_update().filter(
        household=household, end_date__isnull=True
    ):
        period_end_locked(
            user=user, period=period, end_date=max(day, period.start_date), end_reason=reason
        )


# ---------------------------------------------------------------- a new head
def household_head_change(
    *,
    user: User,
    household: Household,
    expected_version: int,
    new_head: Person,
    reason: str,
    note: str = "",
    relations: dict[int, str] | None = None,
) -> Household:
    """Make a living member the head (after a death, a move or a decision) and re-state every
    other member's relation to the new head (`relations`: person id → relation; a member left
    out keeps theirs, the former head must be given one)."""
    require_writer(user)
    require_in_scope(user, household.region_code)
    _require_open(household)
    relations = {int(k): v for k, v in (relations or {}).items()}
    if reason not in HEAD_REASONS:
        raise DomainError(ErrorCode.INVALID, f"变更原因“{reason}”无效", field="reason")
    with transaction.atomic():
        (hh,) = _lock_households(household, versions={household.pk: expected_version})
        members = _members_locked(hh)
        head = members.get(new_head.pk)
        errors: list[DomainError] = []
        if head is None:
            raise DomainError(
                ErrorCode.HOUSEHOLD_NOT_MEMBER, "新户主须是本户成员", field="new_head"
            )
        if not head.alive:
            errors.append(
                DomainError(ErrorCode.PERSON_DECEASED, "新户主须是在世的成员", field="new_head")
            )
        if head.pk == hh.head_id:
            errors.append(DomainError(ErrorCode.INVALID, f"{head.name}已是户主", field="new_head"))
        old = members.get(hh.head_id)
        if reason == "death" and old is not None and old.alive:
            errors.append(
                DomainError(
                    ErrorCode.INVALID,
                    "原户主尚未登记死亡：请先登记死亡，或选择其他变更原因",
                    field="reason",
                )
            )
        for pk in relations:
            if pk not in members or pk == head.pk:
                errors.append(
                    DomainError(
                        ErrorCode.HOUSEHOLD_NOT_MEMBER,
                        "关系只能为本户除新户主以外的成员填写",
                        field=f"relations.{pk}",
                    )
                )
        new_rel: dict[int, str] = {}
        for pk, m in members.items():
            if pk == head.pk:
                continue
            rel = relations.get(pk) or ("" if m.relation == Relation.HEAD else m.relation)
            if not rel:
                errors.append(
                    DomainError(
                        ErrorCode.REQUIRED, f"须填写{m.name}与新户主的关系", field=f"relations.{pk}"
                    )
                )
                continue
            err = _check_relation(rel, f"relations.{pk}")
            if err:
                errors.append(err)
            new_rel[pk] = rel
        if errors:
            raise ValidationErrors(errors)
        text = _reason(f"变更户主（{HEAD_REASONS[reason]}）", note)
        for pk, rel in new_rel.items():
            m = members[pk]
            m._change_reason = text
            model_update(instance=m, lock=False, user=user, data={"relation": rel})
        head._change_reason = text
        model_update(instance=head, lock=False, user=user, data={"relation": Relation.HEAD})
        hh._change_reason = text
        hh, _ = model_update(instance=hh, lock=False, user=user, data={"head_id": head.pk})
        for p in members.values():
            publish(
                Event.PERSON_CHANGED, person_id=p.pk, household_id=hh.pk, region_code=hh.region_code
            )
        _household_changed(hh)
    return hh


# ---------------------------------------------------------------- a member moves
def person_move(
    *,
    user: User,
    person: Person,
    expected_version: int,
    to_household: Household,
    relation: str,
    moved_on: dt.date,
    reason: str,
) -> Person:
    """Move a living member (not the head) into another household, with their relation to its
    head. Both households must be in the user's region."""
    require_writer(user)
    require_in_scope(user, person.region_code)
    require_in_scope(user, to_household.region_code, field="to_household")
    errors: list[DomainError] = []
    if to_household.pk == person.household_id:
        errors.append(
            DomainError(ErrorCode.HOUSEHOLD_SAME, "迁入户与原户相同", field="to_household")
        )
    if to_household.ended_on:
        errors.append(DomainError(ErrorCode.HOUSEHOLD_ENDED, "迁入户已注销", field="to_household"))
    err = _check_relation(relation, "relation")
    if err:
        errors.append(err)
    try:
        _check_day(moved_on, "moved_on")
        _require_note(reason)
    except DomainError as exc:
        errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    _require_no_open_request(person=person)
    with transaction.atomic():
        source = Household.objects.get(pk=person.household_id)
        source, to = _lock_households(source, to_household, versions={})
        p = locked(Person, person.pk, expected_version=expected_version)
        if p.household_id != source.pk:  # moved meanwhile
            raise DomainError(
                ErrorCode.STALE_VERSION, "该人员已迁往其他家庭户，请刷新后重试", field="version"
            )
        if not p.alive:
            raise DomainError(
                ErrorCode.PERSON_DECEASED, "该人员已登记死亡，不能迁移", field="person"
            )
        if moved_on < p.birth_date:
            raise DomainError(ErrorCode.DATE_ORDER, "迁移日期不能早于出生日期", field="moved_on")
        if source.head_id == p.pk:
            raise DomainError(
                ErrorCode.HOUSEHOLD_HEAD_LEAVES,
                "户主不能直接迁出：请先变更户主；如本户无其他在世成员，请办理合户",
                field="person",
            )
        _require_open(to, "to_household")
        text = _reason(
            f"迁入家庭户 {to.household_number}（{moved_on:%Y-%m-%d}，原户 "
            f"{source.household_number}）",
            reason,
        )
        p = _relocate(user, p, to, relation, text)
        _household_changed(source)
        _household_changed(to)
    return p
