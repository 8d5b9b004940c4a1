"""Apply: all or nothing (a simulated failure half way writes nothing and leaves the batch
failed, to be retried), errors stop it unless the valid rows are chosen, rows of another county
are reported and not applied, contradictions are listed, history keeps the before."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.exchange import services
from jkfp.exchange.models import BatchRow, BatchState, RowStatus
from jkfp.registry.models import CategoryPeriod
from jkfp.summaries.models import RegionCount
from tests.factories import make_id

from .files import xlsx

HEADER = ["姓名", "身份证号", "类别", "开始日期", "终止日期", "区划"]


def _check(user, rows):
    return services.batch_check(
        user=user, kind="civil_affairs", data=xlsx(HEADER, rows), file_name="民政.xlsx"
    )


def _open_count(category="minimum_living") -> int:
    return sum(
        RegionCount.objects.filter(summary="registry.periods_open", key=category).values_list(
            "n", flat=True
        )
    )


def test_a_failure_half_way_writes_nothing(civil, people, monkeypatch):
    head, wife = people["head"], people["wife"]
    batch = _check(
        civil,
        [
            [head.name, head.id_number, "低保", "2023-01-01", None, None],
            [wife.name, wife.id_number, "低保", "2023-01-01", None, None],
        ],
    )

    def boom(*args, **kwargs):
        raise RuntimeError("模拟的故障")

    from jkfp.exchange import applying

    # the provenance rows are written after the registry writes
    monkeypatch.setattr(applying, "insert_objects", boom)
    with pytest.raises(RuntimeError):
        services.batch_apply(user=civil, batch=batch)
    assert not CategoryPeriod.objects.exists()
    assert _open_count() == 0
    batch.refresh_from_db()
    assert batch.state == BatchState.FAILED and "未写入任何数据" in batch.message
    assert not BatchRow.objects.filter(batch=batch, applied=True).exists()
    monkeypatch.undo()
    summary = services.batch_apply(user=civil, batch=batch)  # retried
    assert summary["periods_opened"] == 2 and _open_count() == 2
    batch.refresh_from_db()
    assert batch.state == BatchState.APPLIED


def test_errors_stop_the_apply_unless_only_valid_rows_are_chosen(civil, people):
    head = people["head"]
    batch = _check(
        civil,
        [
            [head.name, head.id_number, "低保", "2023-01-01", None, None],
            ["坏行", "123", "低保", "2023-13-01", None, None],
        ],
    )
    assert batch.summary["errors"] == 1
    with pytest.raises(DomainError) as exc:
        services.batch_apply(user=civil, batch=batch)
    assert exc.value.code == ErrorCode.IMPORT_BATCH_STATE
    assert not CategoryPeriod.objects.exists()
    summary = services.batch_apply(user=civil, batch=batch, skip_invalid=True)
    assert summary["skipped_lines"] == [5] and summary["created"] == 1
    assert summary["rows"] == sum(
        summary[k]
        for k in ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    )


def test_rows_of_another_county_are_reported_not_applied(civil, people):
    head = people["head"]
    outsider = make_id("140403")
    batch = _check(
        civil,
        [
            [head.name, head.id_number, "低保", "2023-01-01", None, "640323"],
            ["外县人", outsider, "低保", "2023-01-01", None, "140403"],
            [
                "不在登记中",
                make_id("640323", dt.date(1991, 7, 7)),
                "低保",
                "2023-01-01",
                None,
                None,
            ],
        ],
    )
    rows = {r.line: r for r in BatchRow.objects.filter(batch=batch)}
    assert rows[5].status == RowStatus.IGNORED and "其他区县" in rows[5].reason
    assert rows[6].status == RowStatus.IGNORED and "登记中无此人" in rows[6].reason
    services.batch_apply(user=civil, batch=batch)
    assert CategoryPeriod.objects.count() == 1


def test_a_person_outside_the_county_is_not_seen(civil, regions):
    """A 长治 person is outside a 盐池 user's scope: the row finds nobody and writes nothing."""
    from tests.conftest import CHANGZHI_VILLAGE
    from tests.factories import HouseholdFactory

    far = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    batch = _check(civil, [[far.name, far.id_number, "低保", "2023-01-01", None, None]])
    assert batch.summary["ignored"] == 1
    services.batch_apply(user=civil, batch=batch)
    assert not CategoryPeriod.objects.exists()


def test_contradictions_deceased_and_wrong_county_code(civil, people):
    dead = people["dead"]
    head = people["head"]
    batch = _check(
        civil,
        [
            [dead.name, dead.id_number, "特困人员", "2023-01-01", None, None],
            [head.name, head.id_number, "低保", "2023-01-01", None, None],
        ],
    )
    what = {c["what"] for c in batch.comparison["contradictions"]}
    assert "死亡与在保矛盾" in what
    assert BatchRow.objects.get(batch=batch, line=4).status == RowStatus.IGNORED


def test_missing_from_the_list_and_history_keeps_the_before(civil, people):
    head, wife = people["head"], people["wife"]
    first = _check(
        civil,
        [
            [head.name, head.id_number, "低保", "2023-01-01", None, None],
            [wife.name, wife.id_number, "低保", "2023-01-01", None, None],
        ],
    )
    services.batch_apply(user=civil, batch=first)
    second = _check(civil, [[head.name, head.id_number, "低保", "2023-01-01", "2024-12-31", None]])
    missing = second.comparison["missing"]
    assert [(m["person_id"], m["category"]) for m in missing] == [(wife.pk, "minimum_living")]
    services.batch_apply(user=civil, batch=second)
    p = CategoryPeriod.objects.get(person=head)
    before, after = p.history.order_by("history_id")[:2]
    assert before.end_date is None and str(p.end_date) == "2024-12-31"
    assert after.history_user == civil
    assert _open_count() == 1  # the summaries follow the set-based writes
