"""The checks of a stay's facts before it is settled or corrected: the engine's one stay
validator (`policy.check_stay`), the amounts read strictly, the diagnosis, and no overlap with
another stay of the same person (decision 37)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.health.catalog import icd10_normalise
from jkfp.policy import check_stay
from jkfp.policy.money import fmt_fen, parse_yuan
from jkfp.policy.statement import Stay
from jkfp.registry.models import Person
from jkfp.registry.services import check_dates

from .models import HospitalStay, StatementStatus

ADMISSION_NUMBER_MAX = 30


def checked_stay(
    *,
    person: Person,
    hospital_name,
    hospital_grade,
    location,
    referred,
    admission_date,
    discharge_date,
    total_cost,
    in_policy_cost,
    diagnosis_icd10: str = "",
    admission_number: str = "",
) -> tuple[Stay, str]:
    """The stay as the engine reads it and the normalised diagnosis, or `ValidationErrors` with
    every error found. Amounts are yuan read by the one strict parser (`parse_yuan`): no
    exponent (`1e5`), no thousands separator (`1,000`), no unit (`100元`), no negative amount and
    at most two decimals, each refused with `amount_invalid` naming the field. The engine's
    own codes (`stay_*`) pass through. The category is settled later, per category held."""
    check_dates(admission_date=admission_date, discharge_date=discharge_date)
    errors: list[DomainError] = []
    if not (hospital_name or "").strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "医疗机构不能为空", field="hospital_name"))
    if len((admission_number or "").strip()) > ADMISSION_NUMBER_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID,
                f"住院号最多{ADMISSION_NUMBER_MAX}个字符",
                field="admission_number",
            )
        )
    amounts: dict[str, str | None] = {}
    for name, value in (("total_cost", total_cost), ("in_policy_cost", in_policy_cost)):
        try:
            amounts[name] = fmt_fen(parse_yuan(value, field=name, negative=False))
        except DomainError as exc:
            errors.append(exc)
            amounts[name] = None
    stay, found = check_stay(
        stay_id="",
        person_id=str(person.pk),
        county_code=person.region_code[:6],
        category=Category.GENERAL.value,
        hospital_grade=hospital_grade,
        location=location,
        referred=referred,
        admission_date=admission_date,
        discharge_date=discharge_date,
        total_cost=amounts["total_cost"],
        in_policy_cost=amounts["in_policy_cost"],
    )
    errors += [e for e in found if amounts.get(e.column, "") is not None]
    diagnosis = ""
    if (diagnosis_icd10 or "").strip():  # optional: links the stay to a case of its disease
        try:
            diagnosis = icd10_normalise(diagnosis_icd10)
        except DomainError as exc:
            errors.append(DomainError(exc.code, exc.message, field="diagnosis_icd10"))
    if errors:
        raise ValidationErrors(errors)
    assert stay is not None
    if not person.alive and person.death_date and admission_date > person.death_date:
        raise DomainError(ErrorCode.PERSON_DECEASED, "入院日期晚于死亡日期", field="admission_date")
    return stay, diagnosis


def overlapping_stay(
    *,
    person: Person,
    admission_date: dt.date,
    discharge_date: dt.date,
    exclude_pk: int | None = None,
) -> HospitalStay | None:
    """A settled (not reversed) stay of the person whose dates overlap these.

    Two stays overlap when each starts before the other ends, or when both have the same dates;
    a transfer is not an overlap: one stay may begin on the day another ends."""
    qs = HospitalStay.objects.filter(person=person, statements__status=StatementStatus.CURRENT)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return (
        qs.filter(
            Q(admission_date__lt=discharge_date, discharge_date__gt=admission_date)
            | Q(admission_date=admission_date, discharge_date=discharge_date)
        )
        .order_by("admission_date")
        .first()
    )


def refuse_overlap(
    *,
    person: Person,
    admission_date: dt.date,
    discharge_date: dt.date,
    exclude_pk: int | None = None,
) -> None:
    other = overlapping_stay(
        person=person,
        admission_date=admission_date,
        discharge_date=discharge_date,
        exclude_pk=exclude_pk,
    )
    if other is not None:
        raise DomainError(
            ErrorCode.STAY_OVERLAP,
            f"住院日期与该患者{other.admission_date}至{other.discharge_date}在"
            f"“{other.hospital_name}”的住院重叠（同一人两次住院不能同时进行；转院当天可衔接）",
            field="admission_date",
        )
