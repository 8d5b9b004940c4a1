"""Warnings shaped like the scan's (warn-core): status `found`, a `found` step, due_on 15 days
after found_on, the departments the rule names, evidence as the medical-cost rule writes it;
the summaries moved as the scan moves them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.monitoring.models import RiskWarning, SubjectKind, WarningStep
from jkfp.summaries.services import summary_apply


def medical_cost_evidence(*, self_pay_fen: int = 3_456_789, threshold_fen: int = 1_000_000):
    return {
        "rule_name": "医疗支出超过上年农村居民人均可支配收入的50%",
        "year": 2026,
        "items": [
            {"source": "jkfp", "kind": "住院", "hospital": "盐池县人民医院",
             "discharge_date": "2026-03-02", "self_pay_fen": 1_456_789},
            {"source": "imported", "kind": "住院", "hospital": "宁夏医科大学总医院",
             "discharge_date": "2026-06-11", "self_pay_fen": self_pay_fen - 1_456_789},
        ],
        "total_fen": self_pay_fen,
        "income_base": {"province": "64", "year": 2025, "amount_fen": 2_000_000,
                        "source": "示例值（example: true）", "example": True},
        "share": "0.5",
        "threshold_fen": threshold_fen,
    }


def make_warning(household, *, person=None, rule_id="medical_cost_return", period="2026",
                 found_on: dt.date | None = None, due_days: int = 15,
                 departments=("medical_insurance", "civil_affairs"), **kw) -> RiskWarning:
    found_on = found_on or timezone.localdate() - dt.timedelta(days=3)
    person = person or household.head
    evidence = kw.pop("evidence", None) or medical_cost_evidence()
    w = RiskWarning.objects.create(
        rule_id=rule_id, subject_kind=SubjectKind.PERSON, person=person, household=household,
        region_code=household.region_code, period=period, found_on=found_on,
        due_on=found_on + dt.timedelta(days=due_days), amount_fen=evidence.get("total_fen"),
        threshold_fen=evidence.get("threshold_fen"), evidence=evidence,
        facts_hash=f"hash-{rule_id}-{person.pk}-{period}", departments=list(departments),
        uses_examples=True, **kw)
    summary_apply(w)  # as the scan does: the overview's counts (decision 62)
    WarningStep.objects.create(warning=w, step="found", from_status="", to_status=w.status,
                               on_date=found_on, comment="扫描发现")
    return w
