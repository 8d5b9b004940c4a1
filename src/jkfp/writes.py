"""The one way a service writes a row (DESIGN.md rule 2), in the manner of HackSoft's
`model_update` and Zulip's `acting_user`.

- `model_create` builds and saves a row, recording the acting user in its history.
- `model_update` locks the row (`SELECT … FOR UPDATE`), compares the version the user saw,
  sets only the fields that change, bumps the version and saves just those fields, recording
  the acting user in history.
- `locked` and `check_version` are the two halves of `model_update` for a service that must
  look at the locked row before it decides what to change.

The acting user comes from the service's own `user` argument, never from the request, so that
management commands, jobs and imports record who acted just as the pages and the API do.
Follow-on work (a monitoring scan, an indicator refresh) is scheduled with `jkfp.events.publish`,
which runs it after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from jkfp.errors import DomainError, ErrorCode

M = TypeVar("M", bound=models.Model)


def _has_field(instance: models.Model, name: str) -> bool:
    return any(f.name == name for f in instance._meta.concrete_fields)


def acting(instance: M, user: Any, reason: str | None = None) -> M:
    """Mark `instance` so that its next history row names `user` (django-simple-history), and
    `reason` as its change reason when given (the history's column holds 100 characters)."""
    instance._history_user = user
    if reason:
        instance._change_reason = reason[:100]
    return instance


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Refuse a save based on an older version than the row's (`stale_version`)."""
    if expected_version is not None and instance.version != expected_version:
        raise DomainError(
            ErrorCode.STALE_VERSION,
            f"保存冲突：该记录已被他人修改（您看到的是第{expected_version}版，当前为第{instance.version}版）。"
            "请刷新后核对再保存，您填写的内容未丢失。",
            field="version",
        )


def locked(model: type[M], pk: Any, *, expected_version: int | None = None) -> M:
    """The row `pk` of `model`, locked until the transaction ends, at the version expected.

    Must run inside `transaction.atomic()` (the lock lasts until it commits).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked() must run inside transaction.atomic()")
    obj = model._default_manager.select_for_update().get(pk=pk)
    check_version(obj, expected_version)
    return obj


def model_create(model: type[M], *, user: Any, change_reason: str | None = None,
                 **values: Any) -> M:
    """Create a row of `model`, its history naming `user` (and `change_reason`, if given)."""
    obj = acting(model(**values), user, change_reason)
    obj.save(force_insert=True)
    return obj


def model_update(*, instance: M, data: Mapping[str, Any], user: Any,
                 expected_version: int | None = None, lock: bool = True,
                 change_reason: str | None = None) -> tuple[M, list[str]]:
    """Apply `data` to the row of `instance`: lock, compare the version, set what changes,
    bump the version, save only the changed fields, record `user` in history.

    Returns the saved row and the names of the fields that changed; nothing is saved (and the
    version stays) when nothing changes. With `lock=False` the caller has already locked
    `instance` (it came from `locked`).
    """
    with transaction.atomic():
        obj = locked(type(instance), instance.pk, expected_version=expected_version) \
            if lock else instance
        if not lock:
            check_version(obj, expected_version)
        changed = [name for name, value in data.items() if getattr(obj, name) != value]
        if not changed:
            return obj, []
        for name in changed:
            setattr(obj, name, data[name])
        fields = list(changed)
        if _has_field(obj, "version"):
            obj.version += 1
            fields.append("version")
        if _has_field(obj, "updated_at"):
            fields.append("updated_at")
        acting(obj, user, change_reason).save(update_fields=fields)
    return obj, changed
