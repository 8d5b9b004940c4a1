"""Policy cases as data (tests/policy_cases/*.yaml): each case settled with `settle_stay`
(accumulators carried per person, stays in the order given) and with `settle_batch`, both
compared with the amounts computed by hand, to the fen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from jkfp.policy import Stay, StayBatch, settle_batch, settle_stay
from jkfp.policy.money import yuan_text_to_fen
from jkfp.policy.schema import LOCATION_INDEX, parse_category_index

from .conftest import CASES

CASE_FILES = sorted(CASES.glob("*.yaml"))


def _cases() -> list:
    out = []
    for path in CASE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append(pytest.param(data["policies"], case, id=f"{path.stem}: {case['name']}"))
    return out


ALL_CASES = _cases()


def fen(value: object) -> int:
    """Expected amounts are quoted yuan strings, never YAML floats."""
    assert isinstance(value, str), f"amount {value!r} must be a quoted string"
    result = yuan_text_to_fen(value)
    assert result is not None, value
    return result


def make_stay(s: dict) -> Stay:
    category = parse_category_index(s["category"])
    assert category is not None, s["category"]
    admission = s["admission"]
    assert isinstance(admission, date)
    return Stay(s["id"], s["person"], s["county"], category, s["grade"],
                LOCATION_INDEX[s["location"]], s["referred"], admission,
                s.get("discharge", admission), fen(s["total"]), fen(s["in_policy"]))


def test_there_are_at_least_40_cases_and_each_has_a_name_and_working() -> None:
    assert len(ALL_CASES) >= 40
    for param in ALL_CASES:
        case = param.values[1]
        assert case["name"] and case["working"] and case["expected"]
        assert set(case["expected"]) <= {s["id"] for s in case["stays"]}


@pytest.mark.parametrize(("which", "case"), ALL_CASES)
def test_policy_case(which: str, case: dict, policies, fixture_policies) -> None:
    pset = policies if which == "repo" else fixture_policies
    stays = [make_stay(s) for s in case["stays"]]

    statements = {}
    accumulators: dict[str, object] = {}
    for stay in stays:
        st = settle_stay(stay, policies=pset, accumulators=accumulators.get(stay.person_id))
        accumulators[stay.person_id] = st.accumulators_after
        statements[stay.stay_id] = st
    batch = settle_batch(StayBatch.from_stays(stays), pset)
    index = {s.stay_id: i for i, s in enumerate(stays)}

    for stay_id, expected in case["expected"].items():
        st, i = statements[stay_id], index[stay_id]
        for key, value in expected.items():
            if key == "reimbursed_total":
                assert st.reimbursed_fen == fen(value), (stay_id, key)
                assert batch.reimbursed[i] == fen(value), (stay_id, key, "batch")
            elif key == "self_pay":
                assert st.self_pay_fen == fen(value), (stay_id, key)
                assert batch.self_pay[i] == fen(value), (stay_id, key, "batch")
            elif key == "deductible":
                lines = {t.tier_id: t for t in st.tiers}
                for tier, amount in value.items():
                    assert lines[tier].deductible_fen == fen(amount), (stay_id, "deductible", tier)
            elif key == "limited_by":
                lines = {t.tier_id: t for t in st.tiers}
                for tier, why in value.items():
                    assert lines[tier].limited_by == why, (stay_id, "limited_by", tier)
            elif key == "policy":
                assert st.regime_label == value
                assert batch.regimes[batch.regime_index[i]].label == value
            elif key == "deposit_waived":
                assert st.deposit_waived is value
                assert bool(batch.deposit_waived[i]) is value
            elif key == "example_values":
                assert st.uses_examples is value
                assert bool(batch.uses_examples[i]) is value
            else:  # a tier id
                assert st.amount_fen(key) == fen(value), (stay_id, key)
                assert batch.amounts[key][i] == fen(value), (stay_id, key, "batch")
        # the statement adds up
        assert st.reimbursed_fen + st.self_pay_fen == st.stay.total_fen
        assert sum(t.amount_fen for t in st.tiers) == st.reimbursed_fen


def test_case_files_are_listed() -> None:
    assert {p.name for p in CASE_FILES} >= {"changzhi_2019_2020.yaml", "yanchi_2018_2020.yaml",
                                            "yanchi_2021_2025.yaml", "yubei_2023.yaml",
                                            "segment_table_2024.yaml"}
    assert all(isinstance(p, Path) for p in CASE_FILES)
