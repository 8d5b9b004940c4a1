"""Comparing two settlements of the same stays: the policy in force and a reform.

`compare` settles a batch under both policy sets (or takes their results) and sums each fund's
cost, the patients' self-pay and median share, and the person-years whose self-pay in the year
exceeds a threshold, overall, by category and by county. `Comparison.summary_text` is what
`jkfp policy compare` prints; `report.write_comparison_xlsx` writes the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .batch import BatchResult, StayBatch, settle_batch
from .money import fmt_yuan
from .regimes import PolicySet
from .schema import CATEGORIES, FUNDS, category_label


@dataclass
class Figures:
    """Totals of one settlement (baseline or reform) for one group of stays."""

    stays: int = 0
    total_fen: int = 0
    funds: dict[str, int] = field(default_factory=dict)
    self_pay_fen: int = 0
    over_threshold: int = 0  # person-years whose self-pay in the year exceeds the threshold


@dataclass
class GroupRow:
    key: str
    label: str
    baseline: Figures
    reform: Figures


@dataclass
class Comparison:
    name: str
    threshold_fen: int
    funds: list[str]  # fund codes in order
    overall: GroupRow
    median_share_baseline: float  # median over person-years of self-pay / total cost
    median_share_reform: float
    person_years: int
    by_category: list[GroupRow]
    by_county: list[GroupRow]

    def summary_text(self) -> str:
        b, r = self.overall.baseline, self.overall.reform
        rows = [("项目", "现行政策", "改革方案", "差额")]
        for f in self.funds:
            x, y = b.funds.get(f, 0), r.funds.get(f, 0)
            rows.append((FUNDS[f], fmt_yuan(x), fmt_yuan(y), fmt_yuan(y - x)))
        rows.append(("个人自付合计", fmt_yuan(b.self_pay_fen), fmt_yuan(r.self_pay_fen),
                     fmt_yuan(r.self_pay_fen - b.self_pay_fen)))
        rows.append(("个人自付占比中位数", f"{self.median_share_baseline:.2%}",
                     f"{self.median_share_reform:.2%}",
                     f"{(self.median_share_reform - self.median_share_baseline) * 100:+.2f}个百分点"))
        rows.append((f"年自付超过{fmt_yuan(self.threshold_fen)}的人数", f"{b.over_threshold:,}",
                     f"{r.over_threshold:,}", f"{r.over_threshold - b.over_threshold:+,}"))
        out = [f"改革方案：{self.name}（{b.stays:,} 次住院，{self.person_years:,} 人·年）"]
        out += _table(rows)
        for title, groups in (("按人员类别", self.by_category), ("按县区", self.by_county)):
            out.append(f"\n{title}：")
            rows = [("", "住院次数", "报销（现行）", "报销（改革）", "自付（现行）", "自付（改革）",
                     "超线人数（现行→改革）")]
            for g in groups:
                rows.append((g.label, f"{g.baseline.stays:,}",
                             fmt_yuan(sum(g.baseline.funds.values())),
                             fmt_yuan(sum(g.reform.funds.values())),
                             fmt_yuan(g.baseline.self_pay_fen), fmt_yuan(g.reform.self_pay_fen),
                             f"{g.baseline.over_threshold:,}→{g.reform.over_threshold:,}"))
            out += _table(rows)
        return "\n".join(out)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def compare(batch: StayBatch, baseline: PolicySet, reform: PolicySet, *, threshold_fen: int,
            name: str | None = None, baseline_result: BatchResult | None = None,
            reform_result: BatchResult | None = None) -> Comparison:
    """Settle `batch` under both policy sets and compare them.

    Stay amounts are summed by the stay's category and county; a person-year (a person's stays
    in one calendar year) counts over the threshold in the group of its last stay."""
    base = baseline_result or settle_batch(batch, baseline)
    ref = reform_result or settle_batch(batch, reform)
    funds = [f for f in FUNDS if f in base.funds or f in ref.funds]
    py = base.person_year
    n_py = int(py.max()) + 1 if len(py) else 0
    order = np.lexsort((np.arange(len(py)), batch.admission, py))
    last = np.empty(n_py, np.int64)
    last[py[order]] = order  # the last write per person-year is its last stay
    county_codes, county_idx = np.unique(batch.county, return_inverse=True)
    groupings = {
        "all": (np.zeros(len(py), np.int64), 1),
        "category": (batch.category.astype(np.int64), len(CATEGORIES)),
        "county": (county_idx.astype(np.int64), len(county_codes)),
    }
    figures: dict[str, dict[str, list[Figures]]] = {}
    shares = {}
    for side, res in (("baseline", base), ("reform", ref)):
        self_py = _sum_by(py, res.self_pay, n_py)
        shares[side] = _median_share(self_py, _sum_by(py, batch.total, n_py))
        over = (self_py > threshold_fen).astype(np.int64)
        figures[side] = {}
        for gname, (idx, n_groups) in groupings.items():
            stays = np.bincount(idx, minlength=n_groups)
            total = _sum_by(idx, batch.total, n_groups)
            fund_sums = {f: _sum_by(idx, res.funds[f], n_groups) for f in funds if f in res.funds}
            self_pay = _sum_by(idx, res.self_pay, n_groups)
            over_g = _sum_by(idx[last], over, n_groups)
            figures[side][gname] = [
                Figures(int(stays[g]), int(total[g]), {f: int(v[g]) for f, v in fund_sums.items()},
                        int(self_pay[g]), int(over_g[g])) for g in range(n_groups)]

    def row(gname: str, g: int, key: str, label: str) -> GroupRow:
        return GroupRow(key, label, figures["baseline"][gname][g], figures["reform"][gname][g])

    present = set(np.unique(batch.category).tolist())
    by_category = [row("category", c, CATEGORIES[c].value, category_label(c))
                   for c in range(len(CATEGORIES)) if c in present]
    by_county = []
    for g, code in enumerate(county_codes.tolist()):
        text = f"{code:06d}"
        by_county.append(row("county", g, text, _region_label(baseline, text)))
    return Comparison(name or reform.reform or "改革方案", threshold_fen, funds,
                      row("all", 0, "all", "合计"), shares["baseline"], shares["reform"], n_py,
                      by_category, by_county)


def _region_label(policies: PolicySet, code: str) -> str:
    for n in (6, 4, 2):
        for region in policies.regions:
            if code[:n] in region.codes:
                return f"{region.name} {code}"
    return code


def _sum_by(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.int64)
    np.add.at(out, groups, values)
    return out


def _median_share(self_pay: np.ndarray, total: np.ndarray) -> float:
    """Median of self-pay / total over person-years with a cost (a ratio, not money)."""
    has = total > 0
    return float(np.median(self_pay[has] / total[has])) if has.any() else 0.0


__all__ = ["Comparison", "Figures", "GroupRow", "compare"]
