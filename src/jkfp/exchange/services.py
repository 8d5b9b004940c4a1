"""Writes of the exchange app: check a list (parse → validate → link → compare, stored as a
batch), decide a doubtful row, apply a batch in one transaction, undo it (the last two in
`applying.py`, re-exported here).

The registry is written only through its set-based services (`registry.services.
category_periods_import`, `persons_update_imported`); every registry row written is recorded
as a `Change` of the batch (provenance, with the values before), so an undo restores them.
"""

from __future__ import annotations

import gc
import hashlib
from collections import defaultdict
from dataclasses import replace

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jkfp.accounts.access import require_importer, scope_prefix
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.writes import acting

from . import kinds, selectors
from .applying import batch_apply, batch_apply_submit, batch_undo  # noqa: F401
from .contradictions import income_contradictions
from .enrolment_share import missing_from_enrolment_list
from .fastinsert import insert_objects
from .linking import link_rows
from .models import Batch, BatchRow, BatchState, Decision, RowStatus
from .planning import plan_rows, store_plan, summary_of, to_json
from .reading import read_table
from .settlement_stage import stage_frame, stage_plan, stage_reserve, stage_write
from .validation import check_table

DOUBTFUL_LINKS = ("doubtful", "conflict")


# ---------------------------------------------------------------- check
def batch_check(
    *,
    user: User,
    kind: str,
    data: bytes,
    file_name: str,
    sheet: str | None = None,
    batch: Batch | None = None,
    progress=None,
) -> Batch:
    """Read, validate, link and compare a list; store it as a batch waiting to be applied.
    A file that cannot be a list of the kind raises DomainError and stores nothing.
    `batch`: the batch of a check running as a job (`checking.py`), filled in instead of a
    new one; `progress(done, total, message)` is told each step."""
    require_importer(user, kind)
    step = progress or (lambda *a, **k: None)
    spec = kinds.kind(kind)
    step(0, 4, message="正在读取文件")
    table = read_table(data, spec, sheet=sheet or None)
    step(1, 4, message="正在校验每一行")
    villages = selectors.village_resolver(user=user) if kind == "monitoring" else None
    checked = check_table(table, spec, villages=villages)
    # the text table's rows are not read again: let them go before the linkage (decision 75)
    table = replace(table, frame=table.frame.clear())
    gc.collect()  # errors caught with their tracebacks hold frames in reference cycles
    scope = scope_prefix(user) or ""
    row_errors: dict[int, list[dict]] = defaultdict(list)
    file_errors = []
    for e in checked.errors:
        if e.row is None or e.row == table.header_line:
            file_errors.append(e.as_dict())
        else:
            row_errors[e.row].append(
                {"code": str(e.code), "message": e.message, "column": e.field or ""}
            )
    frame = checked.frame
    good = frame.filter(~pl.col("_line").is_in(list(row_errors)))
    region_col = (
        "_village"
        if "_village" in good.columns
        else ("region" if "region" in good.columns else None)
    )
    outside: set[int] = set()
    if region_col:
        outside = set(
            good.filter(
                pl.col(region_col).is_not_null() & ~pl.col(region_col).str.starts_with(scope)
            )["_line"].to_list()
        )
    step(2, 4, message="正在关联登记中的人员" if spec.persons else "正在匹配")
    staged = None
    if spec.persons:
        links = link_rows(
            good.filter(~pl.col("_line").is_in(list(outside))),
            selectors.registry_frame(user=user),
            scope=scope,
        )
        if kind == "insurance_settlements" and getattr(settings, "JKFP_SETTLEMENT_STAGE", True):
            # the rows linked by ID go to the stage (decision 76)
            staged = stage_frame(good.filter(~pl.col("_line").is_in(list(outside))), links)
            links = links.filter(pl.col("status") != "exact")
            frame = frame.filter(~pl.col("_line").is_in(staged["line"].implode()))
        link_by_line = {r["row"]: r for r in links.iter_rows(named=True)}
    else:  # institutions, staff: no persons; the kind's plan matches its rows (decision 79)
        link_by_line = {}
    step(3, 4, message="正在比对")
    # the staged rows' record ids, in a short transaction of its own (decision 92)
    record_ids = stage_reserve(staged.height) if staged is not None else None
    with transaction.atomic():
        values = {
            "kind": kind,
            "file_name": file_name[:255],
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "sheet": table.sheet,
            "header_line": table.header_line,
            "columns": table.columns,
            "region_code": scope,
            "created_by": user,
            "summary": {"file_errors": file_errors, "encoding": table.encoding},
        }
        if batch is None:
            batch = acting(Batch(**values), user)
        else:  # the check job's batch: filled in, then waiting to be applied
            batch = Batch.objects.select_for_update().get(pk=batch.pk)
            for name, value in values.items():
                setattr(batch, name, value)
            batch.state, batch.message = BatchState.CHECKED, ""
            acting(batch, user)
        batch.save()
        rows = []
        for d in frame.iter_rows(named=True):
            line = d.pop("_line")
            data_json = {k: to_json(v) for k, v in d.items() if v is not None}
            row = BatchRow(
                batch=batch,
                line=line,
                data=data_json,
                region_code=str(d.get("_village") or d.get("region") or ""),
            )
            if line in row_errors:
                row.status, row.errors = RowStatus.ERROR, row_errors[line]
            elif line in outside:
                row.status, row.reason = RowStatus.IGNORED, "其他区县的行：只报告，不导入"
            elif not spec.persons:
                row.status = RowStatus.UNCHANGED
            else:
                link = link_by_line[line]
                row.link_status, row.score = link["status"], link["score"]
                row.person_id = link["person_id"]
                row.candidates = list(link["candidates"] or [])
                row.reason = link["reason"] or ""
                row.status = (
                    RowStatus.DOUBTFUL if link["status"] in DOUBTFUL_LINKS else RowStatus.UNCHANGED
                )
            rows.append(row)
        # planned before the rows are written, so that each is inserted once with its status
        # (a bulk_update of every row afterwards was most of a large list's check)
        plan = plan_rows(
            user=user,
            batch=batch,
            spec=spec,
            rows=[r for r in rows if r.status == RowStatus.UNCHANGED],
        )
        store_plan(batch, rows, plan, save=False)
        insert_objects(BatchRow, rows)
        if staged is not None:
            stage_write(batch=batch, frame=staged, ids=record_ids)
            stage_plan(user=user, batch=batch)
        listed = {(r.person_id, r.data.get("category")) for r in rows if r.person_id}
        households = set()
        if kind == "monitoring":
            households = set(
                selectors.person_scope_households(
                    user=user, ids=[r.person_id for r in rows if r.person_id]
                )
            )
            listed = set()
        if not spec.persons:
            missing = []
        elif kind == "enrolment":
            missing = missing_from_enrolment_list(
                user=user, listed={(r.person_id, r.data.get("year")) for r in rows if r.person_id}
            )
        else:
            missing = selectors.missing_from_list(
                user=user, kind=kind, listed=listed, listed_households=households
            )
        batch.comparison = {
            "missing": missing,
            "contradictions": plan.contradictions
            + income_contradictions(user=user, kind=kind, rows=rows, today=timezone.localdate()),
        }
        batch.summary = summary_of(batch)
        batch.save(update_fields=["comparison", "summary"])
    step(4, 4, message="校验完成")
    return batch


# ---------------------------------------------------------------- review
def batch_row_decide(
    *, user: User, batch: Batch, line: int, decision: str, person_id: int | None = None
) -> BatchRow:
    """A person settles a doubtful or conflicting row: link it to one candidate, say it is
    not a registry person, or ignore it (who and when recorded)."""
    batch = selectors.batch_get(user=user, pk=batch.pk)
    require_importer(user, batch.kind)
    if batch.state == BatchState.UNDONE:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE, "该批次已撤销，不能再处理")
    if decision not in Decision.values:
        raise DomainError(ErrorCode.INVALID, f"处理方式“{decision}”无效", field="decision")
    with transaction.atomic():
        row = BatchRow.objects.select_for_update().filter(batch=batch, line=line).first()
        if row is None or row.link_status not in DOUBTFUL_LINKS:
            raise DomainError(
                ErrorCode.IMPORT_BATCH_STATE, f"第{line}行不是待人工确认的行", field="line"
            )
        if row.applied:
            raise DomainError(
                ErrorCode.IMPORT_BATCH_STATE, f"第{line}行已导入，不能再改", field="line"
            )
        candidates = {c["person_id"] for c in row.candidates}
        if decision == Decision.LINK:
            if person_id not in candidates:
                raise DomainError(ErrorCode.INVALID, "须从候选人员中选择一人", field="person_id")
            row.person_id = person_id
        else:
            row.person_id = None
        row.decision, row.decided_by, row.decided_at = decision, user, timezone.now()
        row.changes, row.reason = [], ""
        if decision == Decision.IGNORE:
            row.status, row.reason = RowStatus.IGNORED, "人工决定忽略此行"
        else:
            row.status = RowStatus.UNCHANGED
            plan = plan_rows(user=user, batch=batch, spec=kinds.kind(batch.kind), rows=[row])
            p = plan.rows[row.line]
            row.status, row.changes, row.reason = p.status, p.changes, p.reason
        acting(row, user).save()
        batch.summary = summary_of(batch)
        batch.save(update_fields=["summary"])
    return row
from .checking import batch_check_run, batch_check_submit  # noqa: E402,F401  (decision 53)
