"""The standards file (policies/contracts/standards.yaml): the shipped file loads, and every
kind of error is named with the file and the line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from jkfp.contracts import checks, standards
from jkfp.errors import ValidationErrors

SHIPPED = Path(settings.JKFP_POLICIES_DIR) / standards.FILE


def test_the_shipped_standards():
    s = standards.load()
    ht = s.disease("hypertension", on=dt.date(2025, 6, 1))
    assert (ht.min_visits, ht.control.systolic_below, ht.control.diastolic_below,
            ht.control.older_from_age, ht.control.older_systolic_below) == (4, 140, 90, 65, 150)
    assert s.disease("diabetes_type2", on=dt.date(2025, 1, 1)).control.glucose_below == Decimal("7.0")
    smd = s.disease("severe_mental_disorder", on=dt.date(2025, 1, 1))
    assert (smd.max_gap_months, smd.standard_denominator, smd.example) == (3, "on_register", True)
    assert (smd.next_visit_days(0), smd.next_visit_days(2), smd.next_visit_days(5)) == (
        None, 30, 14)
    tb = s.disease("tuberculosis", on=dt.date(2025, 1, 1))
    assert (tb.standard_doses_percent_at_least, tb.control.doses_percent_at_least) == (90, 90)
    assert s.disease("hypertension", on=dt.date(2016, 12, 31)) is None
    assert "registered_poor" in s.sign_categories(on=dt.date(2025, 1, 1))
    assert s.package("basic", on=dt.date(2025, 1, 1)).items["followup"] == 4
    assert all(e.source or e.example for v in s.diseases.values() for e in v)


def test_next_visit_default():
    assert standards.next_visit_default("hypertension", visited_on=dt.date(2025, 11, 30)) == \
        dt.date(2026, 2, 28)
    assert standards.next_visit_default("severe_mental_disorder", visited_on=dt.date(2025, 1, 1),
                                        risk_level=4) == dt.date(2025, 1, 15)
    assert standards.next_visit_default("tuberculosis", visited_on=dt.date(2025, 1, 31)) == \
        dt.date(2025, 2, 28)


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "standards.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path, text: str) -> list[str]:
    with pytest.raises(ValidationErrors) as info:
        standards.load(_write(tmp_path, text))
    assert all(str(e.code) == "standards_invalid" for e in info.value.errors)
    return [e.message for e in info.value.errors]


def _shipped_with(old: str, new: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(("old", "new", "expected", "at"), [
    ("        min_visits: 4                # face-to-face",
     "        min_visitz: 4                # face-to-face", "未知的键“min_visitz”", "min_visitz"),
    ("        next_visit_months: 3\n        control:\n          systolic_below: 140",
     "        next_visit_months: 0\n        control:\n          systolic_below: 140",
     "须为1至12之间的整数", "next_visit_months: 0"),
    ("          glucose_below: 7.0", "          glucose_below: seven", "须为1.0至40.0之间的数",
     "glucose_below: seven"),
    ("        standard_denominator: on_register", "        standard_denominator: everyone",
     "“everyone”无效", "standard_denominator: everyone"),
    ("          doses_percent_at_least: 90", "          doses_percent_at_least: 190",
     "须为1至100之间的整数", "doses_percent_at_least: 190"),
    ("extreme_poor,", "extremely_poor,", "未知的类别“extremely_poor”", "categories:"),
    ("          health_check: 1\n          medication_guidance: 1",
     "          health_checks: 1\n          medication_guidance: 1",
     "未知的服务项目“health_checks”", "health_checks: 1"),
    ("  severe_mental_disorder:\n", "  severe_mental_disorders:\n", "未知的病种",
     "severe_mental_disorders:"),
    ("          1: 30", "          7: 30", "危险性等级须为0至5", "7: 30"),
])
def test_errors_name_the_line(tmp_path, old, new, expected, at):
    text = _shipped_with(old, new)
    messages = _errors(tmp_path, text)
    line = _line(text, at)
    assert any(expected in m and f"standards.yaml:{line}：" in m for m in messages), messages


def test_a_missing_disease_and_a_missing_key(tmp_path):
    text = _shipped_with("        min_visits: 4\n        next_visit_months: 3\n        control:\n"
                         "          glucose_below", "        next_visit_months: 3\n"
                         "        control:\n          glucose_below")
    assert any("缺少“min_visits”" in m for m in _errors(tmp_path, text))
    messages = _errors(tmp_path, "diseases: {}\nshould_sign: {values: {2016-01-01: "
                       "{categories: [registered_poor], example: true}}}\npackages: {}\n")
    assert any("缺少病种“hypertension”" in m for m in messages)
    assert any("缺少服务包“basic”" in m for m in messages)


def test_an_entry_without_a_source(tmp_path):
    text = _shipped_with("        source: 国家基本公共卫生服务规范（第三版，2017）；DOMAIN.md §12\n",
                         "        note: 无来源\n")
    messages = _errors(tmp_path, text)
    assert any("须注明来源（source）" in m for m in messages), messages
    text = _shipped_with("          health_education: 2\n        example: true\n",
                         "          health_education: 2\n        source: ''\n")
    assert any("须注明来源" in m for m in _errors(tmp_path, text))


def test_dates_out_of_order(tmp_path):
    text = _shipped_with("    2016-01-01:\n      categories:",
                         "    2017-01-01:\n      categories: [general]\n      example: true\n"
                         "    2016-01-01:\n      categories:")
    messages = _errors(tmp_path, text)
    line = _line(text, "    2016-01-01:")
    assert any("日期须按先后排列且不重复" in m and f":{line}：" in m for m in messages)


def test_yaml_syntax_and_duplicate_keys(tmp_path):
    assert any("standards.yaml" in m for m in _errors(tmp_path, "diseases: [\n"))
    text = _shipped_with("        min_visits: 4                # face-to-face",
                         "        min_visits: 4\n        min_visits: 5")
    assert _errors(tmp_path, text)
    assert any("文件内容须为映射" in m for m in _errors(tmp_path, "- 1\n"))


def test_the_system_check_reports_a_broken_file(tmp_path, settings):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "standards.yaml").write_text(_shipped_with("extreme_poor,", "nobody,"),
                                           encoding="utf-8")
    settings.JKFP_POLICIES_DIR = tmp_path
    found = checks.standards_file_valid(None)
    assert [e.id for e in found] == ["jkfp.E011"]
    assert "未知的类别“nobody”" in found[0].msg and "standards.yaml:" in found[0].msg


def test_the_system_check_passes_on_the_shipped_file():
    assert checks.standards_file_valid(None) == []
