"""The statement explains each amount: the rule, the parameters with their date and source,
the deductible borne, accumulators after, what the patient pays, the coverage ratio, the
deposit waiver (先诊疗后付费)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from jkfp.policy import Accumulators, PolicyError, PolicyErrorCode, Stay, settle_stay


def stay(**kw) -> Stay:
    base = {"stay_id": "s", "person_id": "p", "county_code": "640323",
            "category": "registered_poor", "hospital_grade": 1, "location": "county",
            "referred": True, "admission_date": date(2019, 3, 1),
            "discharge_date": date(2019, 3, 10), "total_cost": "20000",
            "in_policy_cost": "16000"}
    base.update(kw)
    return Stay.create(**base)


def test_statement_of_the_first_yanchi_example(policies) -> None:
    st = settle_stay(stay(), policies=policies)
    assert st.regime_label == "yanchi-2018-2020@v1" and st.region_name == "盐池县"
    basic, ci, ma, g = st.tiers
    assert (basic.amount, ci.amount, ma.amount, g.amount) == (
        Decimal("13430.00"), Decimal("0.00"), Decimal("1542.00"), Decimal("3028.00"))
    assert basic.deductible_fen == 20_000 and basic.base_fen == 1_600_000
    assert ci.deductible_fen == 257_000  # all of what basic left counts toward 3,000
    assert g.limited_by == "guarantee"
    # the guarantee's parameters carry their date and source
    share = next(p for p in g.parameters if p.path == "guarantee.stay_share")
    assert share.value == "10%" and share.effective_from == date(2018, 1, 1)
    assert not share.example and "中国卫生" in share.source
    # example values are flagged
    assert basic.uses_examples and st.uses_examples
    assert all(p.example for p in basic.parameters)
    # totals and ratio
    assert st.self_pay_fen == 200_000 and st.reimbursed_fen == 1_800_000
    assert st.out_of_policy_fen == 400_000
    assert st.coverage_ratio == Fraction(9, 10) and st.coverage_percent == Decimal("90.00")
    assert st.fund_totals_fen() == {"basic_insurance": 1_343_000,
                                    "critical_illness_insurance": 0,
                                    "medical_assistance": 154_200, "local_guarantee": 302_800}
    # accumulators after
    after = st.accumulators_after
    assert (after.year, after.stays, after.self_pay_fen) == (2019, 1, 200_000)
    assert after.tier("critical_illness").deductible_fen == 257_000
    assert after.tier("basic").paid_fen == 1_343_000
    assert st.accumulators_before == Accumulators(2019)


def test_explanation_text_names_rules_parameters_and_sources(policies) -> None:
    st = settle_stay(stay(), policies=policies)
    text = st.explain()
    for fragment in ("起付线 200.00元（每次住院）", "15,800.00元 × 85%", "基本医疗保险支付 13,430.00元",
                     "每次住院个人自付不超过总费用的10%，即 2,000.00元", "县级兜底保障支付 3,028.00元",
                     "自2018-01-01起", "示例值", "中国卫生", "综合保障比例 90%",
                     "个人自付 2,000.00元", "入院免交押金", "本结算使用了示例参数"):
        assert fragment in text, fragment


def test_statement_as_dict_is_json(policies) -> None:
    d = settle_stay(stay(), policies=policies).as_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["self_pay"] == "2000.00" and d["policy"] == "yanchi-2018-2020@v1"
    assert d["tiers"][3]["amount"] == "3028.00" and d["deposit_waived"] is True
    assert d["accumulators_after"]["self_pay"] == "2000.00"


def test_accumulators_of_another_year_start_afresh(policies) -> None:
    first = settle_stay(stay(), policies=policies)
    again = settle_stay(stay(admission_date=date(2020, 2, 1), discharge_date=date(2020, 2, 5)),
                        policies=policies, accumulators=first.accumulators_after)
    assert again.accumulators_before == Accumulators(2020)
    assert again.self_pay_fen == 200_000


def test_second_stay_uses_the_accumulators(policies) -> None:
    first = settle_stay(stay(), policies=policies)
    second = settle_stay(stay(stay_id="s2", total_cost="40000", in_policy_cost="35000",
                              admission_date=date(2019, 6, 1), discharge_date=date(2019, 6, 9)),
                         policies=policies, accumulators=first.accumulators_after)
    assert second.self_pay_fen == 300_000
    assert second.accumulators_after.self_pay_fen == 500_000
    assert any("本年已自付 2,000.00元" in line for line in second.tiers[3].explanation)


def test_deposit_waiver_depends_on_category_and_location(policies) -> None:
    def waived(category: str, location: str, day: date = date(2022, 1, 5)) -> bool:
        return settle_stay(stay(category=category, location=location, admission_date=day,
                                discharge_date=day), policies=policies).deposit_waived

    assert waived("minimum_living", "county") and waived("特困人员", "county")
    assert waived("unstable_lifted", "county")
    assert not waived("minimum_living", "city")
    assert not waived("general", "county") and not waived("lifted_out", "county")
    st = settle_stay(stay(category="general", admission_date=date(2022, 1, 5),
                          discharge_date=date(2022, 1, 5)), policies=policies)
    assert "不适用先诊疗后付费" in st.deposit_note


def test_ineligible_tier_says_why(policies) -> None:
    st = settle_stay(stay(category="general"), policies=policies)
    ma = st.tiers[2]
    assert not ma.eligible and ma.amount_fen == 0
    assert ma.explanation == ("不适用：普通城乡居民不在医疗救助的支付对象内",)


def test_no_regime_is_a_named_error(policies) -> None:
    with pytest.raises(PolicyError) as info:
        settle_stay(stay(admission_date=date(2017, 5, 1), discharge_date=date(2017, 5, 2)),
                    policies=policies)
    assert info.value.code == PolicyErrorCode.NO_REGIME
    assert "640323" in str(info.value)


def test_stay_create_rejects_bad_values() -> None:
    from jkfp.policy import RowError

    with pytest.raises(RowError) as info:
        stay(category="nobody")
    assert info.value.code == PolicyErrorCode.STAY_UNKNOWN_CATEGORY
    with pytest.raises(RowError) as info:
        stay(in_policy_cost="30000")
    assert info.value.code == PolicyErrorCode.STAY_IN_POLICY_ABOVE_TOTAL
