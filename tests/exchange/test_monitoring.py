"""The monitoring export: village names resolved in their township, household categories
opened and ended as dated periods, person fields updated with history, undo restores them."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.errors import ErrorCode
from jkfp.exchange import services
from jkfp.exchange.models import BatchRow, RowStatus
from jkfp.registry.models import CategoryPeriod

from .files import xlsx

HEADER = [
    "县（市、区）",
    "乡（镇）",
    "行政村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "劳动技能",
    "联系电话",
    "户类型",
    "监测对象类别",
    "识别监测时间",
    "风险是否已消除",
    "风险消除时间",
    "风险消除方式",
    "脱贫年度",
]


def _row(p, relation, **kw):
    d = {
        "county": "盐池县",
        "township": "花马池镇",
        "village": "测试村花一",
        "household": "HH-A",
        "ability": "普通劳动力",
        "phone": "",
        "type": "监测户",
        "monitored": "边缘易致贫户",
        "month": "202103",
        "cleared": "否",
        "cleared_month": "",
        "way": "",
        "exit": "",
    }
    d.update(kw)
    return [
        d["county"],
        d["township"],
        d["village"],
        d["household"],
        "",
        p.name,
        p.id_number,
        relation,
        d["ability"],
        d["phone"],
        d["type"],
        d["monitored"],
        d["month"],
        d["cleared"],
        d["cleared_month"],
        d["way"],
        d["exit"],
    ]


def _check(user, rows):
    return services.batch_check(
        user=user,
        kind="monitoring",
        data=xlsx(HEADER, rows, title="防止返贫监测对象信息"),
        file_name="监测.xlsx",
    )


@pytest.fixture
def county_region(regions):
    from jkfp.regions.models import Region

    Region.objects.filter(code="640323").update(name="盐池县")
    Region.objects.filter(code="640323100").update(name="花马池镇")


def test_open_then_end_a_monitored_household(rural, people, county_region):
    head, wife = people["head"], people["wife"]
    batch = _check(rural, [_row(head, "户主", phone="13900001111"), _row(wife, "配偶")])
    assert batch.summary["errors"] == 0, list(BatchRow.objects.filter(batch=batch).values("errors"))
    rows = {r.line: r for r in BatchRow.objects.filter(batch=batch)}
    assert rows[4].status == RowStatus.CREATED  # the head's row carries the household's
    # the factory made the wife a child: the list's relation among members is applied
    assert rows[5].status == RowStatus.UPDATED
    assert rows[5].changes == [{"field": "与户主关系", "before": "子女", "after": "配偶"}]
    services.batch_apply(user=rural, batch=batch)
    period = CategoryPeriod.objects.get(household=head.household, category="marginal")
    assert period.start_date == dt.date(2021, 3, 1) and period.end_date is None
    head.refresh_from_db()
    assert head.phone == "13900001111" and head.history.first().history_user == rural
    cleared = _check(
        rural,
        [
            _row(
                head,
                "户主",
                phone="13900001111",
                cleared="是",
                cleared_month="202306",
                way="帮扶消除",
            ),
            _row(wife, "配偶"),
        ],
    )
    assert cleared.summary["ended"] == 1
    services.batch_apply(user=rural, batch=cleared)
    period.refresh_from_db()
    assert period.end_date == dt.date(2023, 6, 30) and period.end_way == "aided"
    services.batch_undo(user=rural, batch=cleared)
    period.refresh_from_db()
    assert period.end_date is None and period.end_way == ""
    batch.refresh_from_db()
    services.batch_undo(user=rural, batch=batch)
    head.refresh_from_db()
    period.refresh_from_db()
    assert head.phone == ""  # restored
    assert period.end_date == period.start_date and "作废" in period.end_reason


def test_village_not_found_in_its_township(rural, people, county_region):
    head = people["head"]
    batch = _check(
        rural,
        [
            _row(head, "户主", village="没有这个村"),
            _row(people["wife"], "配偶", township="没有这个镇"),
        ],
    )
    errs = {r.line: r.errors for r in BatchRow.objects.filter(batch=batch)}
    assert errs[4][0]["code"] == ErrorCode.IMPORT_VILLAGE and "没有这个村" in errs[4][0]["message"]
    assert errs[4][0]["column"] == "行政村"
    assert errs[5][0]["code"] == ErrorCode.IMPORT_VILLAGE


def test_civil_affairs_may_not_import_monitoring(civil, people, county_region):
    from jkfp.errors import DomainError

    with pytest.raises(DomainError) as exc:
        _check(civil, [_row(people["head"], "户主")])
    assert exc.value.code == ErrorCode.PERMISSION


def test_a_row_of_another_county_is_reported_not_an_error(rural, people, county_region):
    """A city's export holds every county: the rows of a county outside the user's scope are
    ignored ("reported, not applied") and do not stop the apply of the user's own rows."""
    from jkfp.regions.models import Region

    luzhou = Region.objects.get(code="140403").name
    head = people["head"]
    batch = _check(
        rural,
        [
            _row(head, "户主"),
            _row(people["wife"], "配偶", county=luzhou, township="测试镇甲", village="测试村甲一",
                 household="CZ-1"),
        ],
    )
    rows = {r.line: r for r in BatchRow.objects.filter(batch=batch)}
    assert rows[5].status == RowStatus.IGNORED and "其他区县" in rows[5].reason
    assert rows[5].errors == []
    assert batch.summary["errors"] == 0 and batch.summary["ignored"] == 1
    services.batch_apply(user=rural, batch=batch)  # no skip_invalid needed
    assert CategoryPeriod.objects.filter(household=head.household, category="marginal").exists()
    # a county name that exists nowhere is still a row error, naming the township column's row
    typo = _check(rural, [_row(head, "户主", county="不存在县")])
    assert typo.summary["errors"] == 1
