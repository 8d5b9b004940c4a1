"""The civil-affairs list end to end: check, summary, apply, second apply, undo."""

from __future__ import annotations

import datetime as dt

from jkfp.exchange import services
from jkfp.exchange.models import BatchState, Change
from jkfp.registry.models import CategoryPeriod

from .files import xlsx

HEADER = ["序号", "姓名", "身份证号码", "保障类别", "起始日期", "终止日期"]


def _check(user, rows, **kw):
    data = xlsx(HEADER, rows, **kw)
    return services.batch_check(
        user=user, kind="civil_affairs", data=data, file_name="民政名单.xlsx"
    )


def test_round_trip(civil, people):
    head, wife = people["head"], people["wife"]
    batch = _check(
        civil,
        [
            [1, head.name, head.id_number, "低保", "2023-01-01", None],
            [2, wife.name, wife.id_number.lower(), "特困人员", "2023/02/01", "2024-06-30"],
        ],
    )
    s = batch.summary
    assert (s["rows"], s["created"], s["errors"], s["doubtful"]) == (2, 2, 0, 0)
    assert (
        sum(
            s[k]
            for k in ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
        )
        == s["rows"]
    )
    summary = services.batch_apply(user=civil, batch=batch)
    assert summary["periods_opened"] == 2
    p = CategoryPeriod.objects.get(person=head, category="minimum_living")
    assert p.source == "import" and p.end_date is None
    assert p.history.first().history_user == civil
    assert Change.objects.filter(batch=batch).count() == 2
    again = _check(
        civil,
        [
            [1, head.name, head.id_number, "低保", "2023-01-01", None],
            [2, wife.name, wife.id_number, "特困人员", "2023/02/01", "2024-06-30"],
        ],
    )
    assert again.summary["unchanged"] == 2
    assert services.batch_apply(user=civil, batch=again)["periods_opened"] == 0
    ended = _check(civil, [[1, head.name, head.id_number, "低保", "2023-01-01", "2025-03-31"]])
    assert ended.summary["ended"] == 1
    services.batch_apply(user=civil, batch=ended)
    p.refresh_from_db()
    assert p.end_date == dt.date(2025, 3, 31)
    services.batch_undo(user=civil, batch=ended)
    p.refresh_from_db()
    assert p.end_date is None
    batch.refresh_from_db()
    services.batch_undo(user=civil, batch=batch)
    p.refresh_from_db()
    assert p.end_date == p.start_date and "作废" in p.end_reason
    assert CategoryPeriod.objects.filter(person=head).count() == 1  # nothing deleted
    batch.refresh_from_db()
    assert batch.state == BatchState.UNDONE
