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


NEW_HEADER = ["县（市、区）", "乡（镇）", "行政村", "户编号", "姓名", "证件号码", "与户主关系",
              "劳动技能", "联系电话", "户类型", "监测对象类别", "识别监测时间"]


def test_new_household_and_members_created_with_its_category_then_undone(rural, people):
    import datetime as dt

    from jkfp.registry.models import CategoryPeriod, Household, Person
    from tests.factories import make_id

    head_id = make_id("640323", dt.date(1961, 2, 3), "M")
    wife_id = make_id("640323", dt.date(1963, 4, 5), "F")
    joiner_id = make_id("640323", dt.date(1999, 9, 9), "F")
    rows = [
        ["盐池县", "花马池镇", "测试村花一", "NEW-1", "马新民", head_id, "户主", "普通劳动力",
         "13900000001", "监测户", "边缘易致贫户", "202403"],
        ["盐池县", "花马池镇", "测试村花一", "NEW-1", "马秀兰", wife_id, "配偶", "弱劳动力",
         "", "监测户", "", ""],
        # a new member of a household the registry holds (the head's, HH-A)
        ["盐池县", "花马池镇", "测试村花一", "HH-A", "王小芳", joiner_id, "子女",
         "普通劳动力", "", "监测户", "", ""],
        # a second head for a held household: refused
        ["盐池县", "花马池镇", "测试村花一", "HH-A", "王某某",
         make_id("640323", dt.date(1980, 1, 1), "M"), "户主", "普通劳动力", "", "监测户", "",
         ""],
        # a new household without a head: refused
        ["盐池县", "花马池镇", "测试村花一", "NEW-2", "李无主",
         make_id("640323", dt.date(1985, 1, 1), "M"), "子女", "普通劳动力", "", "监测户", "",
         ""],
    ]
    batch = services.batch_check(user=rural, kind="monitoring", file_name="监测.xlsx",
                                 data=xlsx(NEW_HEADER, rows))
    s = batch.summary
    assert (s["created"], s["errors"]) == (3, 2), [(r.line, r.status, r.errors, r.reason) for r in batch.rows.all()]
    assert batch.rows.get(line=4).changes[0] == {"field": "新建人员", "before": "无",
                                                   "after": "马新民，新户NEW-1"}
    msgs = {r.line: r.errors[0]["message"] for r in batch.rows.filter(status="error")}
    assert msgs == {7: "户编号HH-A在登记中已有户主", 8: "户编号NEW-2为新户，名单中须有且只有一名户主"}
    summary = services.batch_apply(user=rural, batch=batch, skip_invalid=True)
    assert (summary["persons_created"], summary["households_created"]) == (3, 1)
    hh = Household.objects.get(household_number="NEW-1")
    head = Person.objects.get(id_number=head_id)
    assert (hh.head_id, hh.village_id, head.sex, head.birth_date, head.phone) == (
        head.pk, "640323100201", "M", dt.date(1961, 2, 3), "13900000001")
    assert Person.objects.get(id_number=wife_id).work_ability == "weak"
    assert Person.objects.get(id_number=joiner_id).household_id == people["head"].household_id
    assert CategoryPeriod.objects.filter(household=hh, start_date=dt.date(2024, 3, 1)).exists()
    assert batch.rows.get(line=4).status == "created"
    again = services.batch_check(user=rural, kind="monitoring", file_name="监测.xlsx",
                                 data=xlsx(NEW_HEADER, rows[:3]))
    assert again.summary["unchanged"] == 3
    services.batch_undo(user=rural, batch=batch)
    hh.refresh_from_db()
    assert hh.ended_on is not None and "撤销导入批次" in hh.end_reason
    assert Person.objects.filter(id_number=head_id).exists()  # nothing deleted
