"""Request and response schemas of the household changes and ID corrections (change_api.py).
Errors of a member's relation name the field `relations.<person id>` (or `members.<person id>`
for a split), as the services do."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from jkfp.api.common import DateIn, RecordId, Version
from jkfp.api.common import StrictIn as In

from .schemas import RelationCode, SexCode

HeadReason = Literal["death", "moved", "decision"]


class MemberRelationIn(In):
    person_id: RecordId
    relation: RelationCode  # type: ignore[valid-type]


class HeadChangeIn(In):
    version: Version
    new_head_id: RecordId
    reason: HeadReason = Field(
        ..., description="death 原户主死亡；moved 原户主迁出；decision 家庭决定"
    )
    note: str = Field("", max_length=80, description="说明")
    relations: list[MemberRelationIn] = Field(
        [], max_length=50, description="其他成员与新户主的关系；未列出的保持不变，原户主必填"
    )


class MoveIn(In):
    version: Version = Field(..., description="人员的版本号")
    to_household_id: RecordId
    relation: RelationCode  # type: ignore[valid-type]
    moved_on: DateIn
    reason: str = Field(..., max_length=80)


class SplitIn(In):
    version: Version
    members: list[MemberRelationIn] = Field(
        ...,
        min_length=1,
        max_length=50,
        description="分出的成员及其与新户主的关系，其中一名为 head（新户主）",
    )
    split_on: DateIn
    reason: str = Field(..., max_length=80)
    household_number: str = Field("", max_length=32, description="留空则按村规则自动编号")
    village_code: str = Field("", max_length=12, description="新户所在村；留空为原村")
    address: str = Field("", max_length=200)


class MergeIn(In):
    version: Version = Field(..., description="并入户（将注销）的版本号")
    into_household_id: RecordId
    into_version: Version
    relations: list[MemberRelationIn] = Field(
        [], max_length=50, description="本户每名在世成员与目标户户主的关系"
    )
    merged_on: DateIn
    reason: str = Field(..., max_length=80)


class EndIn(In):
    version: Version
    ended_on: DateIn
    reason: str = Field(..., min_length=1, max_length=200)


class CorrectionIn(In):
    new_id_number: str = Field(..., max_length=30, description="更正后的身份证号（放在请求体中）")
    sex: SexCode | None = Field(None, description="证明材料上的性别，须与新号码一致")  # type: ignore[valid-type]
    birth_date: DateIn | None = Field(None, description="证明材料上的出生日期，须与新号码一致")
    evidence: str = Field(..., max_length=1000, description="证明材料说明")


class CorrectionDecideIn(In):
    version: Version
    approve: bool
    note: str = Field("", max_length=300)


class CorrectionWithdrawIn(In):
    version: Version


class CorrectionOut(Schema):
    id: int
    person_id: int
    person_name: str
    region_code: str
    old_id_number_masked: str
    new_id_number_masked: str
    old_sex: str
    new_sex: str
    old_birth_date: dt.date
    new_birth_date: dt.date
    evidence: str
    status: str
    status_label: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    version: int


class CorrectionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CorrectionOut]
