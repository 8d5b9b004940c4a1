"""Request and response schemas of the change-request API (准入/退出). Requests reject unknown
fields; field names are those the services name in errors."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jkfp.api.common import (
    CategoryCode,
    DateIn,
    EndWay,
    PageParams,
    PersonRef,
    RecordId,
    RegionRef,
    Version,
    choice_of,
)
from jkfp.api.common import StrictIn as In

from .models import ChangeRequest

ActionCode = choice_of(ChangeRequest.Action, "事项")
ChannelCode = choice_of(ChangeRequest.Channel, "线索来源")
StatusCode = choice_of(ChangeRequest.Status, "状态")


class ChangeRequestFilters(PageParams):
    status: StatusCode | None = None  # type: ignore[valid-type]
    household_id: RecordId | None = None
    person_id: RecordId | None = None


class ChangeRequestIn(In):
    action: ActionCode  # type: ignore[valid-type]
    category: CategoryCode  # type: ignore[valid-type]
    household_id: RecordId
    person_id: RecordId | None = Field(None, description="个人类别须指定人员")
    period_id: RecordId | None = Field(None, description="变更或退出时：所涉类别期间")
    reason: str = Field(..., max_length=500)
    effective_date: DateIn
    channel: ChannelCode  # type: ignore[valid-type]
    home_visit_on: DateIn | None = Field(None, description="入户核实日期（纳入必填）")
    consent_on: DateIn | None = Field(None, description="农户书面同意日期（纳入必填）")
    comparison_note: str = Field("", max_length=300, description="部门数据比对结果")
    village_review_on: DateIn | None = Field(None, description="村民主评议日期")
    end_way: EndWay = ""
    exit_year: int | None = Field(None, ge=1900, le=2100,
                                  description="脱贫年度；最早年度见 policies/procedure/admission.yaml")


class NoticeIn(In):
    version: Version
    notice_start: DateIn
    notice_days: int = Field(5, le=60, description="公示天数，5至60天")


class DecisionIn(In):
    version: Version
    approve: bool
    comment: str = Field("", max_length=500, description="意见；不通过时必填")


class WithdrawIn(In):
    version: Version
    comment: str = Field("", max_length=500)



# ================================================================ answers
class StepOut(Schema):
    step: str
    step_label: str
    decision: str
    decision_label: str
    actor: str
    actor_full_name: str
    actor_region_code: str
    at: dt.datetime
    comment: str


class HouseholdRef(Schema):
    id: int
    household_number: str
    head_name: str | None
    village: RegionRef


class ChangeRequestOut(Schema):
    id: int
    action: str
    action_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    household: HouseholdRef
    person: PersonRef | None
    period_id: int | None
    region_code: str
    channel: str
    channel_label: str
    reason: str
    effective_date: dt.date
    end_way: str
    exit_year: int | None
    home_visit_on: dt.date | None
    consent_on: dt.date | None
    comparison_note: str
    village_review_on: dt.date | None
    notice_start: dt.date | None
    notice_end: dt.date | None
    notice_text: str
    version: int
    created_by: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class ChangeRequestDetailOut(ChangeRequestOut):
    steps: list[StepOut]


class ChangeRequestPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ChangeRequestOut]


