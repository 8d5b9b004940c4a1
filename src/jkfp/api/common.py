"""Small pieces shared by the routers: pagination, money as strings, the error responses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from jkfp.errors import ErrorCode

from .errors import ERROR_STATUSES, ErrorOut

# `response=` of an operation: its success schema plus the documented error answers.
ERRORS: dict[Any, Any] = {ERROR_STATUSES: ErrorOut}


def responses(success: dict[int, Any]) -> dict[Any, Any]:
    return {**success, ERROR_STATUSES: ErrorOut}


class PageParams(Schema):
    page: int = Field(1, ge=1, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=200, description="每页条数，最多200")


def paginate(qs: QuerySet, params: PageParams) -> dict[str, Any]:
    total = qs.count()
    start = (params.page - 1) * params.page_size
    items = list(qs[start:start + params.page_size])
    return {"count": total, "page": params.page, "page_size": params.page_size, "items": items}


# ---------------------------------------------------------------- money
def fen_to_yuan(fen: int | None) -> str | None:
    """Integer fen → yuan as a string with two decimals (`123456` → `"1234.56"`)."""
    if fen is None:
        return None
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def _yuan_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError(
            str(ErrorCode.INCOME_INVALID),
            "金额须以字符串表示的元填写，最多两位小数，如 \"12345.60\"（不接受浮点数）")
    text = str(value).strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise PydanticCustomError(str(ErrorCode.INCOME_INVALID),
                                  f"金额“{text}”不是有效数字") from None
    if not d.is_finite() or d.as_tuple().exponent < -2:
        raise PydanticCustomError(str(ErrorCode.INCOME_INVALID), f"金额“{text}”最多两位小数")
    return text


# Money in requests: yuan as a string ("12345.60") or a whole number; never a float.
YuanIn = Annotated[str, BeforeValidator(_yuan_text),
                   Field(description="金额（元），字符串，最多两位小数，如 \"12345.60\"",
                         examples=["12345.60"])]
# Money in answers: yuan as a string with exactly two decimals.
YuanOut = Annotated[str, Field(description="金额（元），字符串，两位小数", examples=["12345.60"])]
