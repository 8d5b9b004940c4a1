"""Writes of screening (DOMAIN.md section 12): campaigns and results; the declared steps that
follow a suspected or positive result (`rules.py`) to a special-treatment case or a chronic
registration in `health` are in `followthrough.py`.

Every function takes the acting user, checks everything before it writes (several problems at
once as ValidationErrors, each naming its field; the rows of a bulk entry as `rows[i].field`),
and writes in one transaction: a refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jkfp.accounts import access
from jkfp.accounts import services as accounts_services
from jkfp.accounts.models import User
from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.regions.models import Region
from jkfp.registry import selectors as registry_selectors
from jkfp.registry.models import Person
from jkfp.writes import locked, model_create, model_update

from . import programmes, rules, selectors
from .models import Campaign, ResultStep, ScreeningResult

Stage = ScreeningResult.Stage
Result = ScreeningResult.Result
AGE_LIMIT = programmes.AGE_LIMIT
BULK_LIMIT = 1000


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: "take the programme's default" for a target value of a new campaign
DEFAULT = _Default()


# ---------------------------------------------------------------- campaigns
def _target_errors(*, sex, age_min, age_max, categories) -> list[DomainError]:
    errors: list[DomainError] = []
    if sex not in Campaign.Sex.values:
        errors.append(DomainError(ErrorCode.INVALID, f"性别“{sex}”无效", field="target_sex"))
    for name, value in (("age_min", age_min), ("age_max", age_max)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value <= AGE_LIMIT):
            errors.append(DomainError(ErrorCode.INVALID, f"年龄须为0至{AGE_LIMIT}的整数",
                                      field=name))
    if (isinstance(age_min, int) and isinstance(age_max, int) and age_max < age_min):
        errors.append(DomainError(ErrorCode.INVALID, "最大年龄不能小于最小年龄", field="age_max"))
    known = {c.value for c in Category}
    if not isinstance(categories, (list, tuple)):
        errors.append(DomainError(ErrorCode.INVALID, "目标类别须为列表",
                                  field="target_categories"))
    else:
        for c in categories:
            if c not in known:
                errors.append(DomainError(ErrorCode.CATEGORY_UNKNOWN, f"类别“{c}”不存在",
                                          field="target_categories"))
    return errors


def _date_errors(*, start_on: dt.date, end_on: dt.date, age_on: dt.date) -> list[DomainError]:
    errors = []
    if end_on < start_on:
        errors.append(DomainError(ErrorCode.DATE_ORDER, "结束日期不能早于开始日期",
                                  field="end_on"))
    elif not start_on <= age_on <= end_on:
        errors.append(DomainError(ErrorCode.SCREENING_DATE,
                                  "年龄计算日期须在项目开始至结束日期之间", field="age_on"))
    return errors


def campaign_create(*, user: User, name: str, kind: str, region_code: str, start_on: dt.date,
                    end_on: dt.date, age_on: dt.date | None = None,
                    target_sex: str | _Default = DEFAULT,
                    age_min: int | None | _Default = DEFAULT,
                    age_max: int | None | _Default = DEFAULT,
                    target_categories: list[str] | _Default = DEFAULT) -> Campaign:
    """Start a campaign in a region of the user's scope. The target values not given are the
    programme's defaults in force on the start date (`policies/screening/programmes.yaml`)."""
    access.require_health_writer(user)
    access.require_in_scope(user, region_code)
    errors: list[DomainError] = []
    name = (name or "").strip()
    if not name:
        errors.append(DomainError(ErrorCode.REQUIRED, "须填写项目名称", field="name"))
    if not Region.objects.filter(code=region_code).exists():
        errors.append(DomainError(ErrorCode.REGION_UNKNOWN, f"区划“{region_code}”不存在",
                                  field="region_code"))
    prog = None
    if kind not in Campaign.Kind.values:
        errors.append(DomainError(ErrorCode.INVALID, f"筛查类型“{kind}”无效", field="kind"))
    else:
        try:
            prog = programmes.programme(kind=kind, on=start_on, region_code=region_code)
        except DomainError as exc:
            errors.append(exc)
    if errors or prog is None:
        raise ValidationErrors(errors)
    v = prog.value
    sex = v.sex if target_sex is DEFAULT else target_sex
    a = v.age_min if age_min is DEFAULT else age_min
    b = v.age_max if age_max is DEFAULT else age_max
    cats = list(v.categories) if target_categories is DEFAULT else list(target_categories)
    age_on = age_on or prog.age_on_date(start_on=start_on, end_on=end_on)
    errors += _date_errors(start_on=start_on, end_on=end_on, age_on=age_on)
    errors += _target_errors(sex=sex, age_min=a, age_max=b, categories=cats)
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        return model_create(Campaign, user=user, name=name[:100], kind=kind,
                            region_code=region_code, start_on=start_on, end_on=end_on,
                            target_sex=sex, age_min=a, age_max=b, age_on=age_on,
                            target_categories=cats, created_by=user)


TARGET_FIELDS = ("target_sex", "age_min", "age_max", "age_on", "target_categories")


def campaign_update(*, user: User, campaign: Campaign, expected_version: int, name: str,
                    start_on: dt.date, end_on: dt.date, age_on: dt.date, target_sex: str,
                    age_min: int | None, age_max: int | None,
                    target_categories: list[str]) -> Campaign:
    """Change a campaign's name, dates or target group (its kind and region stay). Once results
    are recorded the target group is fixed and the dates must still hold every result."""
    access.require_health_writer(user)
    access.require_in_scope(user, campaign.region_code)
    errors: list[DomainError] = []
    name = (name or "").strip()
    if not name:
        errors.append(DomainError(ErrorCode.REQUIRED, "须填写项目名称", field="name"))
    try:
        programmes.programme(kind=campaign.kind, on=start_on, region_code=campaign.region_code)
    except DomainError as exc:
        errors.append(DomainError(exc.code, exc.message, field="start_on"))
    errors += _date_errors(start_on=start_on, end_on=end_on, age_on=age_on)
    errors += _target_errors(sex=target_sex, age_min=age_min, age_max=age_max,
                             categories=target_categories)
    if errors:
        raise ValidationErrors(errors)
    data = {"name": name[:100], "start_on": start_on, "end_on": end_on, "age_on": age_on,
            "target_sex": target_sex, "age_min": age_min, "age_max": age_max,
            "target_categories": list(target_categories)}
    with transaction.atomic():
        c = locked(Campaign, campaign.pk, expected_version=expected_version)
        results = ScreeningResult.objects.filter(campaign=c)
        if results.exists():
            changed = [f for f in TARGET_FIELDS if getattr(c, f) != data[f]]
            for f in changed:
                errors.append(DomainError(ErrorCode.SCREENING_HAS_RESULTS,
                                          "已登记筛查结果，目标人群不能再修改", field=f))
            outside = results.exclude(screened_on__gte=start_on, screened_on__lte=end_on)
            if outside.exists():
                errors.append(DomainError(ErrorCode.SCREENING_DATE,
                                          "已有筛查结果的日期不在修改后的项目日期内",
                                          field="start_on"))
            if errors:
                raise ValidationErrors(errors)
        c, _changed = model_update(instance=c, lock=False, user=user, data=data)
    return c


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class ResultInput:
    """One row of a bulk entry: whose result, when, what, and the finding."""

    person_id: int
    screened_on: dt.date
    result: str
    finding: str = ""


def _result_errors(*, campaign: Campaign, person: Person, screened_on: dt.date, result: str,
                   finding: str, today: dt.date, reasons: list[str]) -> list[DomainError]:
    errors = []
    if reasons:
        errors.append(DomainError(ErrorCode.SCREENING_NOT_TARGET,
                                  f"{person.name}不是本项目的目标人群：{'；'.join(reasons)}",
                                  field="person"))
    if screened_on > today:
        errors.append(DomainError(ErrorCode.DATE_IN_FUTURE, "筛查日期不能晚于今天",
                                  field="screened_on"))
    elif not campaign.start_on <= screened_on <= campaign.end_on:
        errors.append(DomainError(
            ErrorCode.SCREENING_DATE,
            f"筛查日期须在项目日期{campaign.start_on}至{campaign.end_on}之间", field="screened_on"))
    elif person.death_date is not None and screened_on > person.death_date:
        errors.append(DomainError(ErrorCode.PERSON_DECEASED, "筛查日期晚于该人员的死亡日期",
                                  field="screened_on"))
    if result not in Result.values:
        errors.append(DomainError(ErrorCode.INVALID, f"筛查结果“{result}”无效", field="result"))
    elif result != Result.NEGATIVE and not finding:
        errors.append(DomainError(ErrorCode.REQUIRED, "可疑或阳性结果须填写检查所见",
                                  field="finding"))
    if len(finding) > 500:
        errors.append(DomainError(ErrorCode.INVALID, "检查所见不超过500字", field="finding"))
    return errors


def _duplicate(person: Person) -> DomainError:
    return DomainError(ErrorCode.SCREENING_DUPLICATE, f"{person.name}在本项目中已有筛查结果",
                       field="person")


def _write_results(user: User, campaign: Campaign,
                   rows: list[tuple[Person, dt.date, str, str]]) -> list[ScreeningResult]:
    objs = [ScreeningResult(campaign=campaign, person=p, region_code=p.region_code,
                            screened_on=on, result=res, finding=finding,
                            stage=Stage.DONE if res == Result.NEGATIVE else Stage.AWAITING,
                            created_by=user)
            for p, on, res, finding in rows]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(objs, ScreeningResult, default_user=user)
            if any(r.pk is None for r in created):  # a backend that returns no ids
                keys = {r.person_id: r for r in created}
                for pk, person_id in ScreeningResult.objects.filter(
                        campaign=campaign, person_id__in=keys).values_list("pk", "person_id"):
                    keys[person_id].pk = pk
            ResultStep.objects.bulk_create([
                ResultStep(result=r, step=rules.RECORD, from_stage="", to_stage=r.stage,
                           on_date=r.screened_on, comment="", user=user) for r in created])
    except IntegrityError:  # a concurrent entry of the same person won the race
        raise _duplicate(rows[0][0]) from None
    return created


def result_record(*, user: User, campaign: Campaign, person: Person, screened_on: dt.date,
                  result: str, finding: str = "", today: dt.date | None = None) -> ScreeningResult:
    """Record one person's result: the person in the campaign's target group and region, once
    per campaign, dated inside the campaign and not in the future, a finding for a suspected or
    positive result. A negative result needs nothing more; the others await a step."""
    today = today or timezone.localdate()
    access.require_health_writer(user)
    access.require_in_scope(user, person.region_code, field="person")
    if not access.code_visible(user, campaign.region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE, "该筛查项目不在您的管辖区域内",
                          field="campaign")
    finding = (finding or "").strip()
    reasons = selectors.not_target_reasons(user=user, campaign=campaign, person=person)
    errors = _result_errors(campaign=campaign, person=person, screened_on=screened_on,
                            result=result, finding=finding, today=today, reasons=reasons)
    if ScreeningResult.objects.filter(campaign=campaign, person=person).exists():
        errors.insert(0, _duplicate(person))
    if errors:
        raise ValidationErrors(errors)
    return _write_results(user, campaign, [(person, screened_on, result, finding)])[0]


def result_record_bulk(*, user: User, campaign: Campaign, rows: list[ResultInput],
                       today: dt.date | None = None) -> list[ScreeningResult]:
    """Record the results of a list in one transaction: all or nothing. Every bad row is named
    (`rows[i].field`, row i + 1) with the same checks as `result_record`."""
    today = today or timezone.localdate()
    access.require_health_writer(user)
    if not access.code_visible(user, campaign.region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE, "该筛查项目不在您的管辖区域内",
                          field="campaign")
    if not rows:
        raise DomainError(ErrorCode.REQUIRED, "没有要登记的筛查结果", field="rows")
    if len(rows) > BULK_LIMIT:
        raise DomainError(ErrorCode.INVALID, f"一次最多登记{BULK_LIMIT}条", field="rows")
    ids = [r.person_id for r in rows]
    persons = {p.pk: p for p in registry_selectors.person_scope(user=user).filter(pk__in=ids)}
    in_target = set(selectors.target_group(user=user, campaign=campaign)
                    .filter(pk__in=ids).values_list("pk", flat=True))
    done = set(ScreeningResult.objects.filter(campaign=campaign, person_id__in=ids)
               .values_list("person_id", flat=True))
    errors: list[DomainError] = []
    seen: set[int] = set()
    good: list[tuple[Person, dt.date, str, str]] = []
    for i, row in enumerate(rows):
        person = persons.get(row.person_id)
        finding = (row.finding or "").strip()
        if person is None:
            found = [DomainError(ErrorCode.INVALID, "无此人员或不在您的管辖区域内",
                                 field="person")]
        else:
            reasons = ([] if person.pk in in_target else
                       selectors.not_target_reasons(user=user, campaign=campaign, person=person)
                       or ["不属于目标人群"])
            found = _result_errors(campaign=campaign, person=person, screened_on=row.screened_on,
                                   result=row.result, finding=finding, today=today,
                                   reasons=reasons)
            if person.pk in done or person.pk in seen:
                found.insert(0, _duplicate(person))
            seen.add(person.pk)
        for e in found:
            errors.append(DomainError(e.code, f"第{i + 1}行：{e.message}",
                                      field=f"rows[{i}].{e.field}", row=i + 1))
        if not found:
            good.append((person, row.screened_on, row.result, finding))
    if errors:
        raise ValidationErrors(errors)
    return _write_results(user, campaign, good)


# ---------------------------------------------------------------- follow-through
def export_logged(*, user: User, person_ids, path: str = "") -> int:
    """Log an export of screening results (health data) as personal-data views are logged: one
    row per person whose results left the system (`accounts.services.data_access_log`)."""
    return accounts_services.data_access_log(user=user, person_ids=person_ids,
                                             field="screening", channel="export", path=path)
