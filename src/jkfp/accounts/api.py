"""API: token login and logout, and who the caller is."""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in
from ninja import Field, Router, Schema, Status

from jkfp.api.auth import bearer
from jkfp.api.common import InputSchema, responses
from jkfp.api.errors import ApiError, ApiErrorCode

from . import access, tokens
from .models import User

router = Router(tags=["认证与用户"])


class LoginIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150, description="用户名")
    password: str = Field(..., min_length=1, max_length=200, description="密码")


class TokenOut(Schema):
    token: str = Field(
        ..., description="访问令牌，仅显示这一次；调用时放在 Authorization: Bearer <令牌>")
    token_type: str = "Bearer"
    expires: dt.datetime = Field(..., description="过期时间")


class UserRegionOut(Schema):
    code: str
    name: str
    level: str
    is_generated: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    department: str
    department_label: str
    region: UserRegionOut | None = Field(None, description="所属区划：可见数据的范围")
    scope_prefix: str | None = Field(None, description="数据范围的区划代码前缀；空串为全部")
    can_write: bool = Field(..., description="能否修改登记数据")
    can_see_full_identity: bool = Field(
        ..., description="能否查看完整身份证号和电话（每次查看均记录）")


def _lockout_message(request) -> str:
    cool_off = get_cool_off(request)
    if cool_off is None:
        return "登录失败次数过多，该账户已被锁定，请联系管理员解锁"
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return f"登录失败次数过多，该账户已暂时锁定，请{minutes}分钟后再试"


@router.post("/auth/token", auth=None, response=responses({201: TokenOut}),
             summary="登录：以用户名和密码换取访问令牌")
def token_login(request, payload: LoginIn):
    """Repeated failures lock the username from this address (django-axes): 429 `locked_out`."""
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # answered here in JSON; the axes middleware would otherwise render its HTML page
        request.axes_locked_out = False
        raise ApiError(429, ApiErrorCode.LOCKED_OUT, _lockout_message(request))
    if user is None:
        raise ApiError(401, ApiErrorCode.INVALID_CREDENTIALS, "用户名或密码错误")
    token, raw = tokens.api_token_issue(user=user)
    # a token login is a login: last_login is updated and axes clears the failures
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return Status(201, {"token": raw, "token_type": "Bearer", "expires": token.expires})


@router.delete("/auth/token", auth=[bearer], response=responses({204: None}),
               summary="退出：吊销当前使用的访问令牌")
def token_revoke(request):
    tokens.api_token_revoke(token=request.api_token)
    return Status(204, None)


@router.get("/me", response=responses({200: MeOut}), summary="当前用户")
def me(request):
    user: User = request.auth
    region = user.region
    return {
        "id": user.pk, "username": user.username, "full_name": user.full_name,
        "role": user.role, "role_label": user.get_role_display(),
        "department": user.department, "department_label": user.get_department_display(),
        "region": region and {"code": region.code, "name": region.name, "level": region.level,
                              "is_generated": region.is_generated},
        "scope_prefix": access.scope_prefix(user),
        "can_write": access.can_write(user),
        "can_see_full_identity": access.can_see_full_identity(user),
    }
