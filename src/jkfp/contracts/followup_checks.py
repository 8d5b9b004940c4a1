"""The checks of a follow-up visit (the issue's "bad input"): dates, the team of the patient's
contract on the visit day, measurements in physical range, what applies to which disease. Each
problem is a `DomainError` with a code, a Chinese message and the field; `followup_check`
returns them all (the service `followup_record` raises them, nothing written)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from jkfp.errors import DomainError, ErrorCode
from jkfp.health.models import ChronicRegistration

from . import standards
from .models import FollowUp, TeamMember
from .selectors import contract_covering

FACE_TO_FACE = frozenset({FollowUp.Way.CLINIC, FollowUp.Way.HOME})

# physical ranges of the measurements (input checks, not policy)
SYSTOLIC = (50, 300)
DIASTOLIC = (30, 200)
GLUCOSE = (Decimal("1.0"), Decimal("40.0"))
WEIGHT = (Decimal("2.0"), Decimal("300.0"))
DOSES_MAX = 1000



def _err(code: ErrorCode, message: str, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def member_serves(member: TeamMember, team_id: int, on: dt.date) -> bool:
    """Whether `member` is a member of team `team_id` on `on`."""
    return (member.team_id == team_id and member.start_date <= on
            and (member.end_date is None or member.end_date >= on))


def _decimal(value, field: str, label: str, errors: list[DomainError]) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) or isinstance(value, bool):
        value = str(value)
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(_err(ErrorCode.INVALID, f"{label}“{value}”不是数值", field))
        return None
    if not d.is_finite() or d != d.quantize(Decimal("0.1")):
        errors.append(_err(ErrorCode.INVALID, f"{label}最多一位小数", field))
        return None
    return d.quantize(Decimal("0.1"))


def followup_check(*, registration: ChronicRegistration, visited_on: dt.date, way: str,
                   member: TeamMember | None, classification: str, next_visit_on: dt.date | None,
                   systolic: int | None = None, diastolic: int | None = None,
                   fasting_glucose=None, weight_kg=None, adherence: str = "",
                   risk_level: int | None = None, doses_due: int | None = None,
                   doses_taken: int | None = None, today: dt.date | None = None
                   ) -> tuple[list[DomainError], dict]:
    """Every problem of a follow-up (the issue's "bad input") and its cleaned values."""
    today = today or timezone.localdate()
    errors: list[DomainError] = []
    disease = registration.disease_code
    smd, tb = disease == "severe_mental_disorder", disease == "tuberculosis"
    if visited_on > today:
        errors.append(_err(ErrorCode.DATE_IN_FUTURE, "随访日期不能晚于今天", "visited_on"))
    elif visited_on < registration.diagnosed_on:
        errors.append(_err(ErrorCode.DATE_ORDER,
                           f"随访日期不能早于确诊日期（{registration.diagnosed_on}）", "visited_on"))
    elif registration.ended_on is not None and visited_on > registration.ended_on:
        errors.append(_err(ErrorCode.DATE_ORDER,
                           f"该慢病管理已于{registration.ended_on}结束", "visited_on"))
    person = registration.person
    if person.death_date is not None and visited_on > person.death_date:
        errors.append(_err(ErrorCode.PERSON_DECEASED, "随访日期晚于患者死亡日期", "visited_on"))
    if way not in FollowUp.Way.values:
        errors.append(_err(ErrorCode.INVALID, f"随访方式“{way}”无效", "way"))
    if classification not in FollowUp.Classification.values:
        errors.append(_err(ErrorCode.REQUIRED if not classification else ErrorCode.INVALID,
                           "须选择随访分类", "classification"))
    if adherence and adherence not in FollowUp.Adherence.values:
        errors.append(_err(ErrorCode.INVALID, f"服药依从性“{adherence}”无效", "adherence"))
    if member is None:
        errors.append(_err(ErrorCode.REQUIRED, "须选择随访医生", "member"))
    elif not any(e.field == "visited_on" for e in errors):  # the team on a valid date only
        contract = contract_covering(person_id=registration.person_id, on=visited_on)
        if contract is None:
            errors.append(_err(ErrorCode.FOLLOWUP_TEAM, "该患者在随访日期没有有效的家庭医生签约",
                               "member"))
        elif not member_serves(member, contract.team_id, visited_on):
            errors.append(_err(ErrorCode.FOLLOWUP_TEAM,
                               "随访医生在随访日期不是该患者签约团队的成员", "member"))
    # blood pressure: both or neither, within physical range, diastolic below systolic
    measured = way in FACE_TO_FACE
    if (systolic is None) != (diastolic is None):
        errors.append(_err(ErrorCode.REQUIRED, "血压须同时填写收缩压和舒张压",
                           "diastolic" if diastolic is None else "systolic"))
    bp_ok = True
    if systolic is not None and not SYSTOLIC[0] <= systolic <= SYSTOLIC[1]:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                           f"收缩压须在{SYSTOLIC[0]}至{SYSTOLIC[1]} mmHg之间（填写为{systolic}）",
                           "systolic"))
        bp_ok = False
    if diastolic is not None and not DIASTOLIC[0] <= diastolic <= DIASTOLIC[1]:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                           f"舒张压须在{DIASTOLIC[0]}至{DIASTOLIC[1]} mmHg之间（填写为{diastolic}）",
                           "diastolic"))
        bp_ok = False
    if bp_ok and systolic is not None and diastolic is not None and diastolic >= systolic:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                           f"舒张压（{diastolic}）须低于收缩压（{systolic}）", "diastolic"))
    if disease == "hypertension" and measured and systolic is None and diastolic is None:
        errors.append(_err(ErrorCode.REQUIRED, "高血压患者面对面随访须测量血压", "systolic"))
    glucose = _decimal(fasting_glucose, "fasting_glucose", "空腹血糖", errors)
    if glucose is not None and not GLUCOSE[0] <= glucose <= GLUCOSE[1]:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                           f"空腹血糖须在{GLUCOSE[0]}至{GLUCOSE[1]} mmol/L之间", "fasting_glucose"))
    if disease == "diabetes_type2" and measured and glucose is None \
            and not any(e.field == "fasting_glucose" for e in errors):
        errors.append(_err(ErrorCode.REQUIRED, "糖尿病患者面对面随访须测空腹血糖",
                           "fasting_glucose"))
    weight = _decimal(weight_kg, "weight_kg", "体重", errors)
    if weight is not None and not WEIGHT[0] <= weight <= WEIGHT[1]:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                           f"体重须在{WEIGHT[0]}至{WEIGHT[1]} kg之间", "weight_kg"))
    # risk level: severe mental disorders only, 0-5
    if risk_level is not None and not smd:
        errors.append(_err(ErrorCode.NOT_APPLICABLE, "危险性评估只适用于严重精神障碍患者",
                           "risk_level"))
    elif smd and risk_level is None:
        errors.append(_err(ErrorCode.REQUIRED, "严重精神障碍患者须填写危险性评估（0-5级）",
                           "risk_level"))
    elif risk_level is not None and not 0 <= risk_level <= 5:
        errors.append(_err(ErrorCode.MEASUREMENT_RANGE, "危险性评估须为0至5级", "risk_level"))
    # doses: tuberculosis only; taken ≤ due
    if not tb:
        for name, value in (("doses_due", doses_due), ("doses_taken", doses_taken)):
            if value is not None:
                errors.append(_err(ErrorCode.NOT_APPLICABLE, "服药次数只适用于肺结核患者", name))
    else:
        for name, value, label in (("doses_due", doses_due, "应服药次数"),
                                   ("doses_taken", doses_taken, "实服药次数")):
            if value is None:
                errors.append(_err(ErrorCode.REQUIRED, f"肺结核患者须填写{label}", name))
            elif not 0 <= value <= DOSES_MAX:
                errors.append(_err(ErrorCode.MEASUREMENT_RANGE,
                                   f"{label}须在0至{DOSES_MAX}之间", name))
        if doses_due is not None and doses_taken is not None and doses_taken > doses_due:
            errors.append(_err(ErrorCode.MEASUREMENT_RANGE, "实服药次数不能多于应服药次数",
                               "doses_taken"))
    if next_visit_on is None:
        errors.append(_err(ErrorCode.REQUIRED, "须填写下次随访日期", "next_visit_on"))
    elif next_visit_on <= visited_on:
        errors.append(_err(ErrorCode.DATE_ORDER, "下次随访日期须晚于本次随访日期",
                           "next_visit_on"))
    elif next_visit_on > standards.add_months(visited_on, 12):
        errors.append(_err(ErrorCode.DATE_ORDER, "下次随访日期不能晚于本次随访后一年",
                           "next_visit_on"))
    return errors, {"fasting_glucose": glucose, "weight_kg": weight}
