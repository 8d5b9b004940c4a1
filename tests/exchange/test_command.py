"""`jkfp import KIND FILE --as USERNAME (--dry-run | --apply) …`: exit codes, JSON summary,
the comparison workbook."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jkfp.registry.idnumber import mask
from jkfp.registry.models import CategoryPeriod

from .files import csv_bytes

HEADER = ["姓名", "身份证号", "类别", "开始日期"]
KEYS = ("rows", "created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")


def _run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path, people):
    head = people["head"]
    path = tmp_path / "民政名单.csv"
    path.write_bytes(
        csv_bytes(
            HEADER, [[head.name, head.id_number, "低保", "2023-01-01"]], title="盐池县低保名单"
        )
    )
    return path


def test_dry_run_then_apply(civil, good_file, tmp_path):
    out_json = tmp_path / "s.json"
    report = tmp_path / "r.xlsx"
    code, out, _ = _run(
        "civil_affairs",
        str(good_file),
        "--as",
        civil.username,
        "--dry-run",
        "--summary-json",
        str(out_json),
        "--report",
        str(report),
    )
    assert code == 0 and "created 1" in out
    summary = json.loads(out_json.read_text(encoding="utf-8"))
    assert all(isinstance(summary[k], int) for k in KEYS)
    assert summary["created"] == 1 and not CategoryPeriod.objects.exists()
    wb = load_workbook(report)
    assert {
        "汇总",
        "错误",
        "新增",
        "更新",
        "终止",
        "待人工确认",
        "登记中有而名单中无",
        "矛盾",
    } <= set(wb.sheetnames)
    assert wb["新增"].cell(row=2, column=6).value == "低保对象"
    code, out, _ = _run("civil_affairs", str(good_file), "--as", civil.username, "--apply")
    assert code == 0 and CategoryPeriod.objects.count() == 1
    code, out, _ = _run(
        "civil_affairs",
        str(good_file),
        "--as",
        civil.username,
        "--apply",
        "--summary-json",
        str(out_json),
    )
    assert code == 0 and json.loads(out_json.read_text())["unchanged"] == 1
    assert CategoryPeriod.objects.count() == 1  # the second apply of the same file: no-op


def test_errors_stop_the_apply_with_exit_1(civil, people, tmp_path):
    head = people["head"]
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_bytes(
            HEADER,
            [
                [head.name, head.id_number, "低保", "2023-01-01"],
                ["坏", "12345", "低保", "2021/13/01"],
            ],
        )
    )
    code, out, err = _run("civil_affairs", str(path), "--as", civil.username, "--apply")
    assert code == 1 and "第3行" in out and "未导入" in err
    assert not CategoryPeriod.objects.exists()
    out_json = tmp_path / "s.json"
    code, out, _ = _run(
        "civil_affairs",
        str(path),
        "--as",
        civil.username,
        "--apply",
        "--skip-invalid",
        "--summary-json",
        str(out_json),
    )
    summary = json.loads(out_json.read_text())
    assert code == 0 and summary["skipped_lines"] == [3] and CategoryPeriod.objects.count() == 1


def test_not_a_spreadsheet_exits_1(civil, tmp_path, regions):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\x00\x00")
    code, _, err = _run("civil_affairs", str(path), "--as", civil.username, "--dry-run")
    assert code == 1 and "不是电子表格" in err


def test_refused_without_as(regions, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(CommandError):
        call_command("import", "civil_affairs", str(path), "--dry-run")


def test_the_report_names_who_the_list_lacks_in_chinese(civil, good_file, people, tmp_path):
    """登记中有而名单中无: the person's name, masked ID, village and category in Chinese, as a
    civil-affairs clerk reads them; the 关联 column in words, not codes."""
    other = people["other"]
    CategoryPeriod.objects.create(category="extreme_poor", person=other,
                                  region_code=other.region_code,
                                  start_date=dt.date(2022, 5, 1), source="civil_affairs")
    report = tmp_path / "r.xlsx"
    code, _, _ = _run("civil_affairs", str(good_file), "--as", civil.username, "--dry-run",
                      "--report", str(report))
    assert code == 0
    wb = load_workbook(report)
    rows = list(wb["登记中有而名单中无"].iter_rows(values_only=True))
    assert rows[0][:6] == ("姓名（户的类别为户主）", "证件号码", "户编号", "所在村", "区划代码",
                           "类别")
    mine = [r for r in rows[1:] if r[-1] == other.pk]
    assert len(mine) == 1
    name, idn, number, village, region, category, level, start, _ = mine[0]
    assert (name, idn, number, region, category, level, start) == (
        other.name, mask(other.id_number), other.household.household_number,
        other.region_code, "特困人员", "个人", "2022-05-01")
    assert village == other.household.village.name
    assert wb["新增"].cell(row=2, column=4).value == "证件号码一致"
