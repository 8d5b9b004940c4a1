"""Request and response schemas of the screening API. Requests reject unknown fields; field
names are those the services name in errors (`rows[i].field` for a bulk entry)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jkfp.api.common import (
    CategoryCode,
    DateIn,
    PageParams,
    PersonRef,
    RecordId,
    Version,
    choice_of,
)
from jkfp.api.common import StrictIn as In

from . import rules
from .models import Campaign, ScreeningResult

KindCode = choice_of(Campaign.Kind, "筛查类型")
SexCode = choice_of(Campaign.Sex, "目标性别（空为不限）")
ResultCode = choice_of(ScreeningResult.Result, "筛查结果")
StageCode = choice_of(ScreeningResult.Stage, "后续进展")
StepCode = choice_of([type("S", (), {"value": s.value, "label": rules.LABELS[s]})
                      for s in rules.Step], "步骤")
Age = Field(None, ge=0, le=120)


class CampaignIn(In):
    name: str = Field(..., max_length=100)
    kind: KindCode  # type: ignore[valid-type]
    region_code: str = Field(..., max_length=12, pattern=r"^[0-9]{2,12}$")
    start_on: DateIn
    end_on: DateIn
    age_on: DateIn | None = Field(None, description="年龄计算日期；不填按项目默认（开始或结束日）")
    target_sex: SexCode | None = Field(None, description="不填按项目默认")  # type: ignore[valid-type]
    age_min: int | None = Field(None, ge=0, le=120, description="不填按项目默认；null 为不限")
    age_max: int | None = Field(None, ge=0, le=120, description="不填按项目默认；null 为不限")
    target_categories: list[CategoryCode] | None = Field(  # type: ignore[valid-type]
        None, max_length=11, description="在年龄计算日持有其一的人员；不填按项目默认")


class CampaignPatch(In):
    version: Version
    name: str | None = Field(None, max_length=100)
    start_on: DateIn | None = None
    end_on: DateIn | None = None
    age_on: DateIn | None = None
    target_sex: SexCode | None = None  # type: ignore[valid-type]
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    target_categories: list[CategoryCode] | None = Field(None, max_length=11)  # type: ignore[valid-type]


class CampaignFilters(PageParams):
    kind: KindCode | None = None  # type: ignore[valid-type]
    year: int | None = Field(None, ge=2000, le=2099)


class TargetFilters(PageParams):
    screened: bool | None = Field(None, description="true 已筛查；false 未筛查；不填为全部")
    region_code: str | None = Field(None, max_length=12, pattern=r"^[0-9]{2,12}$")


class ResultFilters(PageParams):
    result: ResultCode | None = None  # type: ignore[valid-type]
    stage: StageCode | None = None  # type: ignore[valid-type]
    region_code: str | None = Field(None, max_length=12, pattern=r"^[0-9]{2,12}$")


class WorklistFilters(PageParams):
    campaign_id: RecordId | None = None
    region_code: str | None = Field(None, max_length=12, pattern=r"^[0-9]{2,12}$")


class ResultIn(In):
    person_id: RecordId
    screened_on: DateIn
    result: ResultCode  # type: ignore[valid-type]
    finding: str = Field("", max_length=500, description="检查所见；可疑或阳性时必填")


class BulkIn(In):
    rows: list[ResultIn] = Field(..., min_length=1, max_length=1000,
                                 description="一次登记的结果：全部成功或全部不登记")


class StepIn(In):
    step: StepCode  # type: ignore[valid-type]
    on_date: DateIn
    version: Version
    comment: str = Field("", max_length=500, description="说明；排除时必填")
    referred_to: str = Field("", max_length=100, description="转诊机构（转诊时必填）")
    icd10: str = Field("", max_length=10, description="确诊编码 ICD-10（确诊时必填）")
    confirmed_by: str = Field("", max_length=100, description="确诊机构（纳入慢病管理；默认为转诊机构）")
    hospital_name: str = Field("", max_length=100, description="定点医院（纳入大病救治）")
    treatment_plan: str = Field("", max_length=1000, description="救治方案（纳入大病救治）")


# ================================================================ answers
class ProgrammeOut(Schema):
    kind: str
    name: str
    screens: list[str]
    target_sex: str
    age_min: int | None
    age_max: int | None
    age_on: str
    regions: list[str]
    target_categories: list[str]
    source: str
    example_keys: list[str]


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    start_on: dt.date
    end_on: dt.date
    target_sex: str
    age_min: int | None
    age_max: int | None
    age_on: dt.date
    target_categories: list[str]
    version: int
    created_by: str
    created_at: dt.datetime


class CoverageRowOut(Schema):
    code: str
    name: str
    target: int
    screened: int
    positive: int | None = Field(None, description="可疑或阳性人数：仅卫生健康、医疗机构和医保用户可见")
    rate: float | None


class CoverageOut(Schema):
    base: str
    rows: list[CoverageRowOut]
    total: CoverageRowOut


class CampaignDetailOut(CampaignOut):
    coverage: CoverageOut


class CampaignPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CampaignOut]


class TargetOut(Schema):
    person: PersonRef
    region_code: str
    sex: str
    birth_year: int = Field(..., description="出生年份（出生日期不显示，见脱敏规则）")
    screened: bool
    screened_on: dt.date | None
    result_id: int | None = Field(None, description="仅卫生健康、医疗机构和医保用户可见")
    result: str | None = Field(None, description="仅卫生健康、医疗机构和医保用户可见")


class TargetPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TargetOut]


class StepOut(Schema):
    step: str
    step_label: str
    from_stage: str
    to_stage: str
    on_date: dt.date
    comment: str
    user: str
    at: dt.datetime


class ResultOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    person: PersonRef
    region_code: str
    screened_on: dt.date
    result: str
    result_label: str
    finding: str
    stage: str
    stage_label: str
    next_step: str
    referred_to: str
    confirmed_icd10: str
    health_ref: str
    version: int


class ResultDetailOut(ResultOut):
    steps: list[StepOut]
    steps_allowed: list[str]


class ResultPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ResultOut]


class BulkOut(Schema):
    created: int
    ids: list[int]
