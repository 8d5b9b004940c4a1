"""The example files shipped for users (README) settle and compare as documented."""

import csv
import io
from pathlib import Path

from jkfp.policy.cli import run_compare, run_settle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def test_example_stays_settle(tmp_path):
    out = tmp_path / "result.csv"
    assert run_settle(EXAMPLES / "stays.csv", out, policies_dir=ROOT / "policies",
                      progress=False, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    rows = {r["stay_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # 盐池 2018: at most 10% of a stay, 5,000 a year (DOMAIN.md §8)
    assert rows["S001"]["self_pay"] == "2000.00"
    assert rows["S002"]["self_pay"] == "3000.00"
    assert rows["S003"]["self_pay"] == "5000.00"
    # 渝北 2023 published example
    assert (rows["S009"]["basic"], rows["S009"]["large_expense"],
            rows["S009"]["tilted_assistance"], rows["S009"]["reimbursed_total"]) == (
        "34790.00", "10647.00", "937.80", "46374.80")


def test_example_reform_compares(tmp_path):
    out = io.StringIO()
    xlsx = tmp_path / "cmp.xlsx"
    assert run_compare(EXAMPLES / "stays.csv", EXAMPLES / "reform-yanchi-critical-illness.yaml",
                       xlsx=xlsx, policies_dir=ROOT / "policies", stdout=out,
                       stderr=io.StringIO()) == 0
    assert "大病保险" in out.getvalue() and xlsx.stat().st_size > 0
