"""The comparison workbook of a batch: one sheet per kind of difference (XlsxWriter; the
sheets are a county's list, small beside the registry export of decision 26).

Sheets: 汇总 (the counts), 错误 (line, column, reason), 新增, 更新, 终止 (before → after),
待人工确认 (with the candidates), 忽略, 无变化, 登记中有而名单中无, 矛盾. ID numbers are masked
(DESIGN.md rule 12); the line of the file identifies each row for the department.
"""

from __future__ import annotations

import io

from jkfp.accounts.models import User
from jkfp.registry.idnumber import mask

from . import kinds, selectors
from .models import STATUS_KEYS, Batch, RowStatus
from .settlement_stage_rows import batch_rows_all

SUMMARY_LABELS = {
    "rows": "总行数",
    "created": "新增",
    "updated": "更新",
    "ended": "终止",
    "unchanged": "无变化",
    "ignored": "忽略",
    "errors": "错误",
    "doubtful": "待人工确认",
    "conflicts": "其中：冲突",
    "periods_opened": "新增类别期间",
    "periods_ended": "终止类别期间",
    "persons_updated": "更新人员",
}
ROW_SHEETS = (
    (RowStatus.CREATED, "新增"),
    (RowStatus.UPDATED, "更新"),
    (RowStatus.ENDED, "终止"),
    (RowStatus.DOUBTFUL, "待人工确认"),
    (RowStatus.IGNORED, "忽略"),
    (RowStatus.UNCHANGED, "无变化"),
)


#: the link result as the county clerk reads it (the sheet's 关联 column)
LINK_LABELS = {
    "exact": "证件号码一致",
    "linked": "按姓名、出生日期和地区匹配",
    "doubtful": "存疑",
    "conflict": "冲突",
    "new": "登记中无此人",
}


def _category_labels(codes: str) -> str:
    """`minimum_living` (or several joined by 、) as their Chinese names."""
    from jkfp.categories import LABELS

    names = {str(c): label for c, label in LABELS.items()}
    return "、".join(names.get(c, c) for c in (codes or "").split("、") if c)


def _missing_rows(*, user: User, missing: list[dict]) -> list[list]:
    """The sheet 登记中有而名单中无: who (masked ID number), where and what, read through the
    scoped selectors; a household's category is shown with its head."""
    people = selectors.missing_people(
        user=user,
        person_ids={m["person_id"] for m in missing if m.get("person_id")},
        household_ids={m["household_id"] for m in missing if m.get("household_id")},
    )
    out = []
    for m in missing:
        who = people["persons"].get(m.get("person_id")) or people["households"].get(
            m.get("household_id")) or {}
        out.append([
            who.get("name") or m["name"],
            mask(who.get("id_number") or ""),
            who.get("household_number") or "",
            who.get("village") or "",
            who.get("region_code") or "",
            _category_labels(m["category"]),
            "户" if not m.get("person_id") else "个人",
            m["start_date"],
            m.get("person_id") or who.get("person_id") or "",
        ])
    return out


def _row_cells(row) -> list:
    d = row.data
    return [row.line, d.get("name", ""), mask(d.get("id_number") or d.get("id_raw") or "")]


def batch_workbook(*, user: User, batch: Batch) -> bytes:
    """The workbook's bytes (the caller names the file)."""
    batch = selectors.batch_get(user=user, pk=batch.pk)
    kind = kinds.kind(batch.kind)
    out = io.BytesIO()
    import xlsxwriter  # here, not at import: 0.4 s of every process that sets Django up

    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    ws = wb.add_worksheet("汇总")
    ws.write_row(0, 0, [f"{kind.name}比对结果：批次#{batch.pk}（{batch.file_name}）"])
    ws.write_row(1, 0, ["项目", "行数"], bold)
    summary = batch.summary or {}
    r = 2
    for key in (
        "rows",
        *STATUS_KEYS,
        "conflicts",
        "periods_opened",
        "periods_ended",
        "persons_updated",
    ):
        if key in summary:
            ws.write_row(r, 0, [SUMMARY_LABELS[key], summary[key]])
            r += 1
    ws.set_column(0, 0, 18)
    rows = batch_rows_all(user=user, batch=batch)  # with a settlement batch's staged rows
    ws = wb.add_worksheet("错误")
    ws.write_row(0, 0, ["行号", "列", "错误代码", "说明"], bold)
    r = 1
    for e in summary.get("file_errors") or []:
        ws.write_row(r, 0, [e.get("row") or "", e.get("field") or "", e["code"], e["message"]])
        r += 1
    for row in rows:
        for e in row.errors:
            ws.write_row(r, 0, [row.line, e["column"], e["code"], e["message"]])
            r += 1
    ws.set_column(3, 3, 60)
    for status, title in ROW_SHEETS:
        ws = wb.add_worksheet(title)
        ws.write_row(
            0,
            0,
            ["行号", "姓名", "证件号码", "关联", "登记人员编号", "项目", "原值", "新值", "说明"],
            bold,
        )
        r = 1
        for row in rows:
            if row.status != status:
                continue
            base = [*_row_cells(row), LINK_LABELS.get(row.link_status, row.link_status),
                    row.person_id or ""]
            extra = row.reason
            if status == RowStatus.DOUBTFUL:
                extra = "候选：" + "；".join(
                    f"{c['person_id']}（{c['score']:.2f}）" for c in row.candidates
                )
            for c in row.changes or [{"field": "", "before": "", "after": ""}]:
                ws.write_row(r, 0, [*base, c["field"], c["before"], c["after"], extra])
                r += 1
        ws.set_column(8, 8, 50)
    comparison = batch.comparison or {}
    ws = wb.add_worksheet("登记中有而名单中无")
    ws.write_row(0, 0, ["姓名（户的类别为户主）", "证件号码", "户编号", "所在村", "区划代码",
                        "类别", "户或个人", "起始日期", "登记人员编号"], bold)
    for r, cells in enumerate(_missing_rows(user=user, missing=comparison.get("missing") or []),
                              start=1):
        ws.write_row(r, 0, cells)
    ws.set_column(0, 7, 14)
    ws = wb.add_worksheet("矛盾")
    ws.write_row(0, 0, ["行号", "登记人员编号", "矛盾", "说明"], bold)
    for r, c in enumerate(comparison.get("contradictions") or [], start=1):
        ws.write_row(r, 0, [c["line"], c.get("person_id") or "", c["what"], c["text"]])
    wb.close()
    return out.getvalue()
