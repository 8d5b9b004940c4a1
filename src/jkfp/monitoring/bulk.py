"""Writing many warnings at once (decision 67): the new warnings of a scan by one `COPY` on
PostgreSQL (`bulk_create` on SQLite), their history rows, `found` steps, push items, `push`
steps and the status change by `INSERT … SELECT` / `UPDATE` over a list of ids (an array on
PostgreSQL, `json_each` on SQLite) — a few statements whatever the number.

The ORM path (`bulk_create_with_history`, `bulk_create`) builds a model instance and converts
every field of every row in Python: 65 s of the 74 s of a province's first scan at 1,000,000
persons (107,223 new warnings; docs/benchmarks.md). The rows written here are the ones the ORM
path writes — the same columns, the same history rows (`+`, the acting user, no reason) and the
same steps: `tests/monitoring/test_bulk.py` compares the two row by row on both databases.
Other databases keep the ORM path.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from jkfp import bulkwrite
from jkfp.bulkwrite import ids_subquery as _ids
from jkfp.bulkwrite import q as _q

from .models import PushItem, RiskWarning, WarningStatus, WarningStep


def fast() -> bool:
    """Whether this database takes the set-based path."""
    return connection.vendor in ("postgresql", "sqlite")


def insert_warnings(new: Sequence[RiskWarning], *, user) -> list[int]:
    """Insert the unsaved warnings `new` and their history rows; returns their ids in order."""
    ids = bulkwrite.insert(RiskWarning, new)
    bulkwrite.history(RiskWarning, ids, kind="+", user=user)
    return ids


def update_warnings(changed: Sequence[RiskWarning], fields: list[str], *, user) -> None:
    """Write `fields` of the warnings `changed` and their history rows."""
    bulkwrite.update(RiskWarning, changed, fields)
    bulkwrite.history(RiskWarning, [w.pk for w in changed], kind="~", user=user)


def insert_steps(ids: Sequence[int], *, step: str, from_status: str, to_status: str, on_date,
                 comment: str, user) -> None:
    """One `WarningStep` per warning of `ids`, all alike, in the order of `ids`."""
    if not ids:
        return
    sub, param = _ids(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_q(WarningStep._meta.db_table)} "
            "(warning_id, step, from_status, to_status, on_date, comment, user_id, at) "
            f"SELECT w, %s, %s, %s, %s, %s, %s, %s FROM {sub} ORDER BY n",
            [step, from_status, to_status, on_date, comment, getattr(user, "pk", None),
             timezone.now(), param])


def insert_push_items(push_id: int, warning_ids: Sequence[int]) -> None:
    """The push's items (a warning already in the push is left alone)."""
    sub, param = _ids(warning_ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_q(PushItem._meta.db_table)} (push_id, warning_id) "
            f"SELECT %s, w FROM {sub} WHERE true ORDER BY n ON CONFLICT DO NOTHING",
            [push_id, param])


def mark_pushed(ids: Sequence[int], *, on_date) -> None:
    """Status `pushed`, the push date and the next version for the warnings `ids`."""
    sub, param = _ids(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_q(RiskWarning._meta.db_table)} SET status = %s, pushed_on = %s, "
            f"version = version + 1 WHERE id IN (SELECT w FROM {sub})",
            [WarningStatus.PUSHED, on_date, param])
