"""The strict loader of policies/indicators/*.yaml: each error names file, line and code."""

from __future__ import annotations

import pytest

from jkfp.errors import ErrorCode, ValidationErrors
from jkfp.indicators import definitions

GOOD = """definitions:
  poor_categories: [registered_poor, minimum_living]
indicators:
  x:
    name: 测试指标
    target: 100
    source: shared/seeds/000_47b5aaa7edc5213c.txt
    population: poor
    numerator: insured
"""


def _load(tmp_path, text):
    f = tmp_path / "t.yaml"
    f.write_text(text, encoding="utf-8")
    return definitions.load(f)


def _errors(tmp_path, text) -> list[str]:
    with pytest.raises(ValidationErrors) as exc:
        _load(tmp_path, text)
    assert all(e.code == ErrorCode.INDICATOR_INVALID for e in exc.value.errors)
    return [e.message for e in exc.value.errors]


def test_the_shipped_files_load():
    defs = definitions.load()
    for required in ("insurance_coverage_poor", "inpatient_coverage_ratio_poor",
                     "contract_coverage_poor", "standard_management_hypertension",
                     "standard_management_diabetes", "standard_management_tb",
                     "standard_management_mental", "county_treatment_rate", "treatment_progress",
                     "facility_gaps", "special_treatment_diseases", "gp_in_township_centres",
                     "village_clinics_standard", "warnings_closed_in_time"):
        assert required in defs.indicators
    assert defs.indicators["county_treatment_rate"].example


def test_a_good_file(tmp_path):
    d = _load(tmp_path, GOOD)
    assert d.indicators["x"].population.predicate.name == "poor"


def test_unknown_predicate(tmp_path):
    (msg,) = _errors(tmp_path, GOOD.replace("numerator: insured", "numerator: insurred"))
    assert "t.yaml:9" in msg and "未知的谓词“insurred”" in msg


def test_target_without_source(tmp_path):
    (msg,) = _errors(tmp_path, GOOD.replace("    source: shared/seeds/000_47b5aaa7edc5213c.txt\n", ""))
    assert "t.yaml:6" in msg and "目标值须注明来源" in msg


def test_target_without_source_but_example(tmp_path):
    d = _load(tmp_path, GOOD.replace("    source: shared/seeds/000_47b5aaa7edc5213c.txt\n",
                                     "    example: true\n"))
    assert d.indicators["x"].example


def test_unknown_period_unit(tmp_path):
    (msg,) = _errors(tmp_path, GOOD + "    periods: [week]\n")
    assert "t.yaml:10" in msg and "期间单位“week”不存在" in msg


def test_unknown_key_unknown_argument_and_mixed_units(tmp_path):
    msgs = _errors(tmp_path, GOOD.replace("numerator: insured",
                                          "numerator: chronic_standard:flu\n    colour: red"))
    assert any("未知的键“colour”" in m for m in msgs)
    assert any("参数“flu”不存在" in m for m in msgs)
    msgs = _errors(tmp_path, GOOD.replace("numerator: insured", "numerator: stays"))
    assert any("计数单位不同" in m for m in msgs)


def test_a_predicate_registry_other_apps_add_to(tmp_path):
    @definitions.predicate("test_everyone", kind="persons", label="测试")
    def everyone(ctx, arg):
        return "SELECT id AS person_id FROM registry_person", []

    d = _load(tmp_path, GOOD.replace("numerator: insured", "numerator: test_everyone"))
    assert d.indicators["x"].numerator.predicate.fn is everyone


def test_system_check_reports_a_bad_file(tmp_path, settings):
    from jkfp.indicators.checks import indicator_files_valid

    (tmp_path / "indicators").mkdir()
    (tmp_path / "indicators" / "bad.yaml").write_text(GOOD + "    periods: [week]\n",
                                                      encoding="utf-8")
    settings.JKFP_POLICIES_DIR = tmp_path
    errors = indicator_files_valid(None)
    assert [e.id for e in errors] == ["jkfp.E058"]
    assert "bad.yaml:10" in errors[0].msg


def test_a_regional_population_takes_no_persons_filter(tmp_path):
    (msg,) = _errors(tmp_path, GOOD.replace("population: poor", "population: village_clinics")
                     .replace("numerator: insured",
                              "filters: [poor]\n    numerator: village_clinics_standardised"))
    assert "按机构或区划归属，不能带人员条件" in msg


def test_special_treatment_required_is_checked(tmp_path):
    text = GOOD.replace("  poor_categories: [registered_poor, minimum_living]\n", (
        "  poor_categories: [registered_poor, minimum_living]\n"
        "  special_treatment_required:\n"
        "    \"640323\": {count: 0, source: 方案}\n"
        "    \"6403231\": {count: 3, source: 方案}\n"
        "    \"1404\": {count: 45}\n"))
    msgs = _errors(tmp_path, text)
    assert len(msgs) == 3
    assert any("病种数“0”须为正整数" in m for m in msgs)
    assert any("区划代码“6403231”须为2、4或6位数字" in m for m in msgs)
    assert any("病种数须注明来源" in m for m in msgs)
    good = _load(tmp_path, GOOD.replace("minimum_living]\n", (
        "minimum_living]\n  special_treatment_required:\n"
        "    \"1404\": {count: 45, source: 方案}\n")))
    assert good.special_treatment_required == {"1404": 45}
