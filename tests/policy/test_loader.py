"""Strict loading of parameter folders: every error has a code, the file, the key and the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jkfp.policy import PolicyErrorCode, PolicyErrors, load_policies
from jkfp.policy.parameters import UNLIMITED, IncomeShare

from .conftest import POLICIES

CI_2021 = "yanchi/2021-2025/critical_illness.yaml"
BASIC_2018 = "yanchi/2018-2020/basic.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped policies, to break."""
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(folder: Path) -> list:
    with pytest.raises(PolicyErrors) as info:
        load_policies(folder)
    return info.value.errors


def only(errors: list, code: PolicyErrorCode):
    found = [e for e in errors if e.code == code]
    assert found, [str(e) for e in errors]
    return found[0]


def test_the_shipped_policies_load(policies) -> None:
    assert [r.label for r in policies.regimes] == [
        "changzhi-2019-2020@v1", "changzhi-2021-2030@v1", "yanchi-2018-2020@v1",
        "yanchi-2021-2025@v1", "yanchi-2026-2030@v1", "yubei-2023@v1"]
    ci = policies.regime("changzhi-2019-2020").tier("critical_illness")
    deductible = ci.parameters["deductible"].resolve(ci.parameters["deductible"].values[0].start,
                                                     0, 0, 1)
    assert deductible.value == 500_000  # 5,000 yuan in fen, registered poor
    assert deductible.provenance.source_id == "changzhi_plan"
    assert not deductible.provenance.example


def test_unknown_key_names_file_key_and_line(folder: Path) -> None:
    edit(folder, CI_2021, "  annual_cap:\n", "  anual_cap:\n")
    e = only(errors_of(folder), PolicyErrorCode.UNKNOWN_KEY)
    assert e.file.endswith(CI_2021)
    assert e.key == "parameters.anual_cap"
    assert e.line == 25
    assert "未知的键 anual_cap" in str(e) and f"{CI_2021}:25" in str(e)


def test_ratio_outside_0_1(folder: Path) -> None:
    edit(folder, CI_2021, "ratio: 0.65}", "ratio: 1.65}")
    e = only(errors_of(folder), PolicyErrorCode.RATIO_OUT_OF_RANGE)
    assert e.file.endswith(CI_2021) and e.line == 22
    assert e.key == "parameters.segments.values.2021-01-01.value.1.ratio"


def test_ratio_finer_than_a_basis_point(folder: Path) -> None:
    edit(folder, CI_2021, "ratio: 0.65}", "ratio: 0.65001}")
    assert only(errors_of(folder), PolicyErrorCode.TOO_PRECISE).line == 22


def test_segments_out_of_order(folder: Path) -> None:
    edit(folder, CI_2021, "{up_to: 100000, ratio: 0.65}", "{up_to: 40000, ratio: 0.65}")
    e = only(errors_of(folder), PolicyErrorCode.SEGMENTS_OUT_OF_ORDER)
    assert e.file.endswith(CI_2021) and e.line == 22


def test_last_segment_must_be_open(folder: Path) -> None:
    edit(folder, CI_2021, "{up_to: null, ratio: 0.7}", "{up_to: 200000, ratio: 0.7}")
    assert only(errors_of(folder), PolicyErrorCode.SEGMENTS_OUT_OF_ORDER).line == 23


def test_gap_a_required_value_starting_after_the_regime(folder: Path) -> None:
    edit(folder, CI_2021, "      2021-01-01:\n        value: 10000", "      2021-03-01:\n        value: 10000")
    e = only(errors_of(folder), PolicyErrorCode.DATE_GAP)
    assert e.file.endswith(CI_2021) and e.line == 14
    assert "2021-01-01 至 2021-02-28" in e.message


def test_gap_a_required_value_ended_early(folder: Path) -> None:
    edit(folder, CI_2021, "        value: 10000\n        example: true\n",
         "        value: 10000\n        example: true\n      2024-01-01:\n        value: null\n")
    e = only(errors_of(folder), PolicyErrorCode.DATE_GAP)
    assert e.key == "critical_illness.deductible.values.2024-01-01"


def test_gap_between_regimes(folder: Path) -> None:
    edit(folder, "yanchi/2021-2025/regime.yaml", "start: 2021-01-01", "start: 2021-02-01")
    for name in ("basic", "critical_illness", "medical_assistance", "regime"):
        path = folder / "yanchi/2021-2025" / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("2021-01-01:", "2021-02-01:"),
                        encoding="utf-8")
    e = only(errors_of(folder), PolicyErrorCode.DATE_GAP)
    assert e.file.endswith("yanchi/2021-2025/regime.yaml") and e.key == "start"


def test_overlap_between_regimes(folder: Path) -> None:
    edit(folder, "yanchi/2018-2020/regime.yaml", "end: 2020-12-31", "end: 2021-03-31")
    e = only(errors_of(folder), PolicyErrorCode.DATE_OVERLAP)
    assert e.file.endswith("yanchi/2021-2025/regime.yaml")


def test_value_dated_outside_the_regime(folder: Path) -> None:
    edit(folder, BASIC_2018, "      2018-01-01:\n        value: 150000",
         "      2018-01-01:\n        value: 150000\n        example: true\n      2022-01-01:\n"
         "        value: 160000")
    e = only(errors_of(folder), PolicyErrorCode.DATE_OUTSIDE_PERIOD)
    assert e.file.endswith(BASIC_2018)


def test_a_value_needs_a_source_or_the_example_mark(folder: Path) -> None:
    edit(folder, BASIC_2018, "        value: 150000\n        example: true\n",
         "        value: 150000\n")
    e = only(errors_of(folder), PolicyErrorCode.MISSING_PROVENANCE)
    assert e.file.endswith(BASIC_2018) and e.line == 27


def test_a_source_must_be_declared(folder: Path) -> None:
    edit(folder, "yanchi/2018-2020/guarantee.yaml", "source: zgws_2018", "source: zgws_2019")
    e = only(errors_of(folder), PolicyErrorCode.UNKNOWN_SOURCE)
    assert e.key.endswith("values.2018-01-01.source")


def test_duplicate_key(folder: Path) -> None:
    edit(folder, BASIC_2018, "        value: 150000\n", "        value: 150000\n        value: 1\n")
    e = only(errors_of(folder), PolicyErrorCode.DUPLICATE_KEY)
    assert e.line == 28


def test_dimension_must_be_complete(folder: Path) -> None:
    edit(folder, BASIC_2018, "{0: 100, 1: 200, 2: 400, 3: 800}", "{0: 100, 1: 200, 2: 400}")
    e = only(errors_of(folder), PolicyErrorCode.DIMENSION_INCOMPLETE)
    assert "3" in e.message and e.line == 15


def test_dimensions_may_not_be_mixed(folder: Path) -> None:
    edit(folder, BASIC_2018, "{0: 100, 1: 200, 2: 400, 3: 800}", "{0: 100, county: 1, other: 3}")
    assert only(errors_of(folder), PolicyErrorCode.DIMENSION_MIXED)


def test_unit_must_match(folder: Path) -> None:
    edit(folder, BASIC_2018, "  ratio:\n    unit: ratio", "  ratio:\n    unit: yuan")
    assert only(errors_of(folder), PolicyErrorCode.UNIT_MISMATCH).line == 18


def test_negative_amount(folder: Path) -> None:
    edit(folder, BASIC_2018, "value: 150000", "value: -150000")
    assert only(errors_of(folder), PolicyErrorCode.BAD_AMOUNT).line == 27


def test_region_code_claimed_twice(folder: Path) -> None:
    edit(folder, "yubei/region.yaml", 'codes: ["500112"]', 'codes: ["640323"]')
    assert only(errors_of(folder), PolicyErrorCode.REGION_OVERLAP)


def test_income_share_needs_a_reference_income(folder: Path) -> None:
    path = folder / "yanchi/2021-2025/regime.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("parameters:")], encoding="utf-8")
    e = only(errors_of(folder), PolicyErrorCode.MISSING_KEY)
    assert "reference_income" in e.message


def test_tier_file_missing(folder: Path) -> None:
    (folder / "yanchi/2018-2020/guarantee.yaml").unlink()
    assert only(errors_of(folder), PolicyErrorCode.FILE_MISSING).file.endswith("guarantee.yaml")


def test_several_errors_are_all_reported(folder: Path) -> None:
    edit(folder, CI_2021, "ratio: 0.65}", "ratio: 1.65}")
    edit(folder, BASIC_2018, "value: 150000", "value: -150000")
    codes = {e.code for e in errors_of(folder)}
    assert {PolicyErrorCode.RATIO_OUT_OF_RANGE, PolicyErrorCode.BAD_AMOUNT} <= codes


def test_values_are_exact(policies) -> None:
    regime = policies.regime("yanchi-2021-2025")
    on = regime.start
    ratio = regime.tier("basic").parameters["ratio"].resolve(on, 0, 0, 1)
    assert ratio.value == 8500  # 0.85 read as Decimal, held as basis points
    ma = regime.tier("medical_assistance")
    assert ma.parameters["deductible"].resolve(on, 8, 0, 1).value == IncomeShare(1000)
    cap = regime.tier("critical_illness").parameters["annual_cap"]
    assert cap.resolve(on, 0, 0, 0).value == 30_000_000
    assert UNLIMITED == "unlimited"


def test_find_regime_by_prefix_and_date(policies) -> None:
    from datetime import date

    assert policies.find_regime("140431", date(2020, 12, 31)).id == "changzhi-2019-2020"
    assert policies.find_regime("140481", date(2019, 1, 1)).id == "changzhi-2019-2020"
    assert policies.find_regime("140431", date(2021, 1, 1)).id == "changzhi-2021-2030"
    assert policies.find_regime("640323", date(2026, 1, 1)).id == "yanchi-2026-2030"
    assert policies.find_regime("640323", date(2031, 1, 1)) is None
    assert policies.find_regime("640323", date(2020, 12, 31)).id == "yanchi-2018-2020"
    assert policies.find_regime("640323", date(2021, 1, 1)).id == "yanchi-2021-2025"
    assert policies.find_regime("640302", date(2021, 1, 1)) is None
    assert policies.find_regime("500112", date(2023, 6, 1)).id == "yubei-2023"
