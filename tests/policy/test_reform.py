"""Reforms: a YAML overlay on the parameters and the comparison of the two settlements."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jkfp.policy import PolicyErrorCode, PolicyErrors, Stay, StayBatch, load_policies, settle_stay
from jkfp.policy.comparison import compare
from jkfp.policy.overlay import load_overlay, load_overlay_text

from .conftest import POLICIES

OVERLAY = """
name: 渝北提高大额补助和倾斜救助比例
changes:
  yubei-2023:
    large_expense.ratio:
      2023-01-01: 0.75
    tilted_assistance.ratio:
      2023-01-01: {value: 0.7}
"""


def yubei_stay(sid: str, person: str, category: str) -> Stay:
    return Stay.create(stay_id=sid, person_id=person, county_code="500112", category=category,
                       hospital_grade=2, location="county", referred=True,
                       admission_date=date(2023, 3, 1), discharge_date=date(2023, 3, 9),
                       total_cost="52000", in_policy_cost="50000")


@pytest.fixture(scope="module")
def reformed():
    return load_policies(POLICIES, overlay=load_overlay_text(OVERLAY))


def test_overlay_changes_the_amounts(reformed) -> None:
    st = settle_stay(yubei_stay("b1", "p1", "near_minimum_living"), policies=reformed)
    # large (50000-34790)×75% = 11407.50; tilted (50000-34790-11407.50-3000)×70% = 561.75
    assert [t.amount_fen for t in st.tiers] == [3_479_000, 1_140_750, 56_175]
    assert st.reform == "渝北提高大额补助和倾斜救助比例"
    ratio = next(p for p in st.tiers[1].parameters if p.path == "large_expense.ratio")
    assert ratio.value == "75%" and ratio.source == "改革方案“渝北提高大额补助和倾斜救助比例”"
    # the other regimes are untouched
    assert reformed.regime("yanchi-2018-2020").reform is None


def test_comparison_by_fund_patients_threshold_category_and_county(policies, reformed) -> None:
    stays = [yubei_stay("b1", "p1", "near_minimum_living"), yubei_stay("b3", "p2", "general")]
    c = compare(StayBatch.from_stays(stays), policies, reformed, threshold_fen=600_000)
    b, r = c.overall.baseline, c.overall.reform
    assert b.funds == {"basic_insurance": 6_958_000, "critical_illness_insurance": 2_129_400,
                       "medical_assistance": 93_780}
    assert r.funds == {"basic_insurance": 6_958_000, "critical_illness_insurance": 2_281_500,
                       "medical_assistance": 56_175}
    assert (b.self_pay_fen, r.self_pay_fen) == (1_218_820, 1_104_325)  # 5625.20+6563, 5240.75+5802.50
    assert (b.over_threshold, r.over_threshold) == (1, 0)  # 6563 > 6000, 5802.50 is not
    assert c.median_share_baseline == pytest.approx((562_520 + 656_300) / 2 / 5_200_000)
    assert c.median_share_reform == pytest.approx((524_075 + 580_250) / 2 / 5_200_000)
    rows = {g.key: g for g in c.by_category}
    assert sum(rows["near_minimum_living"].reform.funds.values()) == 4_675_925
    assert sum(rows["general"].reform.funds.values()) == 4_619_750
    assert rows["general"].baseline.over_threshold == 1
    assert [(g.key, g.label, g.baseline.stays) for g in c.by_county] == [
        ("500112", "渝北区 500112", 2)]
    text = c.summary_text()
    assert "大病保险" in text and "改革方案：渝北提高大额补助和倾斜救助比例" in text


def test_overlay_target_must_exist() -> None:
    bad = OVERLAY.replace("tilted_assistance.ratio", "tilted_assistance.rate")
    with pytest.raises(PolicyErrors) as info:
        load_policies(POLICIES, overlay=load_overlay_text(bad, file="reform.yaml"))
    e = info.value.errors[0]
    assert e.code == PolicyErrorCode.OVERLAY_TARGET and e.file == "reform.yaml" and e.line == 7


def test_overlay_values_are_validated_like_the_policy() -> None:
    bad = OVERLAY.replace("2023-01-01: 0.75", "2023-01-01: 1.75")
    with pytest.raises(PolicyErrors) as info:
        load_policies(POLICIES, overlay=load_overlay_text(bad))
    assert info.value.errors[0].code == PolicyErrorCode.RATIO_OUT_OF_RANGE
    assert info.value.errors[0].file.endswith("yubei/2023/large_expense.yaml")


def test_overlay_can_add_and_end_parameters(policies, tmp_path: Path) -> None:
    path = tmp_path / "reform.yaml"
    path.write_text("""
name: 长治取消90%上限，盐池倾斜比例提高10个百分点
changes:
  changzhi-2019-2020:
    regime.reimbursement_ceiling:
      2019-01-01: null
  yanchi-2021-2025:
    critical_illness.tilt.ratio_points:
      2021-01-01: 0.1
    basic.stay_cap:
      2021-01-01: 20000
""", encoding="utf-8")
    reformed = load_policies(POLICIES, overlay=load_overlay(path))
    big = Stay.create(stay_id="c12", person_id="p", county_code="140428",
                      category="registered_poor", hospital_grade=1, location="county",
                      referred=True, admission_date=date(2019, 5, 5),
                      discharge_date=date(2019, 5, 9), total_cost="100000",
                      in_policy_cost="100000")
    # without the ceiling: basic (100000-200)×85% = 84830; critical (15170-5000)×80% = 8136;
    # assistance: left 100000-84830-8136 = 7034, (7034-1000)×70% = 4223.80
    st = settle_stay(big, policies=reformed)
    assert st.ceiling_fen is None
    assert [t.amount_fen for t in st.tiers] == [8_483_000, 813_600, 422_380]
    low = Stay.create(stay_id="z1", person_id="p", county_code="640323",
                      category="minimum_living", hospital_grade=2, location="county",
                      referred=True, admission_date=date(2022, 3, 1),
                      discharge_date=date(2022, 3, 5), total_cost="40000",
                      in_policy_cost="40000")
    st = settle_stay(low, policies=reformed)
    # basic (40000-400)×75% = 29700 → stay cap 20000; left 20000; critical: the tilt now adds
    # 10 points (60% → 70%): (20000-5000)×70% = 10500; assistance (20000-10500)×75% = 7125
    assert [t.amount_fen for t in st.tiers] == [2_000_000, 1_050_000, 712_500]
    assert st.tiers[0].limited_by == "stay_cap"
