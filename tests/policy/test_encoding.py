"""Encoding regimes the schema had not seen (issue 7, decision 34): `not_covered` values, an
adjustment that sets a deductible or a cap exactly, and a statement that prints each
segment's product, the caps and the ceiling checked that did not bind, and the row of a value
table that applied. The amounts of the fixture regime are in tests/policy_cases/encoding_2025.yaml."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from jkfp.policy import PolicyErrorCode, Stay, StayBatch, load_policies, settle_batch, settle_stay
from jkfp.policy.money import fmt_exact
from jkfp.policy.report import show_regime

from .conftest import FIXTURE_POLICIES, POLICIES
from .test_loader import edit, errors_of, only

CI_2021 = "yanchi/2021-2025/critical_illness.yaml"
ENC = FIXTURE_POLICIES / "encoding"


def stay(
    category: str = "general",
    grade: int = 2,
    location: str = "county",
    total: str = "60000",
    in_policy: str = "50000",
    sid: str = "s",
) -> Stay:
    return Stay.create(
        stay_id=sid,
        person_id="p",
        county_code="990002",
        category=category,
        hospital_grade=grade,
        location=location,
        referred=True,
        admission_date=date(2025, 3, 1),
        discharge_date=date(2025, 3, 5),
        total_cost=total,
        in_policy_cost=in_policy,
    )


@pytest.fixture(scope="module")
def enc():
    return load_policies(FIXTURE_POLICIES)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def test_not_covered_row_makes_the_tier_not_apply_and_says_why(enc) -> None:
    st = settle_stay(stay(grade=3), policies=enc)
    basic = st.tiers[0]
    assert not basic.eligible and basic.amount_fen == 0
    assert basic.explanation == (
        "不适用：政策未规定“医院等级：三级医院”的起付线（依据：测试用方案（仅规定一至二级医院、"
        "县域和市域内的基本医保待遇），起付线：基层200元、一级500元、二级800元（三级未规定）），"
        "本层对此类住院不支付",
    )
    assert not basic.uses_examples
    by_location = settle_stay(stay(grade=1, location="outside"), policies=enc).tiers[0]
    assert "“就医地：省外”的支付比例" in by_location.explanation[0]
    # the next tier works on what is left, as for any tier that does not apply
    assert st.tiers[1].base_fen == 5_000_000


def test_exact_deductible_is_exact_not_a_factor(enc) -> None:
    st = settle_stay(stay(category="minimum_living"), policies=enc)
    ci = st.tiers[1]
    assert ci.deductible_fen == 500_000  # 5,000.00 exactly (a factor of 12,000: 5,000.40)
    assert ci.amount_fen == 366_600
    uses = {u.path: u for u in ci.parameters}
    assert uses["critical_illness.tilt.deductible"].value == "5,000.00元（低保、特困人员倾斜支付）"
    assert (
        uses["critical_illness.tilt.annual_cap"].value == "500,000.00元（低保、特困人员倾斜支付）"
    )
    # others keep the tier's own deductible
    assert settle_stay(stay(), policies=enc).tiers[1].deductible_fen == 1_064_000


def test_batch_equals_stay_on_the_fixture(enc) -> None:
    stays = [
        stay(c, g, loc, sid=f"s{i}")
        for i, (c, g, loc) in enumerate(
            [
                (c, g, loc)
                for c in ("general", "minimum_living", "extreme_poor")
                for g in range(4)
                for loc in ("county", "city", "province", "outside")
            ]
        )
    ]
    stays = [dataclasses.replace(s, person_id=f"p{i}") for i, s in enumerate(stays)]
    result = settle_batch(StayBatch.from_stays(stays), enc)
    for i, s in enumerate(stays):
        st = settle_stay(s, policies=enc)
        for line in st.tiers:
            assert result.amounts[line.tier_id][i] == line.amount_fen, (i, line.tier_id)
        assert result.reimbursed[i] == st.reimbursed_fen


def test_statement_prints_products_rows_caps_and_ceiling_checked(enc) -> None:
    st = settle_stay(stay(category="minimum_living"), policies=enc)
    basic, ci = st.tiers
    assert "800.00元至50,000.00元部分 49,200.00元 × 80% = 39,360.00元" in basic.explanation
    assert (
        "适用取值：起付线按“医院等级：二级医院”一行，支付比例按“就医地：县域内”一行"
        in basic.explanation
    )
    assert (
        "年度限额 100,000.00元，本年已支付 0.00元，尚余 100,000.00元，未超过" in basic.explanation
    )
    assert (
        "各项合计报销上限 54,000.00元，前面各层已报销 0.00元，尚余 54,000.00元，未超过"
        in basic.explanation
    )
    assert (
        "各项合计报销上限 54,000.00元，前面各层已报销 39,360.00元，尚余 14,640.00元，未超过"
        in ci.explanation
    )
    rows = {u.path: u.row for u in basic.parameters}
    assert rows == {
        "basic.deductible": "医院等级：二级医院",
        "basic.ratio": "就医地：县域内",
        "basic.annual_cap": None,
    }
    text = st.explain()
    assert "起付线［医院等级：二级医院］ 800.00元" in text
    assert st.as_dict()["tiers"][0]["parameters"][0]["row"] == "医院等级：二级医院"


def test_a_ceiling_that_binds_is_not_reported_as_checked(policies) -> None:
    # 长治 2019: ceiling 90 % of the total; a large stay of a poor patient reaches it
    s = Stay.create(
        stay_id="c",
        person_id="p",
        county_code="140427",
        category="registered_poor",
        hospital_grade=2,
        location="county",
        referred=True,
        admission_date=date(2019, 6, 1),
        discharge_date=date(2019, 6, 9),
        total_cost="320000",
        in_policy_cost="320000",
    )
    st = settle_stay(s, policies=policies)
    assert st.ceiling_fen is not None
    lines = [e for t in st.tiers for e in t.explanation]
    checked = [e for e in lines if e.startswith("各项合计报销上限")]
    limited = [t for t in st.tiers if t.limited_by == "ceiling"]
    for t in limited:
        assert not any(e.startswith("各项合计报销上限") for e in t.explanation)
    assert checked  # the tiers before it say it was checked


def test_other_row_is_named_as_such(policies) -> None:
    s = Stay.create(
        stay_id="o",
        person_id="p",
        county_code="640323",
        category="general",
        hospital_grade=2,
        location="county",
        referred=True,
        admission_date=date(2019, 3, 1),
        discharge_date=date(2019, 3, 9),
        total_cost="80000",
        in_policy_cost="70000",
    )
    st = settle_stay(s, policies=policies)
    ci = next(t for t in st.tiers if t.tier_id == "critical_illness")
    assert any("人员类别：其他（表中未单列者）" in (u.row or "") for u in ci.parameters)


def test_fmt_exact_keeps_every_decimal() -> None:
    assert fmt_exact(6_500_000_000) == "6,500.00元"  # 650,000 fen × 10,000 bp
    assert fmt_exact(1_234_567) == "1.234567元"
    assert fmt_exact(3_333 * 3_333) == "11.108889元"


def test_policy_show_says_not_covered(enc) -> None:
    text = "\n".join(show_regime(enc.region("encoding"), date(2025, 6, 1)))
    assert "未规定（此类住院本层不适用）" in text


# ---- the strict loader


def test_not_covered_is_refused_outside_a_tiers_own_parameters(folder: Path) -> None:
    edit(
        folder,
        CI_2021,
        "2021-01-01: {value: 0.05, example: true, note: 全国常见做法：支付比例提高5个百分点}",
        "2021-01-01: {value: not_covered, example: true}",
    )
    e = only(errors_of(folder), PolicyErrorCode.BAD_VALUE)
    assert e.file.endswith("critical_illness.yaml") and e.line is not None
    assert "not_covered 只能用于层级（tier）自身的参数" in str(e)


def test_an_adjustment_may_not_both_set_and_scale_the_deductible(folder: Path) -> None:
    edit(
        folder,
        CI_2021,
        "      deductible_factor:\n        unit: ratio\n        values:\n"
        "          2021-01-01: {value: 0.5, example: true, note: 全国常见做法：起付线减半（DOMAIN.md 第8节）}\n",
        "      deductible_factor:\n        unit: ratio\n        values:\n"
        "          2021-01-01: {value: 0.5, example: true}\n"
        "      deductible:\n        unit: yuan\n        values:\n"
        "          2021-01-01: {value: 5000, example: true}\n",
    )
    e = only(errors_of(folder), PolicyErrorCode.BAD_VALUE)
    assert "deductible 与 deductible_factor" in str(e) and e.line is not None


def test_an_adjustment_may_not_both_set_and_remove_the_cap(folder: Path) -> None:
    edit(
        folder,
        CI_2021,
        "      cap_removed:\n",
        "      annual_cap:\n        unit: yuan\n        values:\n"
        "          2021-01-01: {value: 500000, example: true}\n      cap_removed:\n",
    )
    e = only(errors_of(folder), PolicyErrorCode.BAD_VALUE)
    assert "annual_cap 与 cap_removed" in str(e)


def test_an_exact_deductible_is_an_amount(folder: Path) -> None:
    edit(
        folder,
        CI_2021,
        "      deductible_factor:\n        unit: ratio\n        values:\n"
        "          2021-01-01: {value: 0.5, example: true, note: 全国常见做法：起付线减半（DOMAIN.md 第8节）}\n",
        "      deductible:\n        unit: yuan\n        values:\n"
        "          2021-01-01: {value: 5000.123, example: true}\n",
    )
    e = only(errors_of(folder), PolicyErrorCode.BAD_AMOUNT)
    assert "5000.123" in str(e)


def test_the_fixture_folder_loads_with_not_covered_leaves() -> None:
    policies = load_policies(ENC)
    basic = policies.regime("encoding-2025").tier("basic")
    r = basic.parameters["deductible"].resolve(date(2025, 1, 1), 0, 0, 3)
    assert r.not_covered and r.row == (("grade", 3),)
