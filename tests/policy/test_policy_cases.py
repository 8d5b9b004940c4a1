"""Policy cases as data (tests/policy_cases/*.yaml), read by the strict case loader that
`jkfp policy test` uses (`jkfp.policy.cases`): each case settled with `settle_stay`
(accumulators carried per person, stays in the order given) and with `settle_batch`, both
compared with the amounts computed by hand, to the fen."""

from __future__ import annotations

import dataclasses
import io
from functools import cache
from pathlib import Path

import pytest

from jkfp.policy import PolicyErrorCode, PolicyErrors, PolicySet, load_policies
from jkfp.policy.cases import (
    Case,
    case_files_in,
    load_case_file,
    policies_named,
    run_case,
)
from jkfp.policy.cli import policy_main, run_test

from .conftest import CASES, POLICIES

CASE_FILES = sorted(CASES.glob("*.yaml"))


@cache
def policies_of(folder: Path) -> PolicySet:
    return load_policies(folder)


def _cases() -> list:
    out = []
    for path in CASE_FILES:
        folder = policies_named(path, repo=POLICIES)
        case_file = load_case_file(path, tier_ids=set(policies_of(folder).tier_ids()))
        for case in case_file.cases:
            out.append(pytest.param(folder, case, id=f"{path.stem}: {case.name}"))
    return out


ALL_CASES = _cases()


def test_there_are_at_least_40_cases_and_each_has_a_name_and_working() -> None:
    assert len(ALL_CASES) >= 40
    for param in ALL_CASES:
        case = param.values[1]
        assert case.name and case.expected
        assert set(case.expected) <= {s.stay_id for s in case.stays}


@pytest.mark.parametrize(("folder", "case"), ALL_CASES)
def test_policy_case(folder: Path, case: Case) -> None:
    result = run_case(case, policies=policies_of(folder))
    assert result.ok, "\n".join(result.failures())
    # both paths were compared for every expected amount, and the statement adds up
    assert len(result.checks) >= 2 * len(case.expected)


def test_every_file_of_the_cases_folder_is_a_case_file_the_command_runs() -> None:
    # a case file under another name (.yml, .yaml.txt) would silently never run
    stray = [p.name for p in CASES.iterdir()
             if p.is_file() and p.suffix != ".yaml" and p.name != "README.md"]
    assert stray == []
    assert case_files_in([CASES]) == CASE_FILES
    assert {p.name for p in CASE_FILES} >= {"changzhi_2019_2020.yaml", "yanchi_2018_2020.yaml",
                                            "yanchi_2021_2025.yaml", "yubei_2023.yaml",
                                            "segment_table_2024.yaml"}


def test_a_wrong_expectation_fails_naming_expected_and_got() -> None:
    folder, case = ALL_CASES[0].values
    sid, expected = next(iter(case.expected.items()))
    key = next(k for k, v in expected.items() if isinstance(v, int) and not isinstance(v, bool))
    wrong = dataclasses.replace(case, expected={sid: {key: expected[key] + 1}})
    result = run_case(wrong, policies=policies_of(folder))
    assert not result.ok
    assert any(f"{sid} {key}（逐次结算）：应为" in f and "实为" in f for f in result.failures())


BROKEN = """\
policies: repo
cases:
  - name: 错误示例
    working: 无
    colour: red
    stays:
      - {id: a, person: p, county: "640323", category: general, grade: 5, location: county,
         referred: true, admission: 2022-03-01, total: "1.234", in_policy: 40000}
    expected:
      a: {basic: 12, self_pya: "1.00"}
  - name: 缺少期望值
    working: 无
    stays:
      - {id: b, person: p, county: "640323", category: general, grade: 1, location: county,
         referred: true, admission: 2022-03-01, total: "100", in_policy: "100"}
"""


def test_the_case_loader_is_strict_and_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    tiers = set(policies_of(POLICIES).tier_ids())
    with pytest.raises(PolicyErrors) as exc:
        load_case_file(path, tier_ids=tiers)
    found = {(e.code, e.line, e.key) for e in exc.value.errors}
    assert found == {
        (PolicyErrorCode.UNKNOWN_KEY, 5, "cases.0.colour"),
        (PolicyErrorCode.STAY_BAD_GRADE, 7, "cases.0.stays.0.grade"),
        (PolicyErrorCode.STAY_BAD_AMOUNT, 8, "cases.0.stays.0.total"),
        (PolicyErrorCode.BAD_AMOUNT, 8, "cases.0.stays.0.in_policy"),
        (PolicyErrorCode.BAD_AMOUNT, 10, "cases.0.expected.a.basic"),
        (PolicyErrorCode.UNKNOWN_KEY, 10, "cases.0.expected.a.self_pya"),
        (PolicyErrorCode.MISSING_KEY, 11, "cases.1.expected"),
    }
    assert all(e.file == str(path) for e in exc.value.errors)
    stderr = io.StringIO()
    assert run_test([path], stdout=io.StringIO(), stderr=stderr) == 1
    assert f"{path}:10：cases.0.expected.a.self_pya：未知的键 self_pya" in stderr.getvalue()


def test_policy_test_command_passes_and_fails(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_test([CASES], stdout=out, stderr=io.StringIO()) == 0
    text = out.getvalue()
    assert f"共 {len(ALL_CASES)} 个案例：{len(ALL_CASES)} 个通过，0 个失败。" in text
    assert "  通过  " in text and "失败  " not in text

    source = (CASES / "yanchi_2021_2025.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace('z2: {basic: "29700.00"', 'z2: {basic: "29700.01"'),
                   encoding="utf-8")
    out = io.StringIO()
    assert run_test([bad], policies_dir=POLICIES, stdout=out, stderr=io.StringIO()) == 1
    text = out.getvalue()
    assert "  失败  同一住院普通居民无倾斜" in text
    assert "z2 basic（逐次结算）：应为 29,700.01元，实为 29,700.00元" in text
    assert "z2 basic（批量结算）：应为 29,700.01元，实为 29,700.00元" in text
    assert "1 个失败" in text
    assert policy_main(["test", str(CASES / "yubei_2023.yaml")]) == 0
