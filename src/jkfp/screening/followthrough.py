"""The declared steps that follow a suspected or positive screening result (`rules.py`): refer,
confirm or rule out, and open a special-treatment case or a chronic registration in `health`;
checked first and written in one transaction, like the rest of `services.py`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.health import catalog
from jkfp.health import services as health_services
from jkfp.writes import locked, model_update

from . import rules
from .models import ResultStep, ScreeningResult

Stage = ScreeningResult.Stage
Result = ScreeningResult.Result


def _last_step(result: ScreeningResult, step: str | None = None) -> ResultStep | None:
    qs = ResultStep.objects.filter(result=result)
    if step:
        qs = qs.filter(step=step)
    return qs.order_by("-on_date", "-id").first()


def result_step(*, user: User, result: ScreeningResult, step: str, on_date: dt.date,
                expected_version: int, comment: str = "", referred_to: str = "",
                icd10: str = "", confirmed_by: str = "", hospital_name: str = "",
                treatment_plan: str = "", today: dt.date | None = None) -> ScreeningResult:
    """Take one declared step of a result's follow-through (`rules.TRANSITIONS`), recording who,
    when and why. Opening a case or a registration goes through `health.services` in the same
    transaction: when health refuses, nothing is written here either."""
    today = today or timezone.localdate()
    s = rules.require_step(user=user, result=result, step=step)
    comment, referred_to = (comment or "").strip(), (referred_to or "").strip()
    confirmed_by, hospital_name = (confirmed_by or "").strip(), (hospital_name or "").strip()
    treatment_plan = (treatment_plan or "").strip()
    given = {"comment": comment, "referred_to": referred_to, "icd10": (icd10 or "").strip(),
             "confirmed_by": confirmed_by}
    errors: list[DomainError] = []
    for name in rules.REQUIRED[s]:
        if not given[name]:
            label = {"comment": "理由", "referred_to": "转诊机构", "icd10": "确诊编码（ICD-10）",
                     "confirmed_by": "确诊机构"}[name]
            errors.append(DomainError(ErrorCode.REQUIRED, f"{rules.LABELS[s]}须填写{label}",
                                      field=name))
    if s == rules.Step.CONFIRM and given["icd10"]:
        try:
            icd10 = catalog.icd10_normalise(icd10)
        except DomainError as exc:
            errors.append(exc)
    last = _last_step(result)
    earliest = max(result.screened_on, last.on_date if last else result.screened_on)
    if on_date > today:
        errors.append(DomainError(ErrorCode.DATE_IN_FUTURE, "日期不能晚于今天", field="on_date"))
    elif on_date < earliest:
        errors.append(DomainError(ErrorCode.DATE_ORDER,
                                  f"日期不能早于筛查日期或上一步骤的日期（{earliest}）",
                                  field="on_date"))
    for name, value, limit in (("comment", comment, 500), ("referred_to", referred_to, 100),
                               ("confirmed_by", confirmed_by, 100),
                               ("hospital_name", hospital_name, 100),
                               ("treatment_plan", treatment_plan, 1000)):
        if len(value) > limit:
            errors.append(DomainError(ErrorCode.INVALID, f"不超过{limit}字", field=name))
    if errors:
        raise ValidationErrors(errors)
    frm, to = rules.TRANSITIONS[s]
    with transaction.atomic():
        r = locked(ScreeningResult, result.pk, expected_version=expected_version)
        rules.require_step(user=user, result=r, step=s)  # the stage of the row as locked
        data: dict = {"stage": to}
        if s == rules.Step.REFER:
            data["referred_to"] = referred_to
        elif s == rules.Step.CONFIRM:
            data["confirmed_icd10"] = icd10
        elif s == rules.Step.OPEN_CASE:
            data["health_ref"] = _open_case(user, r, hospital_name=hospital_name,
                                            treatment_plan=treatment_plan)
        elif s == rules.Step.REGISTER:
            data["health_ref"] = _register(user, r, confirmed_by=confirmed_by, on_date=on_date)
        r, _ = model_update(instance=r, lock=False, user=user, data=data)
        ResultStep.objects.create(result=r, step=s.value, from_stage=frm, to_stage=to,
                                  on_date=on_date, comment=comment[:500], user=user)
    return r


def _open_case(user: User, r: ScreeningResult, *, hospital_name: str,
               treatment_plan: str) -> str:
    case = health_services.special_case_create(
        user=user, person=r.person, icd10=r.confirmed_icd10, found_via="screening",
        found_on=r.screened_on, source_ref=f"screening:{r.pk}", hospital_name=hospital_name,
        treatment_plan=treatment_plan)
    return f"case:{case.pk}"


def _register(user: User, r: ScreeningResult, *, confirmed_by: str, on_date: dt.date) -> str:
    confirmed = _last_step(r, rules.Step.CONFIRM)
    registration = health_services.chronic_register(
        user=user, person=r.person, icd10=r.confirmed_icd10,
        diagnosed_on=confirmed.on_date if confirmed else on_date,
        confirmed_by=confirmed_by or r.referred_to, registered_on=on_date,
        note=f"筛查发现（screening:{r.pk}）")
    return f"chronic:{registration.pk}"


# ---------------------------------------------------------------- exports
