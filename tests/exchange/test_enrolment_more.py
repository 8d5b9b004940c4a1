"""The enrolment list through the command line and the comparison workbook; an apply that
fails half way writes no enrolment; the file of the categories to be insured is checked."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jkfp.errors import ValidationErrors
from jkfp.exchange import enrolment_share, report, services
from jkfp.exchange.models import BatchState, Enrolment

from .files import csv_bytes, xlsx
from .test_enrolment import HEADER, TITLE, medical  # noqa: F401 (fixture)


def test_command_apply_with_summary_json(medical, people, tmp_path):  # noqa: F811
    head = people["head"]
    path = tmp_path / "参保.csv"
    path.write_bytes(
        csv_bytes(
            ["证件号码", "姓名", "参保年度", "参保状态", "资助类别", "资助金额"],
            [[head.id_number, head.name, "2025", "正常参保", "低保对象", "120.00"]],
            title=TITLE,
        )
    )
    out_json = tmp_path / "s.json"
    out = io.StringIO()
    call_command(
        "import",
        "enrolment",
        str(path),
        "--as",
        medical.username,
        "--apply",
        "--summary-json",
        str(out_json),
        stdout=out,
    )
    summary = json.loads(out_json.read_text(encoding="utf-8"))
    assert (summary["rows"], summary["created"], summary["enrolments_created"]) == (1, 1, 1)
    assert Enrolment.objects.get(person=head).subsidy_fen == 12000


def test_comparison_workbook_sheets(medical, people):  # noqa: F811
    head = people["head"]
    rows = [[1, head.name, head.id_number, 2025, "参保", None, "1"]]
    services.batch_apply(
        user=medical,
        batch=services.batch_check(
            user=medical, kind="enrolment", data=xlsx(HEADER, rows, title=TITLE), file_name="a"
        ),
    )
    rows = [[1, head.name, head.id_number, 2025, "停保", None, "1"]]
    batch = services.batch_check(
        user=medical, kind="enrolment", data=xlsx(HEADER, rows, title=TITLE), file_name="b"
    )
    wb = load_workbook(io.BytesIO(report.batch_workbook(user=medical, batch=batch)))
    assert "登记中有而名单中无" in wb.sheetnames
    cells = [c for r in wb["更新"].iter_rows(values_only=True) for c in r]
    assert "2025年参保状态" in cells and "参保" in cells and "停保" in cells
    assert head.id_number not in cells  # masked


def test_a_failure_half_way_writes_no_enrolment(medical, people, monkeypatch):  # noqa: F811
    head = people["head"]
    batch = services.batch_check(
        user=medical,
        kind="enrolment",
        data=xlsx(HEADER, [[1, head.name, head.id_number, 2025, "参保", None, None]]),
        file_name="a",
    )

    def boom(*args, **kwargs):
        raise RuntimeError("模拟的故障")

    from jkfp.exchange import applying

    monkeypatch.setattr(applying, "insert_objects", boom)  # after the enrolments are written
    with pytest.raises(RuntimeError):
        services.batch_apply(user=medical, batch=batch)
    monkeypatch.undo()
    assert not Enrolment.objects.exists()
    batch.refresh_from_db()
    assert batch.state == BatchState.FAILED
    services.batch_apply(user=medical, batch=batch)  # the retry
    assert Enrolment.objects.count() == 1


def test_categories_file_is_checked(tmp_path):
    bad = tmp_path / "enrolment.yaml"
    bad.write_text(
        "description: x\nexample: true\ncategories:\n  - minimum_living\n  - rich\nextra: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationErrors) as exc:
        enrolment_share.load_file(bad, display="exchange/enrolment.yaml")
    messages = [e.message for e in exc.value.errors]
    assert any("“rich”未知" in m and "enrolment.yaml:3" in m for m in messages)
    assert any("未知的键“extra”" in m and "enrolment.yaml:6" in m for m in messages)
    rule = enrolment_share.insured_rule()
    assert rule.example and "minimum_living" in rule.categories
