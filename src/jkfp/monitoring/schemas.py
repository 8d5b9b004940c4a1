"""Request and response schemas of the warnings API. Requests reject unknown fields; field names
are those the services name in errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from jkfp.api.common import DateIn, PageParams, PersonRef, Version, choice_of
from jkfp.api.common import StrictIn as In
from jkfp.registry.models import SupportMeasure

from .models import ActionKind, WarningStatus

Status_ = choice_of(WarningStatus, "预警状态")
Action = choice_of(ActionKind, "处置方式")
MeasureKind = choice_of(SupportMeasure.Kind, "帮扶类型")


class WarningFilters(PageParams):
    status: Status_ | None = None  # type: ignore[valid-type]
    rule_id: str | None = Field(None, max_length=40, pattern=r"^[a-z0-9_]+$")
    region_code: str | None = Field(None, pattern=r"^\d{2,12}$")
    overdue: bool = False
    worklist: str | None = Field(None, pattern=r"^(to_verify|in_hand|confirmed|overdue)$",
                                 description="to_verify 乡镇待核实；in_hand 待认定/处置/办结；"
                                             "confirmed 已确认待救助决定；overdue 超期未核实")


class VerifyIn(In):
    visited_on: DateIn
    visited_by: str = Field(max_length=100)
    findings: str = Field(max_length=1000)
    version: Version


class DecideIn(In):
    on_date: DateIn
    reason: str = Field("", max_length=500)
    version: Version


class ActIn(In):
    on_date: DateIn
    action_kind: Action  # type: ignore[valid-type]
    category: str = Field("", max_length=32, description="纳入防返贫监测时的类别")
    consent_on: DateIn | None = None
    measure_kind: MeasureKind = SupportMeasure.Kind.MEDICAL  # type: ignore[valid-type]
    description: str = Field("", max_length=300)
    action_ref: str = Field("", max_length=40)
    version: Version


class CloseIn(In):
    on_date: DateIn
    comment: str = Field("", max_length=500)
    version: Version


class StepOut(Schema):
    step: str
    from_status: str
    to_status: str
    on_date: dt.date
    comment: str
    user: str | None
    at: dt.datetime


class WarningOut(Schema):
    id: int
    rule_id: str
    rule_name: str
    subject_kind: str
    person: PersonRef | None
    household_id: int
    region_code: str
    period: str
    status: str
    status_label: str
    found_on: dt.date
    due_on: dt.date
    overdue: bool
    amount: str | None
    threshold: str | None
    departments: list[str]
    uses_examples: bool
    pushed_on: dt.date | None
    verified_on: dt.date | None
    visited_by: str
    findings: str
    decided_on: dt.date | None
    decision_reason: str
    action_kind: str
    action_ref: str
    change_request_id: int | None
    closed_on: dt.date | None
    version: int
    steps_allowed: list[str]


class WarningDetailOut(WarningOut):
    evidence: dict[str, Any]
    steps: list[StepOut]


class WarningPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[WarningOut]


class PushOut(Schema):
    id: int
    department: str
    region_code: str
    pushed_on: dt.date
    warnings: int


class CountsOut(Schema):
    open: int
    to_verify: int
    overdue: int
    confirmed: int
    closed_this_year: int
