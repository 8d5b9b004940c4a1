"""Request and response schemas of the family-doctor API (teams, contracts, deliveries,
follow-ups, worklists, management status). Requests reject unknown fields; field names are
those the services name in errors."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jkfp.api.common import DateIn, PageParams, PersonRef, RecordId, Version, YuanIn, choice_of
from jkfp.api.common import StrictIn as In

from .models import Contract, FollowUp, ServiceDelivery, TeamMember

RoleCode = choice_of(TeamMember.Role, "角色")
PackageCode = choice_of(Contract.Package, "服务包")
FeePayerCode = choice_of(Contract.FeePayer, "服务费承担")
KindCode = choice_of(ServiceDelivery.Kind, "服务项目")
WayCode = choice_of(FollowUp.Way, "随访方式")
ClassificationCode = choice_of(FollowUp.Classification, "随访分类")
VillageCode = Field(..., min_length=12, max_length=12, pattern=r"^\d{12}$")
RegionCode = Field(..., min_length=2, max_length=12, pattern=r"^\d{2,12}$")


# ================================================================ requests
class MemberIn(In):
    name: str = Field(..., max_length=50)
    role: RoleCode  # type: ignore[valid-type]
    institution: str = Field("", max_length=100)
    account: str | None = Field(None, max_length=150, description="关联的系统账号（用户名）")
    start_date: DateIn | None = None


class TeamIn(In):
    name: str = Field(..., max_length=100)
    region_code: str = RegionCode
    institution: str = Field(..., max_length=100)
    villages: list[str] = Field(..., max_length=500, description="服务村的12位代码")
    members: list[MemberIn] = Field(..., max_length=50,
                                    description="1+1+X：至少一名乡村或乡镇医生，一名护士或公卫人员")


class TeamUpdateIn(In):
    version: Version
    name: str = Field(..., max_length=100)
    institution: str = Field(..., max_length=100)
    villages: list[str] = Field(..., max_length=500)
    active: bool = True


class MemberEndIn(In):
    end_date: DateIn


class ContractIn(In):
    person_id: RecordId
    team_id: RecordId
    signed_on: DateIn
    year: int | None = Field(None, ge=2000, le=2100, description="签约年度，默认签约日期的年份")
    package: PackageCode = "basic"  # type: ignore[valid-type]
    fee_yuan: YuanIn = "0"
    fee_payer: FeePayerCode = "public_health"  # type: ignore[valid-type]


class RenewIn(In):
    signed_on: DateIn
    team_id: RecordId | None = Field(None, description="默认原团队")
    package: PackageCode | None = None  # type: ignore[valid-type]
    fee_yuan: YuanIn | None = None
    fee_payer: FeePayerCode | None = None  # type: ignore[valid-type]


class EndIn(In):
    version: Version
    ended_on: DateIn
    end_reason: str = Field(..., max_length=200)


class DeliveryIn(In):
    kind: KindCode  # type: ignore[valid-type]
    delivered_on: DateIn
    member_id: RecordId
    note: str = Field("", max_length=500)


class FollowUpIn(In):
    registration_id: RecordId
    visited_on: DateIn
    way: WayCode  # type: ignore[valid-type]
    member_id: RecordId
    classification: ClassificationCode  # type: ignore[valid-type]
    next_visit_on: DateIn
    systolic: int | None = Field(None, ge=0, le=1000, description="收缩压 mmHg，50-300")
    diastolic: int | None = Field(None, ge=0, le=1000, description="舒张压 mmHg，30-200，低于收缩压")
    fasting_glucose: str | None = Field(None, max_length=8, pattern=r"^\d{1,3}(\.\d{1,2})?$",
                                        description="空腹血糖 mmol/L，1.0-40.0，字符串如 \"6.8\"")
    weight_kg: str | None = Field(None, max_length=8, pattern=r"^\d{1,3}(\.\d{1,2})?$")
    adherence: str = Field("", max_length=16, description="regular / intermittent / none")
    risk_level: int | None = Field(None, ge=0, le=100, description="危险性评估0-5级（仅严重精神障碍）")
    doses_due: int | None = Field(None, ge=0, le=100000, description="应服药次数（仅肺结核）")
    doses_taken: int | None = Field(None, ge=0, le=100000, description="实服药次数（仅肺结核）")
    note: str = Field("", max_length=500)


class ContractFilters(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)
    team_id: RecordId | None = None
    person_id: RecordId | None = None


class FollowUpFilters(PageParams):
    registration_id: RecordId | None = None
    person_id: RecordId | None = None
    year: int | None = Field(None, ge=2000, le=2100)


class YearFilters(PageParams):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")
    region_code: str | None = Field(None, max_length=12, pattern=r"^\d{2,12}$")


class RatesFilters(In):
    year: int | None = Field(None, ge=2000, le=2100)
    region_code: str | None = Field(None, max_length=12, pattern=r"^\d{2,12}$")
    child_length: int | None = Field(None, description="按区划代码长度分组：2/4/6/9/12")


# ================================================================ answers
class MemberOut(Schema):
    id: int
    name: str
    role: str
    role_label: str
    institution: str
    account: str | None
    start_date: dt.date
    end_date: dt.date | None


class TeamOut(Schema):
    id: int
    name: str
    region_code: str
    institution: str
    active: bool
    version: int
    villages: list[str]
    members: list[MemberOut]


class TeamPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TeamOut]


class FulfilmentOut(Schema):
    expected: dict[str, int]
    delivered: dict[str, int]
    share: float | None


class ContractOut(Schema):
    id: int
    person: PersonRef
    region_code: str
    year: int
    team_id: int
    team_name: str
    signed_on: dt.date
    package: str
    fee_yuan: str
    fee_payer: str
    renewal_of_id: int | None
    ended_on: dt.date | None
    end_reason: str
    version: int
    fulfilment: FulfilmentOut | None = Field(None, description="仅卫生健康、医疗机构、医保用户可见")


class ContractPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ContractOut]


class DeliveryOut(Schema):
    id: int
    contract_id: int
    kind: str
    delivered_on: dt.date
    member_id: int
    note: str


class FollowUpOut(Schema):
    id: int
    registration_id: int
    person: PersonRef
    region_code: str
    visited_on: dt.date
    way: str
    member_id: int
    member_name: str
    systolic: int | None
    diastolic: int | None
    fasting_glucose: str | None
    weight_kg: str | None
    adherence: str
    risk_level: int | None
    doses_due: int | None
    doses_taken: int | None
    classification: str
    next_visit_on: dt.date | None
    note: str


class FollowUpPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FollowUpOut]


class DueOut(Schema):
    registration_id: int
    person: PersonRef
    region_code: str
    disease_code: str
    last_visit_on: dt.date | None
    due_on: dt.date
    overdue: bool


class DuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DueOut]


class UnsignedPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonRef]


class StatusOut(Schema):
    registration_id: int
    person_id: int
    region_code: str
    disease_code: str
    deceased: bool
    managed: bool
    standard: bool
    controlled: bool
    overdue: bool
    visits: int
    face_to_face: int
    required: int
    latest_visit_on: dt.date | None
    due_on: dt.date


class StatusPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[StatusOut]


class RatesOut(Schema):
    region_code: str
    disease_code: str
    registered: int
    deceased: int
    population: int
    managed: int
    standard: int
    controlled: int
    management_rate: float | None
    standard_rate: float | None
    control_rate: float | None
