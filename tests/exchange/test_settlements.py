"""The platform's settlement records (kind `insurance_settlements`) end to end: real-shaped
files (title rows, header variants, GB18030 CSV and .xlsx), the row checks with their Chinese
messages, apply, second apply, undo, scope, the link to jkfp's own stays."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.exchange.models import BatchState, Change
from jkfp.settlement import services as settlement_services
from jkfp.settlement.models import ExternalSettlement

from .files import csv_bytes, xlsx

HEADER = [
    "序号", "参保人姓名", "人员证件号码", "险种类型", "人员类别", "医疗类别", "定点医药机构名称",
    "医院等级", "就医地", "入院日期", "出院日期", "结算流水号", "医疗费总额", "全自费金额",
    "符合政策范围金额", "统筹基金支出", "大病保险支出", "医疗救助基金支出", "其他基金支出",
    "基金支付总额", "医院负担金额", "个人负担总金额", "个人账户支出", "个人现金支出",
]
TITLE = "盐池县城乡居民医疗保险结算清单（2025年）"


@pytest.fixture
def medical(make_user):
    return make_user("640323", Role.REVIEWER, Department.MEDICAL_INSURANCE,
                     username="yb_rev", full_name="医保审核员")


@pytest.fixture
def settler(make_user):
    return make_user("640323", Role.DATA_ENTRY, Department.MEDICAL_INSURANCE,
                     username="yb_entry")


def row(person, number, *, total="10000.00", basic="6000.00", critical="1000.00",
        assistance="500.00", other="0", fund_total="7500.00", hospital="0", personal="2500.00",
        account="0", cash="2500.00", visit="住院", admission="2025-03-01",
        discharge="2025-03-10", institution="盐池县人民医院", in_policy="9000.00", line=1):
    return [line, person.name, person.id_number, "城乡居民基本医疗保险", "特困人员", visit,
            institution, "二级甲等", "县域内", admission, discharge, number, total, "100.00",
            in_policy, basic, critical, assistance, other, fund_total, hospital, personal,
            account, cash]


def _check(user, data, name="结算清单.xlsx"):
    return services.batch_check(user=user, kind="insurance_settlements", data=data,
                                file_name=name)


def _counts(batch):
    s = batch.summary
    keys = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")
    assert sum(s[k] for k in keys) == s["rows"]
    return {k: s[k] for k in keys if s[k]}


def test_xlsx_apply_second_apply_undo(medical, people):
    head, wife = people["head"], people["wife"]
    rows = [row(head, "JS0001"),
            row(wife, "", visit="门诊慢特病", admission="2025/4/2", discharge="20250402",
                total="300.50", basic="200", critical="0", assistance="0", fund_total="200.00",
                personal="100.50", cash="100.50", in_policy="250", line=2)]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert batch.header_line == 3
    assert _counts(batch) == {"created": 2}
    summary = services.batch_apply(user=medical, batch=batch)
    assert summary["settlements_created"] == 2
    e = ExternalSettlement.objects.get(person=head)
    assert (e.record_number, e.visit_type, e.hospital_grade, e.location) == (
        "JS0001", "inpatient", 2, "county")
    assert (e.total_fen, e.basic_fen, e.critical_fen, e.assistance_fen, e.fund_total_fen,
            e.personal_fen, e.cash_fen, e.fully_self_fen, e.in_policy_fen) == (
        1000000, 600000, 100000, 50000, 750000, 250000, 250000, 10000, 900000)
    assert (e.batch_id, e.region_code, e.county_code) == (batch.pk, head.region_code, "640323")
    w = ExternalSettlement.objects.get(person=wife)
    assert (w.visit_type, w.admission_date, w.discharge_date, w.total_fen, w.personal_fen) == (
        "outpatient", dt.date(2025, 4, 2), dt.date(2025, 4, 2), 30050, 10050)
    # provenance: the batch and the line on the record itself, no Change row per record
    assert sorted(ExternalSettlement.objects.filter(batch_id=batch.pk)
                  .values_list("batch_line", flat=True)) == [4, 5]
    assert not Change.objects.filter(batch=batch, model="settlement.ExternalSettlement").exists()

    again = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(again) == {"unchanged": 2}
    assert services.batch_apply(user=medical, batch=again)["settlements_created"] == 0
    assert ExternalSettlement.objects.count() == 2
    assert Change.objects.filter(batch=again).count() == 0

    batch.refresh_from_db()
    services.batch_undo(user=medical, batch=batch)
    assert ExternalSettlement.objects.count() == 2  # nothing deleted
    assert ExternalSettlement.objects.filter(voided_at__isnull=False).count() == 2
    batch.refresh_from_db()
    assert batch.state == BatchState.UNDONE
    redo = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(redo) == {"created": 2}
    services.batch_apply(user=medical, batch=redo)
    assert ExternalSettlement.objects.filter(voided_at__isnull=True).count() == 2


def test_gb18030_csv_with_other_header_variants(medical, people):
    head = people["head"]
    header = ["姓名", "身份证号码", "就诊类型", "医疗机构", "入院时间", "出院时间", "就诊流水号",
              "医疗总费用", "基本医疗保险统筹基金支出", "大病保险支出", "医疗救助支出",
              "个人负担金额"]
    data = csv_bytes(header, [[head.name, head.id_number, "普通住院", "宁夏医科大学总医院",
                               "2025-01-05", "2025-01-20", "ZY9", "23456.78", "15000", "2000",
                               "1000.01", "5456.77"]], title=TITLE)
    batch = _check(medical, data, name="结算.csv")
    assert batch.summary["encoding"].lower().replace("-", "") == "gb18030"
    assert _counts(batch) == {"created": 1}
    services.batch_apply(user=medical, batch=batch)
    e = ExternalSettlement.objects.get(person=head)
    # the fund total is completed from its parts when the file has no such column
    assert (e.total_fen, e.fund_total_fen, e.personal_fen, e.assistance_fen) == (
        2345678, 1800001, 545677, 100001)


def _errors(batch):
    return {(r.line, e["column"], e["message"]) for r in batch.rows.all() for e in r.errors}


def test_bad_input_every_row_reported(medical, people):
    head, wife, other = people["head"], people["wife"], people["other"]
    rows = [
        row(head, "A1", discharge="2025-02-27", line=1),  # discharge before admission
        row(wife, "A2", fund_total="7600.00", personal="2400.00", cash="2400.00", line=2),
        row(other, "A3", personal="2600.00", cash="2600.00", line=3),  # personal ≠ total−funds
        row(head, "A4", total="1,000.00", line=4),
        row(head, "A5", personal="2500元", line=5),
        row(head, "A6", admission="2025/13/01", line=6),
        row(head, "A1", admission="2025-05-01", discharge="2025-05-03", line=7),  # number twice
        row(wife, "A8", visit="急诊", line=8),
        row(wife, "A9", account="100", cash="2500.00", line=9),
    ]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    errors = _errors(batch)
    lines = {line for line, _c, _m in errors}
    assert lines == {4, 5, 6, 7, 8, 9, 10, 11, 12}  # the data start on line 4
    assert (4, "出院日期", "出院日期（2025-02-27）早于入院日期（2025-03-01）") in errors
    assert (5, "基金支付总额", "基金支付总额（7600.00）不等于统筹基金支出＋大病保险支出＋"
            "医疗救助基金支出＋其他基金支出（7500.00）") in errors
    assert (6, "个人负担总金额", "个人负担总金额（2600.00）不等于医疗费总额－基金支付总额－"
            "医院负担金额（2500.00）") in errors
    assert any(line == 7 and col == "医疗费总额" and "千位分隔符" in m for line, col, m in errors)
    assert any(line == 8 and col == "个人负担总金额" and "元" in m for line, col, m in errors)
    assert any(line == 9 and col == "入院日期" and "2025/13/01" in m for line, col, m in errors)
    assert (10, "结算流水号", "结算流水号“A1”与第4行重复") in errors
    assert any(line == 11 and col == "医疗类别" and "急诊" in m for line, col, m in errors)
    assert (12, "个人现金支出", "个人账户支出＋个人现金支出（2600.00）不等于个人负担总金额"
            "（2500.00）") in errors
    assert _counts(batch) == {"errors": 9}
    with pytest.raises(DomainError) as exc:
        services.batch_apply(user=medical, batch=batch)
    assert "有9行错误" in exc.value.message
    assert not ExternalSettlement.objects.exists()


def test_duplicate_rows_without_number(medical, people):
    head = people["head"]
    rows = [row(head, "", line=1), row(head, "", line=2)]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert _counts(batch) == {"created": 1, "errors": 1}
    (err,) = [e for r in batch.rows.all() for e in r.errors]
    assert err["message"].startswith("与第4行重复（人员证件号码、医疗类别")


def test_skip_invalid_applies_the_valid_rows_only(medical, people):
    head, wife = people["head"], people["wife"]
    rows = [row(head, "B1", line=1), row(wife, "B2", total="-5", line=2)]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    assert any("不能为负数" in e["message"] for r in batch.rows.all() for e in r.errors)
    summary = services.batch_apply(user=medical, batch=batch, skip_invalid=True)
    assert summary["skipped_lines"] == [5]
    assert list(ExternalSettlement.objects.values_list("record_number", flat=True)) == ["B1"]


def test_links_to_own_stay_of_same_dates(medical, settler, people):
    head = people["head"]
    stay = settlement_services.stay_settle(
        user=settler, person=head, hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 3, 1),
        discharge_date=dt.date(2025, 3, 10), total_cost="10000", in_policy_cost="9000").stay
    rows = [row(head, "S1"), row(head, "S2", admission="2025-06-01", discharge="2025-06-05",
                                 line=2)]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))
    summary = services.batch_apply(user=medical, batch=batch)
    assert summary["settlements_linked_to_stays"] == 1
    assert ExternalSettlement.objects.get(record_number="S1").stay_id == stay.pk
    assert ExternalSettlement.objects.get(record_number="S2").stay_id is None


def test_scope_other_county_is_reported_not_applied(medical, people, make_user):
    """A person outside the importer's county is not found (ignored); a row whose region
    column names another county is reported as such."""
    from tests.conftest import CHANGZHI_VILLAGE
    from tests.factories import HouseholdFactory

    outsider = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    outsider.name = "欧阳明远"
    outsider.save()
    header = [*HEADER, "参保地区划"]
    rows = [[*row(people["head"], "C1"), "640323"], [*row(outsider, "C2", line=2), "140402"],
            [*row(outsider, "C3", admission="2025-07-01", discharge="2025-07-02", line=3), ""]]
    batch = _check(medical, xlsx(header, rows, title=TITLE))
    reasons = dict(batch.rows.values_list("line", "reason"))
    assert reasons[5] == "其他区县的行：只报告，不导入"
    # no region column value: linked only within the county, never to the outsider
    last = batch.rows.get(line=6)
    assert last.person_id is None and last.status in ("ignored", "doubtful")
    assert outsider.pk not in {c["person_id"] for c in last.candidates}
    services.batch_apply(user=medical, batch=batch)
    assert list(ExternalSettlement.objects.values_list("record_number", flat=True)) == ["C1"]


def test_only_medical_insurance_reviewers_at_county_import(make_user, people):
    clerk = make_user("640323", Role.DATA_ENTRY, Department.MEDICAL_INSURANCE, username="e1")
    civil = make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="e2")
    township = make_user("640323100", Role.REVIEWER, Department.MEDICAL_INSURANCE, username="e3")
    data = xlsx(HEADER, [row(people["head"], "P1")], title=TITLE)
    for user in (clerk, civil, township):
        with pytest.raises(DomainError):
            _check(user, data)


def test_apply_failing_half_way_leaves_nothing(medical, people, monkeypatch):
    from jkfp.exchange import applying

    rows = [row(people["head"], "F1"), row(people["wife"], "F2", line=2)]
    batch = _check(medical, xlsx(HEADER, rows, title=TITLE))

    def boom(*a, **k):
        raise RuntimeError("simulated failure after the records were written")

    # the provenance rows are written after the records
    monkeypatch.setattr(applying, "insert_objects", boom)
    with pytest.raises(RuntimeError):
        services.batch_apply(user=medical, batch=batch)
    assert not ExternalSettlement.objects.exists()
    assert not Change.objects.exists()
    batch.refresh_from_db()
    assert batch.state == BatchState.FAILED
    monkeypatch.undo()
    services.batch_apply(user=medical, batch=batch)
    assert ExternalSettlement.objects.count() == 2


def test_records_shown_where_the_person_stays_are(medical, people, make_user):
    from django.test import Client

    from jkfp.health.timeline import person_timeline
    from tests.conftest import VILLAGE

    head = people["head"]
    batch = _check(medical, xlsx(HEADER, [row(head, "T1")], title=TITLE))
    services.batch_apply(user=medical, batch=batch)
    health = make_user(VILLAGE, Role.DATA_ENTRY, Department.HEALTH, username="wj_t")
    entries = [e for e in person_timeline(user=health, person=head) if "医保平台" in e.title]
    assert [(e.on, e.title) for e in entries] == [
        (dt.date(2025, 3, 10), "医保平台住院结算：盐池县人民医院")]
    assert "个人负担2500.00元" in entries[0].detail
    c = Client()
    c.force_login(health)
    html = c.get(f"/persons/{head.pk}/statements/").content.decode()
    assert 'id="external-settlements"' in html and "2,500.00" in html
    assert head.id_number not in html
    # another county's user does not reach the person
    other = make_user("1404", Role.REVIEWER, Department.HEALTH, username="wj_cz")
    c.force_login(other)
    assert c.get(f"/persons/{head.pk}/statements/").status_code == 404
    batch.refresh_from_db()
    services.batch_undo(user=medical, batch=batch)
    assert not [e for e in person_timeline(user=health, person=head) if "医保平台" in e.title]
