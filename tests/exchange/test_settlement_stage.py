"""The staged path of a settlement list (decision 76): the rows linked by ID kept in
`SettlementStage`, planned and written by SQL, give what the `BatchRow` path gives — the rows'
statuses, reasons and changes, the summary, the records, their provenance and the undo — on
the database the suite runs on (PostgreSQL and SQLite both run it)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jkfp.exchange import report, services
from jkfp.exchange.models import BatchRow, Change, SettlementStage
from jkfp.exchange.settlement_stage_rows import batch_rows_all
from jkfp.settlement import services as settlement_services
from jkfp.settlement.models import ExternalSettlement

from .files import xlsx
from .test_settlements import HEADER, TITLE, medical, row, settler  # noqa: F401

RECORD_FIELDS = [f.attname for f in ExternalSettlement._meta.concrete_fields
                 if f.attname not in ("id", "created_at", "voided_at", "batch_id")]


def _file(rows):
    return xlsx([*HEADER, "参保地区划"], rows, title=TITLE)


def _rows(user, batch):
    return [(r.line, r.status, r.reason, r.changes, r.person_id, r.link_status, r.applied,
             r.data.get("name"), r.data.get("id_number"), sorted(e["message"] for e in r.errors))
            for r in batch_rows_all(user=user, batch=batch)]


def _summary(batch):
    keep = ("rows", "created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful",
            "settlements_created", "settlements_linked_to_stays", "skipped_lines")
    return {k: batch.summary.get(k) for k in keep}


def _records(batch):
    qs = ExternalSettlement.objects.filter(batch_id=batch.pk).order_by("record_number", "total_fen")
    return [tuple(getattr(e, f) for f in RECORD_FIELDS) + (e.voided_at is None,) for e in qs]


def _changes(batch):
    by_id = dict(ExternalSettlement.objects.filter(batch_id=batch.pk).values_list(
        "pk", "record_number"))
    return sorted((c.line, c.model, c.action, by_id[c.object_id], c.after, c.before, c.undone)
                  for c in Change.objects.filter(batch=batch))


def _scenario(user, people, outsider):
    head, wife, other = people["head"], people["wife"], people["other"]
    first = [
        [*row(head, "N1"), ""],  # tied to jkfp's own stay of the same dates
        [*row(wife, "", visit="门诊慢特病", admission="2025-04-02", discharge="2025-04-02",
              total="300.50", basic="200", critical="0", assistance="0", fund_total="200.00",
              personal="100.50", cash="100.50", in_policy="250", line=2), ""],
        [*row(other, "N3", institution="宁夏医科大学总医院", line=3), ""],
        [*row(outsider, "N4", line=4), ""],  # not in the county: not linked, ignored
        [*row(outsider, "N5", admission="2025-09-01", discharge="2025-09-03", line=5),
         "140402"],  # another county's row: reported
        [*row(wife, "N6", total="-1", line=6), ""],  # an error
    ]
    out = {}
    b1 = services.batch_check(user=user, kind="insurance_settlements", data=_file(first),
                              file_name="a.xlsx")
    out["check1"] = (_rows(user, b1), _summary(b1))
    services.batch_apply(user=user, batch=b1, skip_invalid=True)
    b1.refresh_from_db()
    out["apply1"] = (_rows(user, b1), _summary(b1), _records(b1), _changes(b1))
    second = [
        [*row(head, "N1", total="10001.00", personal="2501.00", cash="2501.00"), ""],  # other
        first[1],  # held, no number: unchanged
        first[2],  # held: unchanged
        [*row(other, "N8", admission="2025-08-01", discharge="2025-08-02", line=4), ""],
    ]
    b2 = services.batch_check(user=user, kind="insurance_settlements", data=_file(second),
                              file_name="b.xlsx")
    out["check2"] = (_rows(user, b2), _summary(b2))
    services.batch_apply(user=user, batch=b2, skip_invalid=True)
    b2.refresh_from_db()
    out["apply2"] = (_rows(user, b2), _summary(b2), _records(b2), _changes(b2))
    again = services.batch_apply(user=user, batch=b2)  # a second apply changes nothing
    out["again"] = again["settlements_created"]
    for b in (b2, b1):
        services.batch_undo(user=user, batch=b)
    out["undone"] = (_records(b1), _records(b2), _changes(b1), _changes(b2))
    return out, (b1, b2)


@pytest.fixture
def outsider():
    from tests.conftest import CHANGZHI_VILLAGE
    from tests.factories import HouseholdFactory

    person = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    person.name = "欧阳明远"
    person.save()
    return person


def test_stage_gives_what_the_row_path_gives(medical, settler, people, outsider, settings):  # noqa: F811
    settlement_services.stay_settle(
        user=settler, person=people["head"], hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 3, 1),
        discharge_date=dt.date(2025, 3, 10), total_cost="10000", in_policy_cost="9000")
    settings.JKFP_SETTLEMENT_STAGE = True
    staged, (s1, s2) = _scenario(medical, people, outsider)
    # the linked rows were kept out of BatchRow
    assert SettlementStage.objects.filter(batch_id=s1.pk).count() == 3
    assert set(BatchRow.objects.filter(batch=s1).values_list("line", flat=True)) == {7, 8, 9}
    settings.JKFP_SETTLEMENT_STAGE = False
    plain, (p1, _p2) = _scenario(medical, people, outsider)
    assert not SettlementStage.objects.filter(batch_id=p1.pk).exists()
    for step in staged:
        assert staged[step] == plain[step], step
    # what the rows say
    rows1, summary1 = staged["check1"]
    assert [r[:3] for r in rows1] == [
        (4, "created", "证件号码一致"), (5, "created", "证件号码一致"),
        (6, "created", "证件号码一致"), (7, "doubtful", "有多名相似人员（如同村同名同出生日期），需人工确认"),
        (8, "ignored", "其他区县的行：只报告，不导入"), (9, "error", "")]
    assert "对应本系统住院记录" in rows1[0][3][0]["after"]
    assert summary1["rows"] == 6
    rows2, summary2 = staged["check2"]
    assert [r[1] for r in rows2] == ["ignored", "unchanged", "unchanged", "created"]
    assert rows2[0][2] == "结算流水号N1已导入，但内容不同：未覆盖（如需更正请先撤销原批次）"
    assert staged["apply1"][1]["settlements_created"] == 3
    assert staged["apply1"][1]["settlements_linked_to_stays"] == 1
    assert staged["again"] == 0
    assert all(not alive for *_v, alive in staged["undone"][0])


def _small(medical, people, outsider):  # noqa: F811
    rows = [[*row(people["head"], "W1"), ""], [*row(outsider, "W2", line=2), ""],
            [*row(people["wife"], "W3", line=3), ""]]
    return services.batch_check(user=medical, kind="insurance_settlements", data=_file(rows),
                                file_name="w.xlsx")


def test_staged_rows_on_the_page_and_in_the_workbook(medical, people, outsider):  # noqa: F811
    batch = _small(medical, people, outsider)
    assert [(r.line, r.status) for r in batch_rows_all(user=medical, batch=batch)] == [
        (4, "created"), (5, "doubtful"), (6, "created")]
    assert [r.line for r in batch_rows_all(user=medical, batch=batch, offset=1, limit=1)] == [5]
    c = Client()
    c.force_login(medical)
    html = c.get(f"/exchange/{batch.pk}/").content.decode()
    assert "盐池县人民医院 2025-03-01至2025-03-10" in html
    assert people["head"].id_number not in html
    wb = load_workbook(io.BytesIO(report.batch_workbook(user=medical, batch=batch)))
    sheet = next(ws for ws in wb.worksheets if ws.title == "新增")
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [4, 6]


@pytest.mark.usefixtures("api_urlconf")
def test_staged_rows_in_the_api(medical, people, outsider):  # noqa: F811
    from jkfp.accounts import tokens

    batch = _small(medical, people, outsider)
    _, raw = tokens.api_token_issue(user=medical)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    got = api.get(f"/api/v1/exchange/batches/{batch.pk}/rows").json()
    assert [(r["line"], r["status"], r["link_status"]) for r in got] == [
        (4, "created", "exact"), (5, "doubtful", "doubtful"), (6, "created", "exact")]
    got = api.get(f"/api/v1/exchange/batches/{batch.pk}/rows?status=created&offset=1").json()
    assert [r["line"] for r in got] == [6]


@pytest.mark.django_db
@pytest.mark.postgresql
def test_record_ids_reserved_as_a_range_in_order():
    """Decision 87: the ids reserved for the staged rows come from the records' sequence, in
    order, distinct from the next reservation and from the id the next record gets."""
    from django.db import connection

    from jkfp.exchange.settlement_stage import _reserve_ids

    assert connection.vendor == "postgresql"  # (SQLite numbers the records at the apply)
    with connection.cursor() as cur:
        first = _reserve_ids(cur, 5).to_list()
        second = _reserve_ids(cur, 3).to_list()
    assert len(first) == 5 and first == list(range(first[0], first[0] + 5))
    assert second[0] > first[-1] and second == sorted(second) and len(set(second)) == 3
    record_id = ExternalSettlement._meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [record_id])
        assert cur.fetchone()[0] > second[-1]


@pytest.mark.postgresql
def test_stage_with_the_tables_rebuilt_gives_what_the_row_path_gives(
        medical, settler, people, outsider, settings, monkeypatch):  # noqa: F811
    """Decision 92: the first apply writes into an empty records table, so with a floor of
    one row its indexes and foreign keys are dropped and created again; the second writes
    fewer rows than the table holds and keeps them. Rows, summaries, records, their
    provenance (batch and line, decision 98) and undo are those of the row path all the same."""
    from jkfp import bulkrebuild
    from jkfp.exchange.settlement_stage import RECORDS

    settlement_services.stay_settle(
        user=settler, person=people["head"], hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 3, 1),
        discharge_date=dt.date(2025, 3, 10), total_cost="10000", in_policy_cost="9000")
    taken, begin = [], bulkrebuild.begin

    def spy(tables, incoming, **kw):
        got = begin(tables, incoming, **kw)
        taken.append((incoming, got.tables))
        return got

    monkeypatch.setattr(bulkrebuild, "begin", spy)
    settings.JKFP_BULK_REBUILD_MIN_ROWS = 1
    settings.JKFP_SETTLEMENT_STAGE = True
    staged, _ = _scenario(medical, people, outsider)
    assert taken == [(3, [RECORDS]), (1, [])]
    settings.JKFP_SETTLEMENT_STAGE = False
    plain, _ = _scenario(medical, people, outsider)
    for step in staged:
        assert staged[step] == plain[step], step


@pytest.mark.django_db
@pytest.mark.postgresql
def test_record_ids_when_another_transaction_holds_the_sequence():
    """Decision 92: a transaction that took ids and is still open holds the lock `ALTER
    SEQUENCE` waits for; after 2 s the ids are taken by `nextval` instead, none of them the
    other's, and the session's lock timeout is as it was."""
    import psycopg
    from django.db import connection

    from jkfp.exchange.settlement_stage import _reserve_ids

    s = connection.settings_dict
    other = psycopg.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"],
                            port=s["PORT"] or 5432, password=s["PASSWORD"] or None)
    try:
        (theirs,) = other.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))",
                                  [ExternalSettlement._meta.db_table]).fetchone()
        with connection.cursor() as cur:
            cur.execute("SHOW lock_timeout")
            (timeout,) = cur.fetchone()
            ours = _reserve_ids(cur, 4).to_list()
            cur.execute("SHOW lock_timeout")
            assert cur.fetchone()[0] == timeout
    finally:
        other.rollback()
        other.close()
    assert len(set(ours)) == 4 and ours == sorted(ours) and theirs not in ours
