"""Reads of accounts for a region's administrator: scoped like every selector (outside → 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from . import access
from .models import User


def user_scope(*, user: User) -> QuerySet[User]:
    """The accounts an administrator may see: their region's, never a superuser's."""
    if not access.can_manage_users(user):
        return User.objects.none()
    qs = access.scoped(User.objects.all(), user, "region__code")
    if not user.is_superuser:
        qs = qs.filter(is_superuser=False)
    return qs


def user_list(*, user: User, q: str = "", active: str = "") -> QuerySet[User]:
    qs = user_scope(user=user).select_related("region")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(username__istartswith=q) | Q(full_name__startswith=q))
    if active in ("yes", "no"):
        qs = qs.filter(is_active=active == "yes")
    return qs.order_by("region_id", "username")


def user_get(*, user: User, pk: int) -> User:
    found = user_scope(user=user).select_related("region").filter(pk=pk).first()
    if found is None:
        raise Http404("无此用户或不在您的管辖区域内")
    return found


@dataclass
class AccountChange:
    at: object
    by: str
    what: str
    changes: list[tuple[str, str, str]]


LABELS = {
    "full_name": "姓名",
    "region": "所属区划",
    "department": "部门",
    "role": "角色",
    "is_active": "启用",
    "must_change_password": "须修改密码",
    "username": "用户名",
}


def user_history(*, user: User, target: User) -> list[AccountChange]:
    """The account's changes, newest first: who, when, what (before → after)."""
    user_get(user=user, pk=target.pk)
    rows = list(
        target.history.select_related("history_user").order_by("history_date", "history_id")
    )
    out, before = [], None
    for rec in rows:
        changes = []
        if before is not None:
            for name, label in LABELS.items():
                old = getattr(before, f"{name}_id" if name == "region" else name)
                new = getattr(rec, f"{name}_id" if name == "region" else name)
                if old != new:
                    changes.append((label, _show(name, old), _show(name, new)))
        by = rec.history_user.full_name or rec.history_user.username if rec.history_user else "系统"
        out.append(
            AccountChange(
                rec.history_date,
                by,
                rec.history_change_reason
                or {"+": "新建账号", "~": "修改账号"}.get(rec.history_type, ""),
                changes,
            )
        )
        before = rec
    return out[::-1]


def _show(name: str, value) -> str:
    from .models import Department, Role

    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "department":
        return str(dict(Department.choices).get(value, value))
    if name == "role":
        return str(dict(Role.choices).get(value, value))
    return str(value or "—")
