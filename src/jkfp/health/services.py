"""Writes of the health services: chronic-disease registrations and special-treatment cases.

A diagnosis is an ICD-10 code; the catalog in force on the date in the person's region decides
which disease it is and whether it qualifies (`health.catalog`). Every refusal is a named error
in Chinese; nothing is written when one is found.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jkfp.accounts.access import require_health_writer, require_in_scope
from jkfp.accounts.models import User
from jkfp.categories import LABELS as CATEGORY_LABELS
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.registry.models import Person
from jkfp.registry.selectors import person_categories_on
from jkfp.writes import locked, model_create, model_update

from . import catalog as catalog_mod
from .catalog import Disease, icd10_normalise
from .models import ChronicRegistration, SpecialCase, SpecialCaseStep
from .rules import require_step

KIND_LABELS = {"special_treatment": "大病专项救治病种", "chronic_priority": "重点管理慢病",
               "outpatient_chronic": "门诊慢性病"}


def _date_checks(errors: list, person: Person, today: dt.date, **dates: dt.date | None) -> None:
    for field, d in dates.items():
        if d is None:
            continue
        if d > today:
            errors.append(DomainError(ErrorCode.DATE_IN_FUTURE, "日期不能晚于今天", field=field))
        elif d < person.birth_date:
            errors.append(DomainError(ErrorCode.DATE_ORDER, "日期不能早于出生日期", field=field))


def disease_for(*, icd10: str, region_code: str, on: dt.date, kind: str,
                disease_code: str | None = None) -> tuple[str, Disease]:
    """The normalised code and the catalog disease it is on the date, or a named refusal."""
    code = icd10_normalise(icd10)
    cat = catalog_mod.catalog()
    disease = cat.match(icd10=code, region_code=region_code, on=on, kind=kind)
    if disease_code and (disease is None or disease.code != disease_code):
        named = cat.get(code=disease_code, region_code=region_code, on=on)
        if named is None or named.kind != kind:
            raise DomainError(ErrorCode.DISEASE_NOT_IN_CATALOG,
                              f"病种“{disease_code}”不在{on:%Y-%m-%d}当地施行的"
                              f"{KIND_LABELS[kind]}目录中", field="disease_code")
        raise DomainError(ErrorCode.DISEASE_NOT_IN_CATALOG,
                          f"诊断 {code} 不属于病种“{named.name}”", field="icd10")
    if disease is None:
        raise DomainError(ErrorCode.DISEASE_NOT_IN_CATALOG,
                          f"诊断 {code} 不在{on:%Y-%m-%d}当地施行的{KIND_LABELS[kind]}目录中",
                          field="icd10")
    return code, disease


# ---------------------------------------------------------------- chronic registrations
def chronic_register(*, user: User, person: Person, icd10: str, diagnosed_on: dt.date,
                     confirmed_by: str, registered_on: dt.date | None = None,
                     disease_code: str | None = None,
                     outpatient_certified_on: dt.date | None = None,
                     risk_level: int | None = None, treatment_start: dt.date | None = None,
                     note: str = "") -> ChronicRegistration:
    """Register a patient of a chronic disease under priority management (慢病登记)."""
    require_health_writer(user)
    require_in_scope(user, person.region_code)
    today = timezone.localdate()
    registered_on = registered_on or today
    errors: list[DomainError] = []
    if not person.alive:
        errors.append(DomainError(ErrorCode.PERSON_DECEASED, "此人已故，不能登记慢病管理",
                                  field="person"))
    if not (confirmed_by or "").strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "请填写确诊机构", field="confirmed_by"))
    _date_checks(errors, person, today, diagnosed_on=diagnosed_on, registered_on=registered_on,
                 outpatient_certified_on=outpatient_certified_on,
                 treatment_start=treatment_start)
    if registered_on < diagnosed_on:
        errors.append(DomainError(ErrorCode.DATE_ORDER, "登记日期不能早于确诊日期",
                                  field="registered_on"))
    code = disease = None
    try:
        # the list in force when the patient comes under management: a hypertension found in
        # 2010 is registered under the list of the day it is registered
        code, disease = disease_for(icd10=icd10, region_code=person.region_code,
                                    on=registered_on, kind="chronic_priority",
                                    disease_code=disease_code)
    except DomainError as e:
        errors.append(e)
    if disease is not None:
        if risk_level is not None and disease.code != "severe_mental_disorder":
            errors.append(DomainError(ErrorCode.INVALID, "危险性评估等级只用于严重精神障碍患者",
                                      field="risk_level"))
        if risk_level is not None and not 0 <= risk_level <= 5:
            errors.append(DomainError(ErrorCode.INVALID, "危险性评估等级为 0 至 5 级",
                                      field="risk_level"))
        if treatment_start is not None and disease.code != "tuberculosis":
            errors.append(DomainError(ErrorCode.INVALID, "疗程开始日期只用于结核病患者",
                                      field="treatment_start"))
        if ChronicRegistration.objects.filter(person=person, disease_code=disease.code,
                                              ended_on__isnull=True).exists():
            errors.append(DomainError(ErrorCode.CHRONIC_DUPLICATE,
                                      f"此人已登记为{disease.name}患者，管理尚未结束",
                                      field="icd10"))
    if errors:
        raise ValidationErrors(errors)
    try:
        with transaction.atomic():
            return model_create(
                ChronicRegistration, user=user, person=person, region_code=person.region_code,
                disease_code=disease.code, icd10=code, diagnosed_on=diagnosed_on,
                confirmed_by=confirmed_by.strip(), registered_on=registered_on,
                outpatient_certified_on=outpatient_certified_on, risk_level=risk_level,
                treatment_start=treatment_start, note=note.strip(), created_by=user)
    except IntegrityError:  # a concurrent registration of the same disease won the race
        raise DomainError(ErrorCode.CHRONIC_DUPLICATE,
                          f"此人已登记为{disease.name}患者，管理尚未结束", field="icd10") from None


def chronic_visit_noted(*, registration: ChronicRegistration, visited_on: dt.date,
                        next_visit_on: dt.date | None, risk_level: int | None = None) -> None:
    """Keep the registration's latest and next visit current (called by the follow-up service in
    its own transaction; a later visit recorded first is not overwritten by an earlier one)."""
    reg = locked(ChronicRegistration, registration.pk)
    if reg.last_visit_on is not None and visited_on < reg.last_visit_on:
        return
    reg.last_visit_on = visited_on
    reg.next_visit_on = next_visit_on
    fields = ["last_visit_on", "next_visit_on"]
    if risk_level is not None:
        reg.risk_level = risk_level
        fields.append("risk_level")
    reg.save(update_fields=fields)  # derived fields: no new history row, no version bump


def chronic_end(*, user: User, registration: ChronicRegistration, expected_version: int,
                ended_on: dt.date, reason: str) -> ChronicRegistration:
    """End the management of a registration (died, moved, TB course finished, entered in error)."""
    require_health_writer(user)
    require_in_scope(user, registration.region_code)
    if reason not in ChronicRegistration.EndReason.values:
        raise DomainError(ErrorCode.INVALID, "请选择结束原因", field="end_reason")
    if registration.ended_on is not None:
        raise DomainError(ErrorCode.INVALID, "此登记已结束管理", field="ended_on")
    if ended_on > timezone.localdate():
        raise DomainError(ErrorCode.DATE_IN_FUTURE, "日期不能晚于今天", field="ended_on")
    if ended_on < registration.registered_on:
        raise DomainError(ErrorCode.DATE_ORDER, "结束日期不能早于登记日期", field="ended_on")
    with transaction.atomic():
        reg, _ = model_update(instance=registration, expected_version=expected_version,
                              user=user, data={"ended_on": ended_on, "end_reason": reason})
    return reg


# ---------------------------------------------------------------- special-treatment cases
def _eligible(*, user: User, person: Person, on: dt.date) -> None:
    allowed = catalog_mod.catalog().eligible_categories(region_code=person.region_code, on=on)
    held = person_categories_on(user=user, person=person, on=on)
    if not held & allowed:
        names = "、".join(CATEGORY_LABELS.get(c, c) for c in sorted(allowed))
        have = "、".join(CATEGORY_LABELS.get(c, c) for c in sorted(held)) or "无"
        raise DomainError(ErrorCode.CASE_NOT_ELIGIBLE,
                          f"{on:%Y-%m-%d}此人的类别（{have}）不在大病专项救治对象范围内；"
                          f"对象为：{names}", field="person")


def special_case_create(*, user: User, person: Person, icd10: str, found_via: str,
                        found_on: dt.date, source_ref: str = "", hospital_name: str = "",
                        treatment_plan: str = "", disease_code: str | None = None) -> SpecialCase:
    """A case found (发现一例): the person is eligible on the date and the diagnosis is a disease
    of the special-treatment list in force in the person's region."""
    require_health_writer(user)
    require_in_scope(user, person.region_code)
    today = timezone.localdate()
    errors: list[DomainError] = []
    if found_via not in SpecialCase.FoundVia.values:
        errors.append(DomainError(ErrorCode.INVALID, "请选择发现途径", field="found_via"))
    if not person.alive:
        errors.append(DomainError(ErrorCode.PERSON_DECEASED, "此人已故，不能新建救治病例",
                                  field="person"))
    _date_checks(errors, person, today, found_on=found_on)
    disease = code = None
    try:
        code, disease = disease_for(icd10=icd10, region_code=person.region_code, on=found_on,
                                    kind="special_treatment", disease_code=disease_code)
    except DomainError as e:
        errors.append(e)
    if not errors:
        try:
            _eligible(user=user, person=person, on=found_on)
        except DomainError as e:
            errors.append(e)
    if disease is not None and SpecialCase.objects.filter(
            person=person, disease_code=disease.code).exclude(status=SpecialCase.Status.CLOSED
                                                              ).exists():
        errors.append(DomainError(ErrorCode.CASE_DUPLICATE,
                                  f"此人已有未销号的“{disease.name}”病例", field="icd10"))
    if errors:
        raise ValidationErrors(errors)
    try:
        with transaction.atomic():
            case = model_create(
                SpecialCase, user=user, person=person, region_code=person.region_code,
                disease_code=disease.code, icd10=code, found_via=found_via, found_on=found_on,
                source_ref=source_ref[:40], hospital_name=hospital_name.strip(),
                treatment_plan=treatment_plan.strip(), created_by=user)
            SpecialCaseStep.objects.create(case=case, step="found", from_status="",
                                           to_status=case.status, on_date=found_on, user=user)
            publish(Event.CASE_FOUND, case_id=case.pk, person_id=person.pk,
                    region_code=person.region_code)
    except IntegrityError:
        raise DomainError(ErrorCode.CASE_DUPLICATE,
                          f"此人已有未销号的“{disease.name}”病例", field="icd10") from None
    return case


def special_case_step(*, user: User, case: SpecialCase, step: str, on_date: dt.date,
                      expected_version: int, comment: str = "", outcome: str = "",
                      close_reason: str = "", hospital_name: str | None = None,
                      treatment_plan: str | None = None) -> SpecialCase:
    """Take one step of a case's lifecycle (the transition table is `rules.STEPS`)."""
    require_in_scope(user, case.region_code)
    S = SpecialCase.Status
    with transaction.atomic():
        c = locked(SpecialCase, case.pk, expected_version=expected_version)
        s = require_step(user=user, case=c, step=step)
        errors: list[DomainError] = []
        last = c.steps.order_by("-on_date").values_list("on_date", flat=True).first()
        if on_date > timezone.localdate():
            errors.append(DomainError(ErrorCode.DATE_IN_FUTURE, "日期不能晚于今天",
                                      field="on_date"))
        elif last is not None and on_date < last:
            errors.append(DomainError(ErrorCode.DATE_ORDER,
                                      f"日期不能早于上一步骤的日期（{last:%Y-%m-%d}）",
                                      field="on_date"))
        hospital = (c.hospital_name if hospital_name is None else hospital_name).strip()
        plan = (c.treatment_plan if treatment_plan is None else treatment_plan).strip()
        data: dict = {"status": s.target, "hospital_name": hospital, "treatment_plan": plan}
        if s.needs_comment and not comment.strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "请说明理由", field="comment"))
        if step == "open_record":
            if not hospital:
                errors.append(DomainError(ErrorCode.REQUIRED, "建档须确定定点救治医院",
                                          field="hospital_name"))
            data["opened_on"] = on_date
        elif step == "start_treatment":
            if not plan:
                errors.append(DomainError(ErrorCode.REQUIRED, "开始救治须填写救治方案",
                                          field="treatment_plan"))
        elif step == "mark_treated":
            if outcome not in SpecialCase.Outcome.values:
                errors.append(DomainError(ErrorCode.REQUIRED, "请选择救治结果（治愈、好转或稳定）",
                                          field="outcome"))
            data.update(outcome=outcome, treated_on=on_date)
        elif step == "close":
            reason = close_reason
            if reason not in SpecialCase.CloseReason.values:
                errors.append(DomainError(ErrorCode.REQUIRED, "请选择销号原因", field="close_reason"))
            elif reason == SpecialCase.CloseReason.CURED and not (
                    c.status == S.TREATED and c.outcome == SpecialCase.Outcome.CURED):
                errors.append(DomainError(ErrorCode.CASE_STEP_NOT_ALLOWED,
                                          "只有救治结果为“治愈”的病例才能以“治愈”销号",
                                          field="close_reason"))
            elif reason == SpecialCase.CloseReason.DIED and c.person.alive:
                errors.append(DomainError(ErrorCode.CASE_STEP_NOT_ALLOWED,
                                          "以“死亡”销号前，请先在人员页登记死亡",
                                          field="close_reason"))
            data.update(close_reason=reason, closed_on=on_date)
        elif step == "reopen":
            if SpecialCase.objects.filter(person_id=c.person_id, disease_code=c.disease_code
                                          ).exclude(status=S.CLOSED).exists():
                errors.append(DomainError(ErrorCode.CASE_DUPLICATE,
                                          "此人已有同一病种未销号的病例", field="step"))
            if not c.person.alive:
                errors.append(DomainError(ErrorCode.PERSON_DECEASED, "此人已故，不能重新建档",
                                          field="step"))
            data.update(outcome="", close_reason="", closed_on=None, treated_on=None,
                        opened_on=on_date)
        if errors:
            raise ValidationErrors(errors)
        from_status = c.status
        c, _ = model_update(instance=c, data=data, user=user, lock=False)
        SpecialCaseStep.objects.create(case=c, step=step, from_status=from_status,
                                       to_status=c.status, on_date=on_date,
                                       comment=comment.strip()[:500], user=user)
    return c
from .imported import chronic_registrations_import, chronic_visit_dates  # noqa: E402,F401
