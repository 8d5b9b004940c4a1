"""Request and response schemas of the registry API (households, persons, categories). Requests reject unknown fields; field names are those the services name in errors,
so an error's `field` points at the request's field. ID and phone numbers are masked in every
answer except the reveal endpoint; money is yuan as a string with two decimals. Every request
schema derives from `InputSchema` (no control characters in text); dates in requests are
`DateIn` (1880-01-01 to 2099-12-31), record ids in bodies and filters `RecordId`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from jkfp.api.common import (
    CategoryCode,
    DateIn,
    EndWay,
    PageParams,
    PersonRef,
    RegionRef,
    Version,
    YuanIn,
    YuanOut,
    choice_of,
)
from jkfp.api.common import StrictIn as In
from jkfp.errors import ErrorCode

from . import idnumber
from .models import Relation, Sex, SupportMeasure, WorkAbility

RelationCode = choice_of(Relation, "与户主关系")
WorkAbilityCode = choice_of(WorkAbility, "劳动能力")
SexCode = choice_of(Sex, "性别")
MeasureKind = choice_of(SupportMeasure.Kind, "帮扶类型")




class SearchParams(PageParams):
    q: str = Field("", max_length=50, description="姓名（前缀）、身份证号（完整或末几位）或户编号")
    category: CategoryCode | None = None  # type: ignore[valid-type]
    region_code: str | None = Field(None, pattern=r"^\d{2,12}$", description="区划代码前缀")

    @field_validator("q")
    @classmethod
    def _no_full_number(cls, value: str) -> str:
        if idnumber.is_full_number(value):  # a URL is logged: decision 39
            raise PydanticCustomError(ErrorCode.INVALID.value,
                                      "完整身份证号不能放在网址中，请用 POST /api/v1/persons/lookup 查询")
        return value


class MemberIn(In):
    id_number: str = Field(..., max_length=30, description="身份证号（18位，或15位旧号码）")
    name: str = Field(..., max_length=50)
    relation: RelationCode  # type: ignore[valid-type]
    sex: SexCode | None = Field(None, description="如填写，须与身份证号一致")  # type: ignore[valid-type]
    birth_date: DateIn | None = Field(None, description="如填写，须与身份证号一致")
    phone: str = Field("", max_length=20)
    work_ability: WorkAbilityCode = "able"  # type: ignore[valid-type]


class HouseholdCreateIn(In):
    household_number: str = Field("", max_length=32, description="户编号；留空则按本村规则自动编号")
    village_code: str = Field(..., max_length=20, description="村级区划代码（12位）")
    address: str = Field("", max_length=200)
    members: list[MemberIn] = Field(..., max_length=50, description="家庭成员，须有且只有一名户主")


class HouseholdUpdateIn(In):
    version: Version
    address: str = Field(..., max_length=200)


class IncomeIn(In):
    year: int
    total_income: YuanIn
    members: int = Field(..., le=99, description="计算人口（1-99）")
    source: str = Field("", max_length=100)


class CategoryIn(In):
    category: CategoryCode  # type: ignore[valid-type]
    start_date: DateIn
    end_date: DateIn | None = None
    source: str = Field("", max_length=32)
    reason: str = Field("", max_length=300)
    exit_year: int | None = Field(None, ge=2013, le=2100, description="脱贫年度（脱贫人口必填）")


class CategoryEndIn(In):
    end_date: DateIn
    end_reason: str = Field(..., min_length=1, max_length=300)
    end_way: EndWay = ""


class SupportMeasureIn(In):
    kind: MeasureKind  # type: ignore[valid-type]
    description: str = Field(..., max_length=300)
    start_date: DateIn


class PersonUpdateIn(In):
    """Fields left out keep their value."""

    version: Version
    name: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=20)
    relation: RelationCode | None = None  # type: ignore[valid-type]
    work_ability: WorkAbilityCode | None = None  # type: ignore[valid-type]
    sex: SexCode | None = Field(None, description="只用于核对：须与身份证号一致")  # type: ignore[valid-type]
    birth_date: DateIn | None = Field(None, description="只用于核对：须与身份证号一致")


class DeathIn(In):
    version: Version
    death_date: DateIn


class IdNumberIn(In):
    id_number: str = Field(..., max_length=500,
                           description="身份证号（15或18位，全角、小写x均可）；放在请求体中，不进网址和日志")


class RevealIn(In):
    field: Literal["id_number", "phone"] = Field(
        ..., description="id_number 身份证号；phone 联系电话")


# ================================================================ answers
class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str = Field(..., description="脱敏身份证号；完整号码见 reveal")
    phone_masked: str
    sex: str
    sex_label: str
    birth_year: int = Field(..., description="出生年份（完整出生日期只在查看完整身份证号时可见）")
    relation: str
    relation_label: str
    work_ability: str
    work_ability_label: str
    health_status: str = Field("", description="健康状况（监测名单所报，空为未报）")
    health_status_label: str = ""
    household_id: int
    household_number: str
    region_code: str
    alive: bool
    death_date: dt.date | None
    version: int


class CategoryPeriodOut(Schema):
    id: int
    category: str
    category_label: str
    subject: Literal["person", "household"]
    person_id: int | None
    person_name: str | None
    household_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    is_current: bool
    exit_year: int | None
    source: str
    reason: str
    end_reason: str
    end_way: str
    change_request_id: int | None


class PersonDetailOut(PersonOut):
    created_at: dt.datetime
    updated_at: dt.datetime
    categories: list[CategoryPeriodOut]


class IncomeOut(Schema):
    year: int
    total_income: YuanOut
    members: int
    per_capita_income: YuanOut
    source: str


class SupportMeasureOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    start_date: dt.date
    created_by: str | None
    created_at: dt.datetime


class HouseholdOut(Schema):
    id: int
    household_number: str
    region_code: str
    village: RegionRef
    address: str
    head: PersonRef | None
    ended_on: dt.date | None
    end_reason: str
    version: int


class HouseholdListItemOut(HouseholdOut):
    member_count: int = Field(..., description="在世成员数（已故成员不计）")


class HouseholdDetailOut(HouseholdOut):
    created_at: dt.datetime
    updated_at: dt.datetime
    member_count: int = Field(..., description="在世成员数，即 members 的人数")
    deceased_count: int = Field(..., description="已故成员数，另列于 deceased_members")
    members: list[PersonOut] = Field(..., description="在世成员")
    deceased_members: list[PersonOut] = Field(..., description="已故成员（另列，不计入人数）")
    categories: list[CategoryPeriodOut]
    incomes: list[IncomeOut]
    support_measures: list[SupportMeasureOut]


class RevealOut(Schema):
    field: str
    value: str


class HistoryChange(Schema):
    field: str = Field(..., description="字段名称")
    before: str = Field(..., description="修改前（已脱敏）")
    after: str = Field(..., description="修改后（已脱敏）")


class HistoryEntryOut(Schema):
    at: dt.datetime = Field(..., description="时间")
    user: str = Field(..., description="修改人（姓名或用户名；“系统”为批量导入等）")
    action: Literal["+", "~", "-"] = Field(..., description="+ 新增；~ 修改；- 删除")
    action_label: str
    subject: str = Field(..., description="记录，如 人员、家庭户、类别 低保对象（张三）")
    summary: str = Field(..., description="新增时的概要")
    changes: list[HistoryChange] = Field(
        ..., description="修改的字段：前后值；身份证号和电话已脱敏")


class HouseholdPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[HouseholdListItemOut]


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonOut]


class CategoryLabelOut(Schema):
    code: str
    label: str
    level: str
