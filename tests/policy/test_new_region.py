"""A new region's published policy needs one folder of YAML and no code (issue 3): the 渝北区
folder, copied alone into an empty policies folder, reproduces the published figures."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from jkfp.policy import Stay, load_policies, settle_stay

from .conftest import POLICIES, REPO


def test_yubei_folder_alone_reproduces_the_published_example(tmp_path: Path) -> None:
    shutil.copytree(POLICIES / "yubei", tmp_path / "yubei")
    policies = load_policies(tmp_path)
    assert [r.id for r in policies.regions] == ["yubei"]
    stay = Stay.create(stay_id="example", person_id="p", county_code="500112",
                       category="低保边缘家庭成员", hospital_grade=2, location="county",
                       referred=True, admission_date=date(2023, 5, 1),
                       discharge_date=date(2023, 5, 12), total_cost="52000",
                       in_policy_cost="50000")
    st = settle_stay(stay, policies=policies)
    assert [(t.tier_id, str(t.amount)) for t in st.tiers] == [
        ("basic", "34790.00"), ("large_expense", "10647.00"), ("tilted_assistance", "937.80")]
    assert st.reimbursed_fen == 4_637_480
    assert not st.uses_examples  # every value behind these figures has the example as source


def test_no_code_mentions_the_new_region() -> None:
    for path in (REPO / "src" / "jkfp").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("yubei", "500112", "渝北"):
            assert word not in text, f"{path} mentions {word}"
