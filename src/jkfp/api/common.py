"""Small pieces shared by the routers: the base of request schemas, pagination, money as
strings, dates and record ids in requests, the error responses."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal, get_args

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError, ErrorCode
from jkfp.policy import money

from .errors import ERROR_STATUSES, ErrorOut


def responses(success: dict[int, Any]) -> dict[Any, Any]:
    """`response=` of an operation: its success schema plus the documented error answers."""
    return {**success, ERROR_STATUSES: ErrorOut}


# ---------------------------------------------------------------- request text
# C0 control characters and DEL, except tab, line feed and carriage return: PostgreSQL cannot
# store NUL in text at all, and the others are never meaningful in this data (and break exports).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: Any) -> Any:
    texts = value if isinstance(value, (list, tuple)) else (value,)
    for text in texts:
        if isinstance(text, str) and (m := _CONTROL.search(text)):
            raise PydanticCustomError(str(ErrorCode.INVALID),
                                      f"不能包含控制字符（U+{ord(m.group()):04X}）")
    return value


# A date in a request is written YYYY-MM-DD. Pydantic would also read a number (or a string of
# digits) as seconds since 1970: 1704067200 would be 2024-01-01, 0 would be 1970-01-01.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date_annotation(annotation: Any) -> bool:
    return annotation is dt.date or any(_is_date_annotation(a) for a in get_args(annotation))


@functools.cache
def _date_fields(cls: type) -> frozenset[str]:
    return frozenset(name for name, f in cls.model_fields.items()
                     if _is_date_annotation(f.annotation))


def _check_date(value: Any) -> Any:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise PydanticCustomError(str(ErrorCode.INVALID),
                              "应为日期，格式 YYYY-MM-DD（如 2024-01-31），不能是数字或其他格式")


class InputSchema(Schema):
    """Base of every request schema (bodies and query parameters): no text may contain a
    control character, so such input is answered 422 naming the field, never a database error;
    a date is text YYYY-MM-DD, never a number read as a timestamp."""

    @field_validator("*", mode="before")
    @classmethod
    def _dates_are_iso_text(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in _date_fields(cls):
            return _check_date(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _check_text(value)


# ---------------------------------------------------------------- record ids, dates
# A record id given in a body or a query (a filter): a positive 64-bit integer, as stored.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

DATE_MIN = dt.date(1880, 1, 1)  # the earliest birth date an ID number may carry
DATE_MAX = dt.date(2099, 12, 31)


def _date_in_range(value: dt.date) -> dt.date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise PydanticCustomError(str(ErrorCode.INVALID),
                                  f"日期{value.isoformat()}超出范围：须在{DATE_MIN.isoformat()}"
                                  f"至{DATE_MAX.isoformat()}之间")
    return value


# A date in a request: YYYY-MM-DD between DATE_MIN and DATE_MAX (so no date arithmetic of the
# services can leave the calendar).
DateIn = Annotated[dt.date, BeforeValidator(_check_date), AfterValidator(_date_in_range)]


# ---------------------------------------------------------------- pagination
# Bounds the offset (page × page_size) far inside a 64-bit integer.
MAX_PAGE = 10_000_000


class PageParams(InputSchema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，从1开始，最大{MAX_PAGE}")
    page_size: int = Field(50, ge=1, le=200, description="每页条数，最多200")


def paginate(qs: QuerySet, params: PageParams) -> dict[str, Any]:
    total = qs.count()
    start = (params.page - 1) * params.page_size
    items = list(qs[start:start + params.page_size])
    return {"count": total, "page": params.page, "page_size": params.page_size, "items": items}


# ---------------------------------------------------------------- money
# Read by the one strict parser (policy.money.parse_yuan): at most 12 digits before the point
# (fen then fit a 64-bit integer and a JavaScript number exactly), two decimals, no float.
YUAN_MAX_DIGITS = money.YUAN_MAX_DIGITS


def fen_to_yuan(fen: int | None) -> str | None:
    """Integer fen → yuan as a string with two decimals (`123456` → `"1234.56"`)."""
    return None if fen is None else money.fmt_fen(fen)


def _yuan_text(value: Any) -> str:
    """The amount checked (`amount_invalid`) and written canonically ("18000.5" → "18000.50");
    the sign is the service's business."""
    try:
        return money.fmt_fen(money.parse_yuan(value, negative=True))
    except DomainError as exc:
        raise PydanticCustomError(str(exc.code), exc.message) from None


# Money in requests: yuan as a string ("12345.60") or a whole number; never a float.
YuanIn = Annotated[str, BeforeValidator(_yuan_text),
                   Field(description="金额（元），字符串，最多两位小数、12位整数，如 \"12345.60\"",
                         examples=["12345.60"])]
# Money in answers: yuan as a string with exactly two decimals.
YuanOut = Annotated[str, Field(description="金额（元），字符串，两位小数", examples=["12345.60"])]


# ---------------------------------------------------------------- shared request pieces
def choice_of(choices, title: str):
    """A Literal of the values of Django choices, documented with their Chinese labels."""
    pairs = [(c.value, c.label) if hasattr(c, "label") else (c.value, LABELS[c]) for c in choices]
    return Annotated[Literal[tuple(v for v, _ in pairs)],  # type: ignore[valid-type]
                     Field(description=f"{title}：" + "；".join(f"{v} {lbl}" for v, lbl in pairs))]


CategoryCode = choice_of(Category, "类别")
EndWay = Annotated[Literal["", "aided", "natural"],
                   Field(description="风险消除方式：aided 帮扶消除；natural 自然消除；空为不适用")]
Version = Annotated[int, Field(
    ge=1, description="您读到的版本号（乐观锁）：记录已被他人修改时返回 409 stale_version")]


class StrictIn(InputSchema):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- shared answers
class RegionRef(Schema):
    code: str
    name: str
    is_generated: bool


class PersonRef(Schema):
    id: int
    name: str
    id_number_masked: str


def region_ref(r) -> dict:
    return {"code": r.code, "name": r.name, "is_generated": r.is_generated}


def person_ref(p) -> dict | None:
    """A person named in an answer: id, name and the masked ID number only."""
    from jkfp.registry.idnumber import mask

    return p and {"id": p.pk, "name": p.name, "id_number_masked": mask(p.id_number)}
