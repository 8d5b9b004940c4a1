"""A warning's evidence shown generically, whatever the rule (decision 57f).

The scan writes a JSON object per rule; the page shows its scalar values as label/value rows and
each list of objects (the stays and visits that added up) as a table. Keys ending in `_fen` are
amounts in fen, shown in yuan to the fen; known keys get a Chinese label, others show as they are.
"""

from __future__ import annotations

from jkfp.policy import money

LABELS = {
    "rule_name": "规则", "year": "年度", "period": "期间", "total_fen": "合计",
    "threshold_fen": "阈值", "share": "比例", "income_base": "收入基数", "amount_fen": "金额",
    "source": "来源", "example": "示例值", "province": "省份", "self_pay_fen": "个人负担",
    "discharge_date": "出院日期", "admission_date": "入院日期", "hospital": "医院",
    "kind": "类型", "projected_fen": "预计全年", "days": "天数", "last_followup_on": "最近随访",
    "identified_on": "识别日期", "category": "类别", "diagnosis": "诊断", "icd10": "诊断编码",
    "note": "说明", "statement_id": "结算单", "record_id": "记录",
}


def label(key: str) -> str:
    return LABELS.get(key, key)


def value(key: str, v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if key.endswith("_fen") and isinstance(v, int):
        return money.fmt_amount(v)
    if isinstance(v, dict):
        return "；".join(f"{label(k)}：{value(k, x)}" for k, x in v.items())
    if isinstance(v, list):
        return "、".join(value("", x) for x in v)
    return str(v)


def rows(evidence) -> list[tuple[str, str]]:
    """Scalar (and nested-object) values as (label, shown value), lists of objects left out."""
    if not isinstance(evidence, dict):
        return [("依据", value("", evidence))]
    return [(label(k), value(k, v)) for k, v in evidence.items()
            if not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))]


def items(evidence) -> list[dict]:
    """Each list of objects as a table: {"title", "columns", "rows"}."""
    if not isinstance(evidence, dict):
        return []
    tables = []
    for k, v in evidence.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            cols = list(dict.fromkeys(c for x in v for c in x))
            tables.append({"title": label(k) if k != "items" else "明细",
                           "columns": [label(c) for c in cols],
                           "rows": [[value(c, x.get(c)) for c in cols] for x in v]})
    return tables
