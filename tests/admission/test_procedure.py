"""The procedure's thresholds are dated data: validated strictly with file and line, and the
services follow what the file says on the date in question."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from jkfp.admission import procedure, services
from jkfp.errors import DomainError, ErrorCode, ValidationErrors

from .clock import post_notice

SHIPPED = Path(settings.JKFP_POLICIES_DIR) / procedure.FILE


def test_shipped_file_is_valid_and_every_value_has_a_source_or_is_an_example():
    params = procedure.load(SHIPPED)
    assert set(params) == set(procedure.NAMES)
    for values in params.values():
        assert all(v.source or v.example for v in values)
    t = procedure.thresholds(on=dt.date(2024, 6, 1))
    assert (t.notice_min_days, t.monitor_min_months, t.decision_max_days) == (5, 6, 15)
    assert t.sources["earliest_exit_year"] == "示例值"


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "admission.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BAD = """description: 测试
parameters:
  notice_min_days:
    values:
      2014-01-01:
        value: 0
        source: 测试
  notice_max_days:
    values:
      2014-01-01: {value: 60, example: true}
  monitor_min_months:
    colour: red
    values:
      2014-01-01: {value: 6}
  decision_max_days:
    values:
      2020-01-01: {value: 15, source: a}
      2019-01-01: {value: 10, source: b}
"""


def test_bad_file_names_every_problem_with_its_line(tmp_path):
    with pytest.raises(ValidationErrors) as exc:
        procedure.load(_write(tmp_path, BAD))
    errors = exc.value.errors
    assert all(e.code == ErrorCode.PROCEDURE_INVALID for e in errors)
    text = "\n".join(e.message for e in errors)
    assert "admission.yaml:6" in text and "须为正整数" in text          # value 0
    assert "admission.yaml:12" in text and "未知的键“colour”" in text   # unknown key
    assert "须注明来源" in text                                         # no source, no example
    assert "日期须按先后排列" in text                                   # dates out of order
    assert "缺少参数“earliest_exit_year”" in text


def test_a_new_dated_value_changes_the_rule_from_its_date(tmp_path, settings, users, household):
    root = tmp_path / "policies"
    (root / "procedure").mkdir(parents=True)
    shipped = SHIPPED.read_text(encoding="utf-8")
    first = "notice_min_days:"
    source_line = shipped.index("\n", shipped.index("source:", shipped.index(first))) + 1
    text = (shipped[:source_line] + "      2025-01-01:\n        value: 7\n        source: 测试\n"
            + shipped[source_line:])
    (root / "procedure" / "admission.yaml").write_text(text, encoding="utf-8")
    shutil.copy(SHIPPED.with_name("categories.yaml"), root / "procedure")
    shutil.copytree(Path(settings.JKFP_POLICIES_DIR) / "yanchi", root / "yanchi")
    settings.JKFP_POLICIES_DIR = root
    assert procedure.thresholds(on=dt.date(2024, 12, 31)).notice_min_days == 5
    assert procedure.thresholds(on=dt.date(2025, 1, 1)).notice_min_days == 7
    cr = services.change_request_propose(
        user=users["village"], action="admit", category="marginal", household=household,
        reason="因病", effective_date=dt.date(2025, 3, 1), channel="visit",
        home_visit_on=dt.date(2025, 2, 20), consent_on=dt.date(2025, 2, 21))
    with pytest.raises(DomainError) as exc:
        post_notice(user=users["village"], request=cr, expected_version=cr.version,
                    notice_start=dt.date(2025, 3, 2), notice_days=6)
    assert exc.value.code == ErrorCode.NOTICE_TOO_SHORT and "7天" in exc.value.message
    cr = post_notice(user=users["village"], request=cr, expected_version=cr.version,
                     notice_start=dt.date(2025, 3, 2))
    assert cr.notice_end == dt.date(2025, 3, 8)  # the 7 days of 2025 by default


def test_exit_year_before_the_earliest_is_refused(users, household):
    with pytest.raises(ValidationErrors) as exc:
        services.change_request_propose(
            user=users["village"], action="admit", category="lifted_out", household=household,
            reason="脱贫", effective_date=dt.date(2024, 6, 1), channel="visit",
            home_visit_on=dt.date(2024, 5, 1), consent_on=dt.date(2024, 5, 1), exit_year=2012)
    assert [(e.code, e.field) for e in exc.value.errors] == [(ErrorCode.INVALID, "exit_year")]


def test_system_check_reports_a_broken_procedure_file(tmp_path, settings):
    from jkfp.admission.checks import procedure_file_valid

    assert procedure_file_valid(None) == []
    (tmp_path / "procedure").mkdir()
    (tmp_path / "procedure" / "admission.yaml").write_text(BAD, encoding="utf-8")
    settings.JKFP_POLICIES_DIR = tmp_path
    problems = procedure_file_valid(None)
    assert problems and {p.id for p in problems} == {"jkfp.E002"}
