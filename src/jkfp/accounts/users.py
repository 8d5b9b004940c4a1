"""Writes of accounts by a region's administrator (decision 40): create, edit, deactivate and
reactivate (never delete), reset the password. Scope and level come from `access`; every change
is a history row naming the administrator (django-simple-history on `User`)."""

from __future__ import annotations

import secrets

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.writes import acting, locked, model_update

from . import access
from .models import Department, Role, User

#: letters and digits without look-alikes (0/O, 1/l/I): an initial password read aloud or copied
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
INITIAL_LENGTH = 12


def initial_password() -> str:
    """A random initial password (12 characters, letters and digits, never all digits)."""
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(INITIAL_LENGTH))
        if any(c.isalpha() for c in pw) and any(c.isdigit() for c in pw):
            return pw


def _check(*, full_name: str, department: str, role: str) -> list[DomainError]:
    errors = []
    if len(full_name or "") > 50:
        errors.append(DomainError(ErrorCode.INVALID, "姓名不能超过50个字符", field="full_name"))
    if department not in Department.values:
        errors.append(DomainError(ErrorCode.INVALID, f"部门“{department}”无效", field="department"))
    if role not in Role.values:
        errors.append(DomainError(ErrorCode.INVALID, f"角色“{role}”无效", field="role"))
    return errors


def _require_target(admin: User, target: User) -> None:
    access.require_user_manager(admin)
    if not access.user_manageable(admin, target):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE, "该用户不在您的管辖区域内", field="user")


def user_create(
    *, user: User, username: str, full_name: str, region_code: str, department: str, role: str
) -> tuple[User, str]:
    """A new account of the administrator's region, with an initial password that its owner
    must replace at the first login. Returns the account and the password (shown once)."""
    access.require_user_manager(user)
    username = (username or "").strip()
    errors = _check(full_name=full_name, department=department, role=role)
    try:
        if not username:
            raise ValidationError("须填写用户名")
        UnicodeUsernameValidator()(username)
        if len(username) > 150:
            raise ValidationError("用户名不能超过150个字符")
    except ValidationError as exc:
        errors.append(
            DomainError(
                ErrorCode.INVALID, exc.messages[0] if username else "须填写用户名", field="username"
            )
        )
    if username and User.objects.filter(username__iexact=username).exists():
        errors.append(
            DomainError(ErrorCode.INVALID, f"用户名“{username}”已被使用", field="username")
        )
    try:
        access.require_assignable(user, region_code=region_code)
    except DomainError as exc:
        errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    password = initial_password()
    with transaction.atomic():
        account = User(
            username=username,
            full_name=(full_name or "").strip(),
            region_id=region_code,
            department=department,
            role=role,
            must_change_password=True,
        )
        account.set_password(password)
        account._change_reason = "新建账号"
        acting(account, user).save(force_insert=True)
    return account, password


def user_update(
    *, user: User, target: User, full_name: str, region_code: str, department: str, role: str
) -> User:
    """Change an account's name, region, department and role within the administrator's scope;
    an administrator does not change their own region or role."""
    _require_target(user, target)
    errors = _check(full_name=full_name, department=department, role=role)
    try:
        access.require_assignable(user, region_code=region_code)
    except DomainError as exc:
        errors.append(exc)
    if target.pk == user.pk and (region_code != target.region_code or role != target.role):
        errors.append(
            DomainError(ErrorCode.PERMISSION, "不能修改自己的所属区划或角色", field="role")
        )
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        account = locked(User, target.pk)
        account._change_reason = "修改账号"
        account, _ = model_update(
            instance=account,
            lock=False,
            user=user,
            data={
                "full_name": (full_name or "").strip(),
                "region_id": region_code,
                "department": department,
                "role": role,
            },
        )
    return account


def user_set_active(*, user: User, target: User, active: bool) -> User:
    """Deactivate or reactivate an account (never delete: history keeps the name). A
    deactivated account cannot log in and its API tokens stop working."""
    _require_target(user, target)
    if target.pk == user.pk and not active:
        raise DomainError(ErrorCode.PERMISSION, "不能停用自己的账号", field="user")
    with transaction.atomic():
        account = locked(User, target.pk)
        account._change_reason = "启用账号" if active else "停用账号"
        account, _ = model_update(
            instance=account, lock=False, user=user, data={"is_active": active}
        )
    return account


def user_password_reset(*, user: User, target: User) -> tuple[User, str]:
    """A new initial password (shown once) that its owner must replace at the next login; the
    old password and the API tokens issued under it stop working."""
    _require_target(user, target)
    if target.pk == user.pk:
        raise DomainError(ErrorCode.PERMISSION, "请在“修改密码”页面修改自己的密码", field="user")
    password = initial_password()
    with transaction.atomic():
        account = locked(User, target.pk)
        account.set_password(password)
        account.must_change_password = True
        account._change_reason = "重设密码"
        acting(account, user).save(update_fields=["password", "must_change_password"])
    return account, password
