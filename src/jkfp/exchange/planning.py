"""What the check, the review and the apply share: a batch's rows as typed values, the plan
of what they change (compare.py against the registry as it is), and the summary counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count

from jkfp.accounts.models import User

from . import kinds, record_kinds, selectors
from .compare import PLANNERS, Plan, RowIn
from .compare_frame import plan_monitoring_frame, rows_frame
from .enrolment import plan_enrolment
from .models import STATUS_KEYS, Batch, BatchRow, RowStatus
from .monitoring_households import plan_incomes, plan_new_persons
from .settlements import plan_settlements

_DATE_TYPES = ("date", "month")


# ---------------------------------------------------------------- values in JSON
def to_json(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def typed(kind: kinds.Kind, data: dict) -> dict:
    out = dict(data)
    for name, spec in kind.fields.items():
        if spec.type in _DATE_TYPES and out.get(name):
            out[name] = dt.date.fromisoformat(out[name])
    if out.get("id_birth"):
        out["id_birth"] = dt.date.fromisoformat(out["id_birth"])
    return out


def summary_of(batch: Batch, extra: dict | None = None) -> dict:
    got = Counter(
        dict(batch.rows.values("status").annotate(n=Count("id")).values_list("status", "n"))
    )
    if batch.kind == "insurance_settlements":  # the rows kept out of BatchRow (decision 76)
        from .settlement_stage import stage_counts

        got.update(stage_counts(batch.pk))
    s = dict.fromkeys(STATUS_KEYS, 0)
    for status, n in got.items():
        s["errors" if status == RowStatus.ERROR else status] += n
    s["rows"] = sum(got.values())
    s["conflicts"] = (
        batch.rows.filter(link_status="conflict")
        .exclude(status__in=(RowStatus.ERROR,))
        .filter(decision="")
        .count()
    )
    s["waiting"] = batch.rows.filter(status=RowStatus.DOUBTFUL).count()
    s.update({k: v for k, v in (batch.summary or {}).items() if k not in s})
    if extra:
        s.update(extra)
    return s


def plan_rows(*, user: User, batch: Batch, spec: kinds.Kind, rows: list[BatchRow]) -> Plan:
    ins = [RowIn(line=r.line, person_id=r.person_id, data=typed(spec, r.data)) for r in rows]
    if batch.kind == "monitoring":  # column-wise (decision 74)
        frame = rows_frame(ins)
        fstate = selectors.plan_state_frame(
            user=user, kind=batch.kind, person_ids=frame["person_id"]
        )
        plan = plan_monitoring_frame(frame, fstate, note=f"导入批次#{batch.pk}（{batch.file_name}）")
        # the household incomes (decision 53b), the persons the registry lacks (53c)
        plan = plan_incomes(ins, fstate, plan, user=user, note=f"监测名单 导入批次#{batch.pk}")
        return plan_new_persons(ins, fstate, plan, user=user, columns=dict(batch.columns or {}))
    state = selectors.plan_state(
        user=user, kind=batch.kind, person_ids={r.person_id for r in rows if r.person_id}
    )
    if batch.kind in record_kinds.RECORD_KINDS:
        return record_kinds.RECORD_KINDS[batch.kind].plan(
            ins, state, user=user, batch=batch, columns=dict(batch.columns or {})
        )
    if batch.kind == "enrolment":
        return plan_enrolment(
            ins, state, note=f"导入批次#{batch.pk}", columns=set(batch.columns or {})
        )
    if batch.kind == "insurance_settlements":
        return plan_settlements(ins, state, note=f"导入批次#{batch.pk}")
    return PLANNERS[batch.kind](ins, state, note=f"导入批次#{batch.pk}（{batch.file_name}）")


def store_plan(batch: Batch, rows: list[BatchRow], plan: Plan, *, save: bool = True) -> None:
    touched = []
    for r in rows:
        p = plan.rows.get(r.line)
        if p is None:
            continue
        r.status, r.changes = p.status, p.changes
        if p.reason:
            r.reason = p.reason
        if p.errors:
            r.errors = p.errors
        touched.append(r)
    if save:
        BatchRow.objects.bulk_update(
            touched, ["status", "changes", "reason", "errors"], batch_size=2000
        )
