"""One shape for every error of the API, and the handlers that produce it.

Body of every error (documented in the OpenAPI document as `Error`):

    {"code": "id_checksum", "message": "身份证号…校验位错误：末位应为4",
     "field": "members[0].id_number",
     "errors": [{"code": "id_checksum", "message": "…", "field": "members[0].id_number"}]}

`code` and `message` repeat the first entry of `errors`; `errors` holds every problem found, so a
client can mark all fields at once. Status: 422 for validation (domain rules and request shape),
409 `stale_version`, 403 `permission` / `workflow_role` / `csrf_failed`, 404 `not_found` and
`region_out_of_scope` (outside the user's region a record simply does not exist), 401
`not_authenticated` / `invalid_credentials`, 429 `locked_out`, 400 `bad_request` (a body that
is not JSON or is malformed for its Content-Type), 413 `request_too_large`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from jkfp.errors import DomainError, ErrorCode, ValidationErrors


class ApiErrorCode(StrEnum):
    """Codes of the API layer itself (the domain's codes are `jkfp.errors.ErrorCode`)."""

    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    LOCKED_OUT = "locked_out"
    NOT_FOUND = "not_found"
    CSRF_FAILED = "csrf_failed"
    BAD_REQUEST = "bad_request"
    REQUEST_TOO_LARGE = "request_too_large"
    THROTTLED = "throttled"


class ApiError(Exception):
    """An error raised by an API handler: HTTP status, code, Chinese message, field."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, str(code), message, field


class ErrorItem(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    """Every error answer of the API."""

    code: str
    message: str
    field: str | None = None
    errors: list[ErrorItem]


# The 4xx answers every operation documents with the `ErrorOut` schema.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 422, 429})

# Domain codes answered with something other than 422; the first status found wins.
_DOMAIN_STATUS: dict[str, int] = {
    ErrorCode.REGION_OUT_OF_SCOPE: 404,
    ErrorCode.PERMISSION: 403,
    ErrorCode.WORKFLOW_ROLE: 403,
    ErrorCode.FOUR_EYES: 403,
    ErrorCode.WARNING_DEPARTMENT: 403,
    ErrorCode.CATEGORY_BY_PROCEDURE: 403,
    ErrorCode.HOUSEHOLD_CHANGE_ROLE: 403,
    ErrorCode.STALE_VERSION: 409,
}
_STATUS_ORDER = (404, 403, 409)


def error_body(items: list[dict[str, Any]]) -> dict[str, Any]:
    first = items[0]
    return {"code": first["code"], "message": first["message"], "field": first.get("field"),
            "errors": [{"code": i["code"], "message": i["message"], "field": i.get("field")}
                       for i in items]}


def _respond(api: NinjaAPI, request: HttpRequest, status: int,
             items: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, error_body(items), status=status)


# ---------------------------------------------------------------- request shape (pydantic)
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# Names of the schema parameters of the handlers (their name is not part of the field path).
_SCHEMA_PARAMS = {"payload", "filters"}

_TYPE_MESSAGES: dict[str, str] = {
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期，格式为 YYYY-MM-DD",
    "date_parsing": "应为日期，格式为 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期（不含时间），格式为 YYYY-MM-DD",
    "datetime_type": "应为日期时间（ISO 8601）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "含有无效的字符（无法编码为 UTF-8）",
    "int_parsing_size": "数值过大",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "请求体不是有效的 JSON",
    "extra_forbidden": "未知字段",
    "none_required": "此项应为空",
    "too_long": "项目过多",
    "too_short": "项目过少",
}


def _field_path(loc: tuple | list) -> str | None:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _SCHEMA_PARAMS:
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p:
            out += f".{p}" if out else str(p)
    return out or None


def _message(err: dict[str, Any]) -> tuple[str, str]:
    """(code, Chinese message) of one pydantic error."""
    typ = err.get("type", "")
    ctx = err.get("ctx") or {}
    if typ in ErrorCode._value2member_map_:  # our own validators raise PydanticCustomError
        return typ, err.get("msg", "")
    if typ == "missing":
        return ErrorCode.REQUIRED, "此项为必填项"
    if typ in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return ErrorCode.INVALID, "取值无效，可选值：" + "、".join(expected.split(", "))
    if typ == "string_too_short":
        n = ctx.get("min_length", 1)
        return ErrorCode.INVALID if n != 1 else ErrorCode.REQUIRED, (
            "此项不能为空" if n == 1 else f"长度不能少于{n}个字符")
    if typ == "string_too_long":
        return ErrorCode.INVALID, f"长度不能超过{ctx.get('max_length')}个字符"
    if typ == "greater_than_equal":
        return ErrorCode.INVALID, f"不能小于{ctx.get('ge')}"
    if typ == "greater_than":
        return ErrorCode.INVALID, f"须大于{ctx.get('gt')}"
    if typ == "less_than_equal":
        return ErrorCode.INVALID, f"不能大于{ctx.get('le')}"
    if typ == "less_than":
        return ErrorCode.INVALID, f"须小于{ctx.get('lt')}"
    return ErrorCode.INVALID, _TYPE_MESSAGES.get(typ, "取值无效")


def schema_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for err in errors:
        code, message = _message(err)
        field = _field_path(err.get("loc") or ())
        items.append({"code": str(code), "message": f"{field}：{message}" if field else message,
                      "field": field})
    return items or [{"code": str(ErrorCode.INVALID), "message": "请求无效", "field": None}]


# ---------------------------------------------------------------- handlers
def install(api: NinjaAPI) -> None:
    """Register the handlers on the API object."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        found = {_DOMAIN_STATUS.get(str(e.code)) for e in errors}
        status = next((s for s in _STATUS_ORDER if s in found), 422)
        return _respond(api, request, status, [
            {"code": str(e.code), "message": e.message, "field": e.field} for e in errors])

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return _respond(api, request, exc.status,
                        [{"code": exc.code, "message": exc.message, "field": exc.field}])

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        return _respond(api, request, 422, schema_errors(exc.errors))

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        text = str(exc) if exc.args and isinstance(exc.args[0], str) else ""
        return _respond(api, request, 404, [{
            "code": ApiErrorCode.NOT_FOUND,
            "message": text or "未找到该记录或不在您的管辖区域内"}])

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc: RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 2**10:g} KB"
        return _respond(api, request, 413, [{
            "code": ApiErrorCode.REQUEST_TOO_LARGE,
            "message": f"请求体过大：不能超过{size}" if limit else "请求体过大"}])

    # Django answers these 400 itself, but inside an operation django-ninja would answer 500:
    # a multipart Content-Type without a boundary, too many form fields, a malformed request.
    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    def bad_request(request, exc: Exception):
        return _respond(api, request, 400, [{
            "code": ApiErrorCode.BAD_REQUEST,
            "message": "请求无效：请求体无法按其 Content-Type 解析；本接口的请求体均为 JSON"
                       "（Content-Type: application/json）"}])

    @api.exception_handler(PermissionError)
    def permission(request, exc: PermissionError):
        return _respond(api, request, 403, [{"code": ErrorCode.PERMISSION,
                                             "message": str(exc) or "您的角色无权进行此操作"}])

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc, AuthenticationError):
            response = _respond(api, request, 401, [{
                "code": ApiErrorCode.NOT_AUTHENTICATED,
                "message": "未登录或令牌无效、已过期：请先获取令牌（POST /api/v1/auth/token），"
                           "并以 Authorization: Bearer <令牌> 调用"}])
            response["WWW-Authenticate"] = 'Bearer realm="jkfp"'
            return response
        if exc.status_code == 403 and "CSRF" in str(exc):
            return _respond(api, request, 403, [{
                "code": ApiErrorCode.CSRF_FAILED,
                "message": "CSRF 校验失败：以浏览器会话调用写操作时须带 X-CSRFToken 请求头"}])
        if exc.status_code == 400:
            return _respond(api, request, 400, [{"code": ApiErrorCode.BAD_REQUEST,
                                                 "message": "请求体不是有效的 JSON"}])
        if exc.status_code == 429:
            return _respond(api, request, 429, [{"code": ApiErrorCode.THROTTLED,
                                                 "message": "请求过于频繁，请稍后再试"}])
        return _respond(api, request, exc.status_code, [{"code": ApiErrorCode.BAD_REQUEST,
                                                         "message": str(exc)}])



def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: the JSON error body, not Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse(error_body([{"code": ApiErrorCode.NOT_FOUND,
                                     "message": "接口不存在，请查阅 /api/v1/docs"}]), status=404)
