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
    # the keys the scan writes (engine.py, disease.py)
    "fen": "个人负担", "person_id": "人员编号", "id": "记录号", "discharged_on": "出院（结算）日期",
    "visit": "就诊类型", "income_yuan": "上年农村居民人均可支配收入（元）", "income_year": "收入年度",
    "income_province": "省份代码", "income_source": "收入来源", "income_example": "收入为示例值",
    "income_fallback": "沿用较早年度的收入", "rule_source": "规则依据", "so_far_fen": "年内已发生",
    "days_elapsed": "年内已过天数", "year_days": "全年天数", "explanation": "测算说明",
    "first_found_on": "首次发现", "disease_code": "病种", "disease_name": "病种名称",
    "cases": "专项救治病例数", "diagnoses": "大病诊断（住院）", "stay_id": "住院记录",
    "gap_days": "无随访天数", "since": "起算日期", "registered_on": "纳入管理日期",
    "after_days": "认定后天数", "ended_on": "消除日期", "end_way": "消除方式",
    "min_months": "最短监测月数", "aided_min_months": "帮扶消除最短月数",
}
#: coded values the scan writes, shown by their Chinese names
VALUES = {
    "kind": {"imported": "医保平台结算记录", "statement": "本系统结算单", "stay": "住院"},
    "visit": {"inpatient": "住院", "outpatient": "门诊"},
}


def label(key: str) -> str:
    return LABELS.get(key, key)


def value(key: str, v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if (key.endswith("_fen") or key == "fen") and isinstance(v, int):
        return money.fmt_amount(v)
    if key in VALUES and isinstance(v, str):
        return VALUES[key].get(v, v)
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
