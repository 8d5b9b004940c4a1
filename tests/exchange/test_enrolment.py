"""The medical-insurance enrolment list end to end: real-shaped files (title rows, header
variants, GB18030 CSV and .xlsx), bad input, apply, second apply, undo, scope."""

from __future__ import annotations

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.exchange.models import BatchState, Change, Enrolment
from tests.conftest import CHANGZHI_VILLAGE
from tests.factories import HouseholdFactory

from .files import csv_bytes, xlsx

HEADER = ["序号", "人员姓名", "身份证号码", "年度", "参保标志", "资助人员类别", "资助金额（元）"]
TITLE = "盐池县城乡居民基本医疗保险参保人员名单"


@pytest.fixture
def medical(make_user):
    return make_user(
        "640323",
        Role.REVIEWER,
        Department.MEDICAL_INSURANCE,
        username="yb_user",
        full_name="医保审核员",
    )


def _check(user, data, name="参保名单.xlsx"):
    return services.batch_check(user=user, kind="enrolment", data=data, file_name=name)


def _counts(batch):
    s = batch.summary
    keys = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    assert sum(s[k] for k in keys) == s["rows"]
    return {k: s[k] for k in keys if s[k]}


def test_xlsx_apply_second_apply_undo(medical, people):
    head, wife = people["head"], people["wife"]
    rows = [
        [1, head.name, head.id_number, 2025, "已参保", "特困人员全额资助", "380.00"],
        [2, wife.name, wife.id_number, "2025", "未参保", None, None],
    ]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert batch.header_line == 3
    assert _counts(batch) == {"created": 2}
    summary = services.batch_apply(user=medical, batch=batch)
    assert summary["enrolments_created"] == 2
    e = Enrolment.objects.get(person=head, year=2025)
    assert (e.status, e.subsidy_category, e.subsidy_fen, e.batch) == (
        "insured",
        "特困人员全额资助",
        38000,
        batch,
    )
    assert e.history.first().history_user == medical
    assert Enrolment.objects.get(person=wife, year=2025).subsidy_fen is None
    assert Change.objects.filter(batch=batch, model="exchange.Enrolment").count() == 2

    again = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(again) == {"unchanged": 2}
    assert services.batch_apply(user=medical, batch=again)["enrolments_created"] == 0
    assert Change.objects.filter(batch=again).count() == 0

    changed = _check(
        medical,
        xlsx(HEADER, [[1, head.name, head.id_number, 2025, "停保", "特困人员全额资助", "380"]]),
    )
    assert _counts(changed) == {"updated": 1}
    row = changed.rows.get()
    assert row.changes == [{"field": "2025年参保状态", "before": "参保", "after": "停保"}]
    services.batch_apply(user=medical, batch=changed)
    e.refresh_from_db()
    assert (e.status, e.batch_id) == ("suspended", changed.pk)

    services.batch_undo(user=medical, batch=changed)
    e.refresh_from_db()
    assert (e.status, e.batch_id, e.void) == ("insured", batch.pk, False)
    batch.refresh_from_db()
    services.batch_undo(user=medical, batch=batch)
    assert Enrolment.objects.filter(void=True).count() == 2  # nothing deleted
    batch.refresh_from_db()
    assert batch.state == BatchState.UNDONE
    # after the undo the same list creates them again
    redo = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(redo) == {"created": 2}
    services.batch_apply(user=medical, batch=redo)
    assert Enrolment.objects.filter(void=False).count() == 2
    assert Enrolment.objects.count() == 2  # one per person and year


def test_gb18030_csv_with_other_header_variants(medical, people):
    head = people["head"]
    header = ["姓名", "公民身份号码", "参保年度", "参保状态", "资助类别", "资助金额"]
    data = csv_bytes(
        header,
        [[head.name, head.id_number, "2024年", "参保缴费", "低保对象定额资助", "200.5"]],
        title=TITLE,
    )
    batch = _check(medical, data, name="参保.csv")
    assert batch.summary["encoding"].lower().replace("-", "") == "gb18030"
    assert _counts(batch) == {"created": 1}
    services.batch_apply(user=medical, batch=batch)
    e = Enrolment.objects.get(person=head)
    assert (e.year, e.status, e.subsidy_fen) == (2024, "insured", 20050)


def test_bad_input_every_row_reported(medical, people):
    head, wife, other = people["head"], people["wife"], people["other"]
    rows = [
        [1, head.name, head.id_number, "二〇二五", "参保", None, "100"],
        [2, wife.name, wife.id_number, "25", "参保", None, "100"],
        [3, other.name, other.id_number, 2025, "参保", None, "380元"],
        [4, head.name, head.id_number, 2024, "待定", None, "1,380.00"],
    ]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(batch) == {"errors": 4}
    errors = {r.line: r.errors for r in batch.rows.all()}
    assert "不是年度" in errors[4][0]["message"] and errors[4][0]["column"] == "年度"
    assert "不是年度" in errors[5][0]["message"]
    assert "元" in errors[6][0]["message"] and errors[6][0]["column"] == "资助金额(元)"
    messages = " ".join(e["message"] for e in errors[7])
    assert "“待定”不是可选值" in messages and "千位分隔符" in messages
    with pytest.raises(DomainError, match="4行错误"):
        services.batch_apply(user=medical, batch=batch)
    assert not Enrolment.objects.exists()


def test_duplicate_person_year_and_deceased(medical, people):
    head, dead = people["head"], people["dead"]
    rows = [
        [1, head.name, head.id_number, 2025, "参保", None, None],
        [2, head.name, head.id_number, 2026, "参保", None, None],
        [3, dead.name, dead.id_number, 2025, "参保", None, None],
    ]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(batch) == {"created": 2, "ignored": 1}
    assert "死亡" in batch.rows.get(line=6).reason
    assert batch.comparison["contradictions"][0]["what"] == "死亡与在保矛盾"
    services.batch_apply(user=medical, batch=batch)
    assert sorted(Enrolment.objects.values_list("year", flat=True)) == [2025, 2026]


def test_a_person_outside_the_county_is_not_seen(medical, regions):
    """A 长治 person is outside a 盐池 user's scope: the row finds nobody and writes nothing."""
    far = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    batch = _check(medical, xlsx(HEADER, [[1, far.name, far.id_number, 2025, "参保", None, None]]))
    assert _counts(batch) == {"ignored": 1}
    assert batch.rows.get().person_id is None
    services.batch_apply(user=medical, batch=batch)
    assert not Enrolment.objects.exists()


def test_only_medical_insurance_imports(civil, people):
    data = xlsx(HEADER, [[1, "某", people["head"].id_number, 2025, "参保", None, None]])
    with pytest.raises(DomainError):
        _check(civil, data)


def test_a_list_without_subsidy_columns_keeps_them(medical, people):
    head = people["head"]
    rows = [[1, head.name, head.id_number, 2025, "参保", "低保对象", "200"]]
    services.batch_apply(user=medical, batch=_check(medical, xlsx(HEADER, rows, title=TITLE)))
    short = xlsx(
        ["姓名", "身份证号", "参保年度", "参保状态"], [[head.name, head.id_number, 2025, "参保"]]
    )
    assert _counts(_check(medical, short)) == {"unchanged": 1}
    stopped = _check(
        medical,
        xlsx(
            ["姓名", "身份证号", "参保年度", "参保状态"],
            [[head.name, head.id_number, 2025, "停保"]],
        ),
    )
    assert _counts(stopped) == {"updated": 1}
    services.batch_apply(user=medical, batch=stopped)
    e = Enrolment.objects.get()
    assert (e.status, e.subsidy_category, e.subsidy_fen) == ("suspended", "低保对象", 20000)
