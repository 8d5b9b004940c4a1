"""A monitoring list updates 健康状况 and the relation between members (decision 82); a row
that disagrees about who heads the household is a contradiction shown, never applied."""

from __future__ import annotations

import pytest

from jkfp.exchange import services
from jkfp.exchange.models import BatchRow, RowStatus
from jkfp.registry.models import Person

from .files import csv_bytes
from .test_monitoring import HEADER, _row, county_region  # noqa: F401  (the fixture)

HEADER_H = [*HEADER, "健康状况"]


def _check(user, rows):
    return services.batch_check(user=user, kind="monitoring", file_name="监测.csv",
                                data=csv_bytes(HEADER_H, rows, title="防止返贫监测对象信息",
                                               encoding="gb18030"))


def _rows(batch):
    return dict(enumerate(BatchRow.objects.filter(batch=batch).order_by("line"), 1))


@pytest.fixture
def wife_spouse(people):
    Person.objects.filter(pk=people["wife"].pk).update(relation="spouse")
    return people


def test_health_status_and_relation_updated_then_undone(rural, wife_spouse, county_region):  # noqa: F811
    head, wife = wife_spouse["head"], wife_spouse["wife"]
    batch = _check(rural, [[*_row(head, "户主"), "患有大病"], [*_row(wife, "之女"), "长期慢性病"]])
    assert batch.summary["errors"] == 0
    rows = _rows(batch)
    assert {"field": "健康状况", "before": "无", "after": "患有大病"} in rows[1].changes
    assert rows[2].status == RowStatus.UPDATED
    assert rows[2].changes == [
        {"field": "健康状况", "before": "无", "after": "长期慢性病"},
        {"field": "与户主关系", "before": "配偶", "after": "子女"}]
    summary = services.batch_apply(user=rural, batch=batch)
    assert summary["persons_updated"] == 2
    head.refresh_from_db()
    wife.refresh_from_db()
    assert (head.health_status, wife.health_status, wife.relation) == (
        "serious", "chronic", "child")
    assert wife.history.first().history_user == rural
    again = _check(rural, [[*_row(head, "户主"), "患有大病"], [*_row(wife, "之女"), "长期慢性病"]])
    assert _rows(again)[2].status == RowStatus.UNCHANGED
    services.batch_undo(user=rural, batch=batch)
    wife.refresh_from_db()
    assert (wife.health_status, wife.relation) == ("", "spouse")


def test_a_different_head_is_a_contradiction_not_applied(rural, wife_spouse, county_region):  # noqa: F811
    head, wife = wife_spouse["head"], wife_spouse["wife"]
    batch = _check(rural, [[*_row(head, "配偶"), "健康"], [*_row(wife, "户主"), "健康"]])
    assert batch.summary["errors"] == 0
    texts = {(c["line"], c["what"]) for c in batch.comparison["contradictions"]}
    lines = sorted(r.line for r in _rows(batch).values())
    assert texts == {(lines[0], "户主不一致"), (lines[1], "户主不一致")}
    assert all(c["field"] != "与户主关系" for r in _rows(batch).values() for c in r.changes)
    services.batch_apply(user=rural, batch=batch)
    head.refresh_from_db()
    wife.refresh_from_db()
    assert (head.relation, wife.relation) == ("head", "spouse")
    assert (head.health_status, wife.health_status) == ("healthy", "healthy")


def test_unknown_health_status_is_a_row_error_naming_the_column(rural, people, county_region):  # noqa: F811
    batch = _check(rural, [[*_row(people["head"], "户主"), "很好"]])
    (row,) = _rows(batch).values()
    assert row.status == RowStatus.ERROR
    assert [e["column"] for e in row.errors] == ["健康状况"]
    assert "很好" in row.errors[0]["message"]
