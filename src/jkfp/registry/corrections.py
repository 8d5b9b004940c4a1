"""Corrections of an ID number (and the sex and birth date it encodes): proposed by a writer
with the evidence, decided by a reviewer of the region who did not propose it (four eyes).

The sex and the birth date of a person are derived from the ID number (GB 11643: digits 7-14
and the parity of digit 17), so a correction of either is a correction of the number; the
proposer may type the sex and birth date shown on the evidence, and they must agree with the
new number (`id_birth_mismatch`, `id_sex_mismatch`). On approval the number, its reversed copy
(`id_rev`, the tail search) and the derived sex and birth date change together in one write,
with the correction named in the person's history; a number another person holds is refused
at the proposal and again at the decision (and by the unique column, under concurrency).

Evidence is a text (the document seen, its number and date). Scanned files are attached by
the attachments feature to the correction (`IdentityCorrection`, its id and region), which its
page shows in the `registry/_correction_attachments.html` slot.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import (
    can_review_registry,
    require_in_scope,
    require_registry_reviewer,
    require_writer,
    scoped,
)
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.writes import locked, model_create, model_update

from . import idnumber
from .correction_models import IdentityCorrection
from .models import Person
from .services import person_check_identity

Status = IdentityCorrection.Status
EVIDENCE_MAX = 1000


def _duplicate(number: str, person: Person) -> DomainError | None:
    if Person.objects.filter(id_number=number).exclude(pk=person.pk).exists():
        return DomainError(
            ErrorCode.ID_DUPLICATE,
            f"身份证号“{idnumber.mask(number)}”已登记在其他人员名下",
            field="new_id_number",
        )
    return None


# ---------------------------------------------------------------- writes
def identity_correction_propose(
    *,
    user: User,
    person: Person,
    new_id_number: str,
    evidence: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
) -> IdentityCorrection:
    """Propose a corrected ID number with the evidence; nothing changes until it is approved."""
    require_writer(user)
    require_in_scope(user, person.region_code)
    info, errors = person_check_identity(
        id_number=new_id_number, sex=sex or None, birth_date=birth_date
    )
    for e in errors:  # the request's fields: new_id_number, and the evidence's sex, birth_date
        e.field = "new_id_number" if e.field == "id_number" else e.field
    evidence = (evidence or "").strip()
    if not evidence:
        errors.append(
            DomainError(
                ErrorCode.REQUIRED,
                "须写明证明材料（如户口簿、身份证复印件及其编号、日期）",
                field="evidence",
            )
        )
    elif len(evidence) > EVIDENCE_MAX:
        errors.append(
            DomainError(ErrorCode.INVALID, f"证明材料说明最多{EVIDENCE_MAX}字", field="evidence")
        )
    if info is not None:
        if info.number == person.id_number:
            errors.append(
                DomainError(
                    ErrorCode.CORRECTION_UNCHANGED,
                    "更正后的身份证号与现有号码相同",
                    field="new_id_number",
                )
            )
        elif err := _duplicate(info.number, person):
            errors.append(err)
        if person.death_date and person.death_date < info.birth_date:
            errors.append(
                DomainError(
                    ErrorCode.DATE_ORDER,
                    "更正后的出生日期晚于登记的死亡日期",
                    field="new_id_number",
                )
            )
    if errors:
        raise ValidationErrors(errors)
    try:
        with transaction.atomic():
            p = locked(Person, person.pk)
            if IdentityCorrection.objects.filter(person=p, status=Status.PROPOSED).exists():
                raise DomainError(
                    ErrorCode.CORRECTION_PENDING,
                    "该人员已有待审核的身份信息更正",
                    field="new_id_number",
                )
            return model_create(
                IdentityCorrection,
                user=user,
                person=p,
                region_code=p.region_code,
                old_id_number=p.id_number,
                old_sex=p.sex,
                old_birth_date=p.birth_date,
                new_id_number=info.number,
                new_sex=info.sex,
                new_birth_date=info.birth_date,
                evidence=evidence,
                proposed_by=user,
            )
    except IntegrityError as exc:  # a concurrent proposal for the same person
        raise DomainError(
            ErrorCode.CORRECTION_PENDING, "该人员已有待审核的身份信息更正", field="new_id_number"
        ) from exc


def identity_correction_decide(
    *,
    user: User,
    correction: IdentityCorrection,
    expected_version: int,
    approve: bool,
    note: str = "",
) -> IdentityCorrection:
    """Approve (the person's number, sex and birth date change) or reject (a note required)."""
    require_registry_reviewer(user)
    require_in_scope(user, correction.region_code)
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(ErrorCode.REQUIRED, "不通过须写明理由", field="note")
    try:
        with transaction.atomic():
            c = locked(IdentityCorrection, correction.pk, expected_version=expected_version)
            if c.status != Status.PROPOSED:
                raise DomainError(
                    ErrorCode.CORRECTION_DECIDED, "该更正已审核或已撤回", field="status"
                )
            if c.proposed_by_id == user.pk:
                raise DomainError(
                    ErrorCode.FOUR_EYES,
                    "提出更正的人员不能审核自己的更正（双人复核）",
                    field="status",
                )
            if approve:
                p = locked(Person, c.person_id)
                if p.id_number != c.old_id_number:
                    raise DomainError(
                        ErrorCode.STALE_VERSION,
                        "该人员的身份证号在提出更正后已改变，请退回后重新提出",
                        field="version",
                    )
                if err := _duplicate(c.new_id_number, p):
                    raise err
                p._change_reason = f"身份信息更正 #{c.pk}（{c.evidence}）"[:100]
                p, _ = model_update(
                    instance=p,
                    lock=False,
                    user=user,
                    data={
                        "id_number": c.new_id_number,
                        "id_rev": c.new_id_number[::-1],
                        "sex": c.new_sex,
                        "birth_date": c.new_birth_date,
                    },
                )
                publish(
                    Event.PERSON_CHANGED,
                    person_id=p.pk,
                    household_id=p.household_id,
                    region_code=p.region_code,
                )
            c, _ = model_update(
                instance=c,
                lock=False,
                user=user,
                data={
                    "status": Status.APPROVED if approve else Status.REJECTED,
                    "decided_by_id": user.pk,
                    "decided_at": timezone.now(),
                    "decision_note": note[:300],
                },
            )
    except IntegrityError as exc:  # the number was registered meanwhile
        raise DomainError(
            ErrorCode.ID_DUPLICATE, "更正后的身份证号已被登记，请核对", field="new_id_number"
        ) from exc
    return c


def identity_correction_withdraw(
    *, user: User, correction: IdentityCorrection, expected_version: int
) -> IdentityCorrection:
    """The proposer (or a reviewer) withdraws an open correction."""
    require_writer(user)
    require_in_scope(user, correction.region_code)
    if correction.proposed_by_id != user.pk and not can_review_registry(user):
        raise DomainError(ErrorCode.PERMISSION, "只有提出人或审核人员可以撤回更正", field="status")
    with transaction.atomic():
        c = locked(IdentityCorrection, correction.pk, expected_version=expected_version)
        if c.status != Status.PROPOSED:
            raise DomainError(ErrorCode.CORRECTION_DECIDED, "该更正已审核或已撤回", field="status")
        c, _ = model_update(
            instance=c,
            lock=False,
            user=user,
            data={
                "status": Status.WITHDRAWN,
                "decided_by_id": user.pk,
                "decided_at": timezone.now(),
            },
        )
    return c


# ---------------------------------------------------------------- reads (scoped)
def identity_correction_scope(*, user: User):
    return scoped(IdentityCorrection.objects.all(), user).select_related(
        "person", "proposed_by", "decided_by"
    )


def identity_correction_get(*, user: User, pk: int) -> IdentityCorrection:
    try:
        return identity_correction_scope(user=user).get(pk=pk)
    except (IdentityCorrection.DoesNotExist, ValueError, TypeError):
        raise Http404("无此更正或不在您的管辖区域内") from None


def identity_corrections_of_person(*, user: User, person: Person) -> list[IdentityCorrection]:
    return list(identity_correction_scope(user=user).filter(person=person))


def identity_corrections_open(*, user: User):
    """The open corrections of the user's region, oldest first (a reviewer's work list)."""
    return (
        identity_correction_scope(user=user)
        .filter(status=Status.PROPOSED)
        .order_by("proposed_at", "id")
    )


def can_decide(*, user: User, correction: IdentityCorrection) -> bool:
    return (
        correction.status == Status.PROPOSED
        and can_review_registry(user)
        and correction.proposed_by_id != user.pk
    )
