"""Human-readable output: the parameters in force (`policy show`) and the comparison workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .comparison import Comparison, Figures, GroupRow
from .in_force import fmt_segments
from .kinds import kind_of
from .money import INF, fen_to_yuan, fmt_bp, fmt_yuan
from .parameters import NOT_COVERED, OTHER, UNLIMITED, IncomeShare, Parameter
from .regimes import Condition, Region
from .schema import (
    CATEGORIES,
    FUNDS,
    GRADE_LABELS,
    LOCATION_LABELS,
    LOCATIONS,
    Unit,
    category_label,
)

# --------------------------------------------------------------------------- policy show


def show_regime(region: Region, on: date) -> list[str]:
    regime = region.regime_on(on)
    if regime is None:
        periods = "；".join(f"{r.start} 至 {r.end}（{r.id}）" for r in region.regimes)
        return [f"{region.name}（{region.id}）在 {on} 没有适用的政策。已有：{periods or '无'}"]
    out = [f"{region.name}（{region.id}，编码 {'、'.join(region.codes)}）{on} 适用的政策：",
           f"{regime.name}", f"  标识 {regime.label}，期间 {regime.start} 至 {regime.end}"]
    if regime.description:
        out.append(f"  {regime.description}")
    out.append("来源文件：")
    out += [f"  [{s.id}] {s.title}" + (f"（{s.document}）" if s.document else "")
            for s in regime.sources.values()]
    w = regime.deposit_waiver
    if w is not None:
        out.append(f"先诊疗后付费：{_condition(w.when)}（{w.provenance.describe()}）")
    for p in regime.parameters.values():
        out += _parameter(p, on)
    for i, tier in enumerate(regime.tiers, 1):
        out.append(f"第{i}层 {tier.name}（{tier.id}，{FUNDS[tier.fund]}）")
        out.append(f"  {kind_of(tier).describe(tier)}")
        out.append(f"  适用：{_condition(tier.eligibility)}")
        for p in tier.parameters.values():
            out += _parameter(p, on, "  ")
        for adj in tier.adjustments:
            out.append(f"  调整“{adj.name}”（{adj.id}）：{_condition(adj.when)}")
            for p in adj.parameters.values():
                out += _parameter(p, on, "    ")
    if any(_uses_example(p, on) for p in regime.all_parameters()):
        out.append("〔示例〕标注的取值没有公开来源，仅供演示，部署地区应替换为本地政策。")
    return out


def _condition(c: Condition) -> str:
    parts = []
    if c.categories is not None:
        parts.append("、".join(category_label(i) for i in sorted(c.categories)))
    if c.locations is not None:
        parts.append("、".join(LOCATION_LABELS[LOCATIONS[i]] for i in sorted(c.locations)))
    if c.grades is not None:
        parts.append("、".join(GRADE_LABELS[g] for g in sorted(c.grades)))
    if c.referred is not None:
        parts.append("已转诊" if c.referred else "未转诊")
    return "；".join(parts) or "全部"


def _uses_example(p: Parameter, on: date) -> bool:
    return any(leaf.provenance.example for _, leaf in p.leaves_on(on))


def _prefix(path: tuple[tuple[str, Any], ...]) -> str:
    return "".join(f"{_key(dimension, key)} " for dimension, key in path)


def _key(dimension: str, key: Any) -> str:
    if key == OTHER:
        return "其他"
    if dimension == "category":
        return category_label([c.value for c in CATEGORIES].index(key))
    if dimension == "location":
        return LOCATION_LABELS[LOCATIONS[[x.value for x in LOCATIONS].index(key)]]
    return GRADE_LABELS[key]


def _value(unit: Unit, value: Any) -> str:
    if value == UNLIMITED:
        return "不设上限"
    if value == NOT_COVERED:
        return "未规定（此类住院本层不适用）"
    if isinstance(value, IncomeShare):
        return f"上年收入的{fmt_bp(value.bp)}"
    if unit is Unit.YUAN:
        return fmt_yuan(value)
    if unit is Unit.RATIO:
        return fmt_bp(value)
    if unit is Unit.POINTS:
        return f"{'+' if value >= 0 else ''}{fmt_bp(value)[:-1]}个百分点"
    if unit is Unit.BOOLEAN:
        return "是" if value else "否"
    return fmt_segments([(INF if up is None else up, bp) for up, bp in value])


def _parameter(p: Parameter, on: date, indent: str = "") -> list[str]:
    dated = p.at(on)
    if dated is None:
        return [f"{indent}{p.label}（{p.path}）：{on} 不在生效期"]
    head = f"{indent}{p.label}（{p.path}，自{dated.start}起）"
    leaves = [(_prefix(path), leaf) for path, leaf in p.leaves_on(on)]
    out = []
    for prefix, leaf in leaves:
        mark = "〔示例〕" if leaf.provenance.example else ""
        text = f"{_value(p.unit, leaf.value)} {mark}— {leaf.provenance.describe()}"
        out.append(f"{head}：{text}" if len(leaves) == 1 else f"{indent}    {prefix}{text}")
    return out if len(leaves) == 1 else [f"{head}：", *out]


# --------------------------------------------------------------------------- workbook


def write_comparison_xlsx(comparison: Comparison, path: Path | str) -> None:
    """The comparison as an Excel workbook: a summary with a chart, then by category and county.
    Amounts are written as yuan numbers (Excel stores numbers as binary floating point; the
    figures are exact to the fen at this size)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    pct = wb.add_format({"num_format": "0.00%"})
    ws = wb.add_worksheet("汇总")
    ws.write(0, 0, f"改革方案：{comparison.name}", bold)
    ws.write_row(2, 0, ["项目", "现行政策", "改革方案", "差额"], bold)
    b, r = comparison.overall.baseline, comparison.overall.reform
    row = 3
    for f in comparison.funds:
        x, y = b.funds.get(f, 0), r.funds.get(f, 0)
        ws.write(row, 0, FUNDS[f])
        ws.write_row(row, 1, [_y(x), _y(y), _y(y - x)], money)
        row += 1
    fund_rows = (3, row - 1)
    ws.write(row, 0, "个人自付合计")
    ws.write_row(row, 1, [_y(b.self_pay_fen), _y(r.self_pay_fen),
                          _y(r.self_pay_fen - b.self_pay_fen)], money)
    ws.write(row + 1, 0, "个人自付占比中位数")
    ws.write_row(row + 1, 1, [comparison.median_share_baseline, comparison.median_share_reform,
                              comparison.median_share_reform - comparison.median_share_baseline],
                 pct)
    ws.write(row + 2, 0, f"年自付超过{fmt_yuan(comparison.threshold_fen)}的人数")
    ws.write_row(row + 2, 1, [b.over_threshold, r.over_threshold,
                              r.over_threshold - b.over_threshold])
    ws.write(row + 3, 0, f"住院次数 {b.stays}，人·年 {comparison.person_years}")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 3, 20)
    chart = wb.add_chart({"type": "column"})
    for col, name in ((1, "现行政策"), (2, "改革方案")):
        chart.add_series({"name": name,
                          "categories": ["汇总", fund_rows[0], 0, fund_rows[1], 0],
                          "values": ["汇总", fund_rows[0], col, fund_rows[1], col]})
    chart.set_title({"name": "各项基金支出对比（元）"})
    chart.set_y_axis({"num_format": "#,##0"})
    ws.insert_chart(row + 5, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})
    _group_sheet(wb, "按人员类别", comparison.by_category, comparison.funds, bold, money)
    _group_sheet(wb, "按县区", comparison.by_county, comparison.funds, bold, money)
    wb.close()


def _y(fen: int) -> float:
    return float(fen_to_yuan(fen))  # the workbook edge: Excel has no decimal type


def _group_sheet(wb: Any, name: str, rows: list[GroupRow], funds: list[str], bold: Any,
                 money: Any) -> None:
    ws = wb.add_worksheet(name)
    header = ["分组", "住院次数", "总费用"]
    for side in ("现行", "改革"):
        header += [f"{FUNDS[f]}（{side}）" for f in funds]
        header += [f"个人自付（{side}）", f"超线人数（{side}）"]
    ws.write_row(0, 0, header, bold)
    for i, g in enumerate(rows, 1):
        ws.write(i, 0, g.label)
        ws.write(i, 1, g.baseline.stays)
        ws.write(i, 2, _y(g.baseline.total_fen), money)
        col = 3
        for fig in (g.baseline, g.reform):
            col = _figures(ws, i, col, fig, funds, money)
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(header), 16)


def _figures(ws: Any, row: int, col: int, fig: Figures, funds: list[str], money: Any) -> int:
    for f in funds:
        ws.write(row, col, _y(fig.funds.get(f, 0)), money)
        col += 1
    ws.write(row, col, _y(fig.self_pay_fen), money)
    ws.write(row, col + 1, fig.over_threshold)
    return col + 2


__all__ = ["show_regime", "write_comparison_xlsx"]
