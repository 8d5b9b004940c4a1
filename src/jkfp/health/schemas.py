"""Request and response schemas of the health API. Requests reject unknown fields; field names
are those the services name in errors."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jkfp.api.common import DateIn, PageParams, PersonRef, Version, choice_of
from jkfp.api.common import StrictIn as In

from .models import ChronicRegistration, SpecialCase

FoundVia = choice_of(SpecialCase.FoundVia, "发现途径")
CaseStatus = choice_of(SpecialCase.Status, "病例状态")
Outcome = choice_of(SpecialCase.Outcome, "救治结果")
CloseReason = choice_of(SpecialCase.CloseReason, "销号原因")
EndReason = choice_of(ChronicRegistration.EndReason, "结束原因")


class CaseFilters(PageParams):
    status: CaseStatus | None = None  # type: ignore[valid-type]
    disease_code: str | None = Field(None, max_length=40, pattern=r"^[a-z0-9_]+$")
    region_code: str | None = Field(None, pattern=r"^\d{2,12}$")


class RegistrationFilters(PageParams):
    disease_code: str | None = Field(None, max_length=40, pattern=r"^[a-z0-9_]+$")
    region_code: str | None = Field(None, pattern=r"^\d{2,12}$")
    include_ended: bool = False


class CaseIn(In):
    person_id: int = Field(ge=1, le=2**63 - 1)
    icd10: str = Field(max_length=12, description="ICD-10 编码，如 C34.9")
    found_via: FoundVia  # type: ignore[valid-type]
    found_on: DateIn
    hospital_name: str = Field("", max_length=100)
    treatment_plan: str = Field("", max_length=1000)
    disease_code: str | None = Field(None, max_length=40)


class CaseStepIn(In):
    step: str = Field(max_length=16, description="open_record / start_treatment / mark_treated / "
                                                   "close / reopen")
    on_date: DateIn
    version: Version
    comment: str = Field("", max_length=500)
    outcome: Outcome | None = None  # type: ignore[valid-type]
    close_reason: CloseReason | None = None  # type: ignore[valid-type]
    hospital_name: str | None = Field(None, max_length=100)
    treatment_plan: str | None = Field(None, max_length=1000)


class RegistrationIn(In):
    person_id: int = Field(ge=1, le=2**63 - 1)
    icd10: str = Field(max_length=12)
    diagnosed_on: DateIn
    confirmed_by: str = Field(max_length=100)
    registered_on: DateIn | None = None
    disease_code: str | None = Field(None, max_length=40)
    outpatient_certified_on: DateIn | None = None
    risk_level: int | None = Field(None, ge=0, le=5)
    treatment_start: DateIn | None = None
    note: str = Field("", max_length=500)


class RegistrationEndIn(In):
    ended_on: DateIn
    reason: EndReason  # type: ignore[valid-type]
    version: Version


class StepOut(Schema):
    step: str
    from_status: str
    to_status: str
    on_date: dt.date
    comment: str
    user: str
    at: dt.datetime


class CaseOut(Schema):
    id: int
    person: PersonRef
    region_code: str
    disease_code: str
    disease_name: str
    icd10: str
    status: str
    status_label: str
    found_via: str
    found_on: dt.date
    source_ref: str
    hospital_name: str
    treatment_plan: str
    outcome: str
    close_reason: str
    opened_on: dt.date | None
    treated_on: dt.date | None
    closed_on: dt.date | None
    version: int
    steps_allowed: list[str]


class CaseDetailOut(CaseOut):
    steps: list[StepOut]
    costs: dict


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class RegistrationOut(Schema):
    id: int
    person: PersonRef
    region_code: str
    disease_code: str
    disease_name: str
    icd10: str
    diagnosed_on: dt.date
    confirmed_by: str
    registered_on: dt.date
    outpatient_certified_on: dt.date | None
    risk_level: int | None
    treatment_start: dt.date | None
    last_visit_on: dt.date | None
    next_visit_on: dt.date | None
    ended_on: dt.date | None
    end_reason: str
    version: int


class RegistrationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RegistrationOut]


class PersonHealthOut(Schema):
    person_id: int
    status: str = Field(description="healthy / chronic / major（健康 / 长期慢性病 / 患有大病）")
    status_label: str
    detailed: bool = Field(description="是否含健康详情（卫生健康、医疗机构、医保部门用户）")
    batch: str | None = None
    batch_label: str = ""
    cases: list[CaseOut] = []
    registrations: list[RegistrationOut] = []
    timeline: list[dict] = []
