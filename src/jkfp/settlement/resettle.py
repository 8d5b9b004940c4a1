"""Re-settling a person's year in admission order (decision 37).

A stay's bill depends on the stays of the year before it (the accumulators: deductibles met,
caps used, the year's self-pay). So when a stay is entered late (admitted before one already
settled), corrected or reversed, `year_resettle` walks the year's settled stays in admission
order and settles each again from its predecessor's totals. A stay whose figures come out the
same keeps its statement; any other gets a new one that supersedes the old (both kept, linked
by `superseded_by`). Runs inside the caller's transaction, with the person locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from django.db.models import Q

from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.policy import PolicyError, PolicyErrorCode
from jkfp.policy.errors import RowError
from jkfp.policy.regimes import PolicySet
from jkfp.policy.schema import LOCATION_INDEX
from jkfp.policy.statement import Accumulators, Stay
from jkfp.registry.models import Person
from jkfp.writes import acting

from .models import HospitalStay, Statement, StatementStatus
from .settling import accumulators_from_json, categories_on, settle_best, statement_values

#: the stored figures that make two statements of a stay the same bill
SAME_BILL = ("policy", "reimbursed_fen", "self_pay_fen", "tier_amounts", "accumulators_after")


def engine_stay(hs: HospitalStay) -> Stay:
    """The engine's view of a stored stay (its category is set per category held)."""
    return Stay(
        str(hs.pk),
        str(hs.person_id),
        hs.county_code,
        0,
        hs.hospital_grade,
        LOCATION_INDEX[hs.location],
        hs.referred,
        hs.admission_date,
        hs.discharge_date,
        hs.total_fen,
        hs.in_policy_fen,
    )


def _settle(hs: HospitalStay, *, policies: PolicySet, before: Accumulators | None):
    held = categories_on(person=hs.person, on=hs.admission_date)
    stay = engine_stay(hs)
    try:  # one stay per category held; the engine's own errors keep their codes
        category, st = settle_best(
            ((c, stay.with_category(c)) for c in held), policies=policies, accumulators=before
        )
    except RowError as exc:
        raise ValidationErrors([exc]) from exc
    except PolicyError as exc:
        if exc.code != PolicyErrorCode.NO_REGIME:
            raise
        raise DomainError(
            ErrorCode.POLICY_NOT_FOUND,
            f"{hs.admission_date}入院的住院：{exc.message}",
            field="admission_date",
        ) from exc
    return statement_values(st, stay_id=hs.pk, held=held, category=category), category


def _history(obj, user: User, reason: str):
    acting(obj, user)
    obj._change_reason = reason[:100]
    return obj


def year_resettle(
    *,
    user: User,
    person: Person,
    year: int,
    policies: PolicySet,
    renew: Collection[int] = (),
    reason: str,
    operation: uuid.UUID,
) -> dict[int, Statement]:
    """Settle again, in admission order, every stay of `person` admitted in `year` that has a
    current statement, plus the stays in `renew` (new or corrected: they always get a new
    statement). Returns the statements written, by stay id. The caller holds the person's lock
    and a transaction."""
    stays = list(
        HospitalStay.objects.filter(person=person, admission_date__year=year)
        .filter(Q(statements__status=StatementStatus.CURRENT) | Q(pk__in=list(renew)))
        .select_related("person")
        .distinct()
        .order_by("admission_date", "id")
    )
    current = {
        s.stay_id: s
        for s in Statement.objects.filter(stay__in=stays, status=StatementStatus.CURRENT)
    }
    before: Accumulators | None = None
    written: dict[int, Statement] = {}
    for hs in stays:
        old = current.get(hs.pk)
        values, category = _settle(hs, policies=policies, before=before)
        if (
            old is not None
            and hs.pk not in renew
            and hs.category == category
            and all(getattr(old, k) == values[k] for k in SAME_BILL)
        ):
            before = accumulators_from_json(old.accumulators_after)
            continue  # the same bill: the statement stands
        before = accumulators_from_json(values["accumulators_after"])
        if hs.category != category:
            hs.category = category
            _history(hs, user, reason).save(update_fields=["category"])
        why = reason if hs.pk in renew else f"{reason}：按入院顺序重算"
        if old is not None:
            old.status = StatementStatus.SUPERSEDED
            _history(old, user, why).save(update_fields=["status"])
        new = Statement(
            stay=hs,
            person=person,
            region_code=person.region_code,
            created_by=user,
            reason=why[:200],
            operation=operation,
            **values,
        )
        _history(new, user, why).save()
        if old is not None:
            old.superseded_by = new
            _history(old, user, why).save(update_fields=["superseded_by"])
        written[hs.pk] = new
    return written
