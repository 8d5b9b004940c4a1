"""Request and response schemas of the facilities API. Requests reject unknown fields."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from jkfp.api.common import DateIn, PageParams, Version, choice_of
from jkfp.api.common import StrictIn as In

from .models import GapKind, InstitutionKind, Qualification, VillageService

KindCode = choice_of(InstitutionKind, "机构类型")
QualificationCode = choice_of(Qualification, "执业资格")
GapCode = choice_of(GapKind, "空白点类型")
ModeCode = choice_of(VillageService.Mode, "方式")


class InstitutionIn(In):
    kind: KindCode  # type: ignore[valid-type]
    name: str = Field(..., max_length=100)
    region_code: str = Field(..., min_length=6, max_length=12, pattern=r"^\d{6,12}$")
    opened_on: DateIn
    grade: int | None = Field(None, ge=1, le=3)
    is_tcm: bool = False
    second_grade_capacity: bool = False
    centre_standard: str = Field("", pattern=r"^(|basic|recommended)$")
    tcm_corner: bool = False
    fever_clinic: bool = False
    standardised: bool = False


class InstitutionUpdateIn(In):
    version: Version
    name: str | None = Field(None, max_length=100)
    closed_on: DateIn | None = None
    grade: int | None = Field(None, ge=1, le=3)
    second_grade_capacity: bool | None = None
    centre_standard: str | None = Field(None, pattern=r"^(|basic|recommended)$")
    tcm_corner: bool | None = None
    fever_clinic: bool | None = None
    standardised: bool | None = None


class StaffIn(In):
    name: str = Field(..., max_length=50)
    qualification: QualificationCode  # type: ignore[valid-type]
    region_code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")
    certificate_number: str = Field("", max_length=40)


class PostIn(In):
    staff_id: int
    institution_id: int
    department_id: int | None = None
    start_date: DateIn
    end_date: DateIn | None = None
    full_time: bool = True


class DepartmentIn(In):
    name: str = Field(..., max_length=50)
    opened_on: DateIn


class EndIn(In):
    end_date: DateIn


class VillageServiceIn(In):
    village_code: str = Field(..., min_length=12, max_length=12, pattern=r"^\d{12}$")
    mode: ModeCode  # type: ignore[valid-type]
    start_date: DateIn
    end_date: DateIn | None = None


class InstitutionFilters(PageParams):
    kind: KindCode | None = None  # type: ignore[valid-type]
    q: str = Field("", max_length=50)
    open_only: bool = True


class GapFilters(PageParams):
    kind: GapCode | None = None  # type: ignore[valid-type]
    include_closed: bool = False
    on: DateIn | None = None


class PostOut(Schema):
    id: int
    staff_id: int
    staff_name: str
    qualification: str
    institution_id: int
    department_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    full_time: bool


class InstitutionOut(Schema):
    id: int
    kind: str
    name: str
    region_code: str
    opened_on: dt.date
    closed_on: dt.date | None
    grade: int | None
    is_tcm: bool
    second_grade_capacity: bool
    centre_standard: str
    tcm_corner: bool
    fever_clinic: bool
    standardised: bool
    version: int
    posts: list[PostOut] | None = None
    departments: list[dict] | None = None


class StaffOut(Schema):
    id: int
    name: str
    qualification: str
    region_code: str
    certificate_number: str
    version: int


class GapOut(Schema):
    id: int
    kind: str
    kind_label: str
    region_code: str
    institution_id: int | None
    department_id: int | None
    opened_on: dt.date
    closed_on: dt.date | None
    days: int


class InstitutionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InstitutionOut]


class StaffPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[StaffOut]


class GapPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[GapOut]
