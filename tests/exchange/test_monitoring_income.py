"""The household income of a monitoring list (decision 53b): 人均纯收入 → HouseholdIncome of
the check's year, before → after in the comparison, second apply a no-op, undo voids."""

from __future__ import annotations

from django.utils import timezone

from jkfp.exchange import services
from jkfp.exchange.models import Change
from jkfp.registry.models import HouseholdIncome

from .files import xlsx

HEADER = ["县（市、区）", "乡（镇）", "行政村", "户编号", "姓名", "证件号码", "与户主关系",
          "家庭人口数", "人均纯收入", "户类型"]


def _rows(people, income="5200.50", size=2):
    head, wife = people["head"], people["wife"]
    return [["盐池县", "花马池镇", "测试村花一", "HH-A", head.name, head.id_number, "户主", size,
             income, "监测户"],
            ["盐池县", "花马池镇", "测试村花一", "HH-A", wife.name, wife.id_number, "配偶", size,
             income, "监测户"]]


def _check(user, rows):
    return services.batch_check(user=user, kind="monitoring", file_name="监测.xlsx",
                                data=xlsx(HEADER, rows))


def test_income_created_updated_second_apply_undo(rural, people):
    head = people["head"]
    year = timezone.localdate().year
    batch = _check(rural, _rows(people))
    row = batch.rows.get(line=4)
    assert {"field": f"{year}年人均纯收入", "before": "无", "after": "5200.50元（2人）"} in (
        row.changes)
    summary = services.batch_apply(user=rural, batch=batch)
    assert summary["incomes_written"] == 1
    inc = HouseholdIncome.objects.get(household=head.household, year=year)
    assert (inc.per_capita_fen, inc.members, inc.total_fen, inc.void) == (520050, 2, 1040100,
                                                                          False)
    assert inc.history.first().history_user == rural
    again = _check(rural, _rows(people))
    services.batch_apply(user=rural, batch=again)
    assert not Change.objects.filter(batch=again, model="registry.HouseholdIncome").exists()
    changed = _check(rural, _rows(people, income="6100", size=3))
    assert {"field": f"{year}年人均纯收入", "before": "5200.50元（2人）",
            "after": "6100.00元（3人）"} in changed.rows.get(line=4).changes
    services.batch_apply(user=rural, batch=changed)
    inc.refresh_from_db()
    assert (inc.per_capita_fen, inc.members, inc.total_fen) == (610000, 3, 1830000)
    services.batch_undo(user=rural, batch=changed)
    inc.refresh_from_db()
    assert (inc.per_capita_fen, inc.members) == (520050, 2)
    services.batch_undo(user=rural, batch=batch)
    inc.refresh_from_db()
    assert inc.void is True and HouseholdIncome.objects.count() == 1
