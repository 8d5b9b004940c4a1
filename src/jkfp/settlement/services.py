"""Settling, correcting and reversing the stays of a registered person (DESIGN.md rule 2).

The amounts come from the policy engine (`jkfp.policy`), which knows nothing of Django. Every
service here locks the person, changes the stay and re-settles the person's year in admission
order (`resettle.year_resettle`) in one transaction: a stay entered late or corrected gives the
later stays of its year new statements that supersede the old ones; a reversal (冲销) marks the
stay's statement reversed and re-settles the stays after it. Who acted, when and why is in the
statements' own fields and in the history of stays and statements (decision 37). Only
medical-insurance and hospital staff settle (`access.require_settler`, decision 38).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from jkfp.accounts.access import require_in_scope, require_settler
from jkfp.accounts.models import User
from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode
from jkfp.events import Event, publish
from jkfp.policy.money import fmt_fen
from jkfp.registry.models import Person
from jkfp.writes import acting

from .models import HospitalStay, Statement, StatementStatus
from .resettle import year_resettle
from .settling import (  # noqa: F401  (the demo generator imports these from here)
    accumulators_from_json,
    accumulators_to_json,
    categories_on,
    policy_set,
    settle_best,
    statement_values,
)
from .stay_checks import checked_stay, refuse_overlap

REASON_MAX = 200
#: the stay's fields a correction may change (the person, region and creator stay)
CORRECTABLE = ("hospital_name", "hospital_grade", "location", "referred", "admission_date",
               "discharge_date", "total_cost", "in_policy_cost", "diagnosis_icd10",
               "admission_number")


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(ErrorCode.REASON_REQUIRED, "请填写原因（将记入结算单和历史记录）",
                          field="reason")
    if len(text) > REASON_MAX:
        raise DomainError(ErrorCode.INVALID, f"原因最多{REASON_MAX}个字", field="reason")
    return text


def stay_settle(*, user: User, person: Person, hospital_name: str, hospital_grade: int,
                location: str, referred: bool, admission_date: dt.date, discharge_date: dt.date,
                total_cost, in_policy_cost, diagnosis_icd10: str = "",
                admission_number: str = "") -> Statement:
    """Record a hospital stay and settle it across every tier in one bill.

    The person's year so far comes from their earlier statements. A stay admitted before one
    already settled in its year (entered late) is settled in its place and the later stays are
    settled again. When the person holds several categories on the admission date, each is
    settled and the one that leaves the patient the least to pay is applied; the statement
    says which. A stay overlapping another of the person is refused (`stay_overlap`).
    """
    require_settler(user)
    require_in_scope(user, person.region_code)
    stay, diagnosis = checked_stay(
        person=person, hospital_name=hospital_name, hospital_grade=hospital_grade,
        location=location, referred=referred, admission_date=admission_date,
        discharge_date=discharge_date, total_cost=total_cost, in_policy_cost=in_policy_cost,
        diagnosis_icd10=diagnosis_icd10, admission_number=admission_number)
    policies = policy_set()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)  # one settlement at a time
        refuse_overlap(person=person, admission_date=admission_date,
                       discharge_date=discharge_date)
        late = Statement.objects.filter(person=person, year=admission_date.year,
                                        status=StatementStatus.CURRENT,
                                        stay__admission_date__gt=admission_date).exists()
        hs = acting(HospitalStay(
            person=person, region_code=person.region_code, county_code=person.region_code[:6],
            hospital_name=hospital_name.strip(), hospital_grade=hospital_grade,
            location=location, referred=referred, admission_date=admission_date,
            discharge_date=discharge_date, total_fen=stay.total_fen,
            in_policy_fen=stay.in_policy_fen, category=Category.GENERAL.value, diagnosis_icd10=diagnosis,
            admission_number=(admission_number or "").strip(), created_by=user), user)
        reason = "补录住院（入院早于本年度已结算的住院）" if late else "登记住院并结算"
        hs._change_reason = reason
        hs.save()
        written = year_resettle(user=user, person=person, year=admission_date.year,
                                policies=policies, renew={hs.pk}, reason=reason,
                                operation=uuid.uuid4())
        publish(Event.STAY_SETTLED, stay_id=hs.pk, person_id=person.pk,
                region_code=person.region_code)
        return written[hs.pk]


def stay_correct(*, user: User, stay: HospitalStay, reason: str, **changes) -> Statement:
    """Correct a settled stay (amounts, dates, grade, location, …) with a reason: the stay is
    settled again and so is every later stay of its year (of both years when the admission
    moves to another year). Returns the stay's new statement. `changes` name fields of
    `CORRECTABLE`; amounts are yuan as in `stay_settle`. A reversed stay is not corrected
    (`statement_not_current`): enter it again."""
    require_settler(user)
    require_in_scope(user, stay.region_code)
    why = _reason(reason)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise TypeError(f"stay_correct: unknown fields {sorted(unknown)}")
    person = stay.person
    policies = policy_set()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        # the stay as it is now (locked), not as the caller read it: a correction made
        # meanwhile is not overwritten with the fields this one leaves unchanged
        hs = HospitalStay.objects.select_for_update().get(pk=stay.pk)
        if not hs.statements.filter(status=StatementStatus.CURRENT).exists():
            raise DomainError(ErrorCode.STATEMENT_NOT_CURRENT,
                              "该次住院的结算已冲销，不能更正；如需结算请重新登记")
        values = {"hospital_name": hs.hospital_name, "hospital_grade": hs.hospital_grade,
                  "location": hs.location, "referred": hs.referred,
                  "admission_date": hs.admission_date, "discharge_date": hs.discharge_date,
                  "total_cost": fmt_fen(hs.total_fen), "in_policy_cost": fmt_fen(hs.in_policy_fen),
                  "diagnosis_icd10": hs.diagnosis_icd10, "admission_number": hs.admission_number}
        values.update(changes)
        checked, diagnosis = checked_stay(person=person, **values)
        refuse_overlap(person=person, admission_date=checked.admission_date,
                       discharge_date=checked.discharge_date, exclude_pk=hs.pk)
        old_year = hs.admission_date.year
        for name in ("hospital_name", "hospital_grade", "location", "referred",
                     "admission_date", "discharge_date"):
            setattr(hs, name, values[name].strip() if name == "hospital_name" else values[name])
        hs.total_fen, hs.in_policy_fen = checked.total_fen, checked.in_policy_fen
        hs.diagnosis_icd10 = diagnosis
        hs.admission_number = (values["admission_number"] or "").strip()
        acting(hs, user, f"更正：{why}")
        hs.save()
        op = uuid.uuid4()
        written = year_resettle(user=user, person=person, year=hs.admission_date.year,
                                policies=policies, renew={hs.pk}, reason=f"更正：{why}",
                                operation=op)
        if old_year != hs.admission_date.year:
            year_resettle(user=user, person=person, year=old_year, policies=policies,
                          reason=f"更正：{why}", operation=op)
        publish(Event.STAY_SETTLED, stay_id=hs.pk, person_id=person.pk,
                region_code=person.region_code)
        return written[hs.pk]


def statement_reverse(*, user: User, statement: Statement, reason: str) -> Statement:
    """Reverse (冲销) a current statement with a reason: the stay stays on record, its statement
    is marked reversed (who, when, why) and the later stays of its year are settled again
    without it. Returns the reversed statement."""
    require_settler(user)
    require_in_scope(user, statement.region_code)
    why = _reason(reason)
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=statement.person_id)
        st = Statement.objects.select_for_update().select_related("person").get(pk=statement.pk)
        if st.status != StatementStatus.CURRENT:
            raise DomainError(ErrorCode.STATEMENT_NOT_CURRENT,
                              f"结算单 {st.pk} 已{st.get_status_display()}，不能冲销")
        st.status = StatementStatus.REVERSED
        st.reversed_at, st.reversed_by, st.reverse_reason = timezone.now(), user, why
        acting(st, user, f"冲销：{why}")
        st.save(update_fields=["status", "reversed_at", "reversed_by", "reverse_reason"])
        year_resettle(user=user, person=st.person, year=st.year, policies=policy_set(),
                      reason=f"冲销结算单 {st.pk}", operation=uuid.uuid4())
        publish(Event.STAY_SETTLED, stay_id=st.stay_id, person_id=st.person_id,
                region_code=st.region_code)
        return st
