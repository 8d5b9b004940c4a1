"""Writes of the exchange app: check a list (parse → validate → link → compare, stored as a
batch), decide a doubtful row, apply a batch in one transaction, undo it.

The registry is written only through its set-based services (`registry.services.
category_periods_import`, `persons_update_imported`); every registry row written is recorded
as a `Change` of the batch (provenance, with the values before), so an undo restores them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict

import polars as pl
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from jkfp.accounts.access import require_importer, scope_prefix
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry.services import (
    PeriodEndChange,
    category_periods_import,
    persons_update_imported,
)
from jkfp.writes import acting

from . import kinds, selectors
from .compare import PLANNERS, Plan, RowIn
from .linking import link_rows
from .models import STATUS_KEYS, Batch, BatchRow, BatchState, Change, Decision, RowStatus
from .reading import read_table
from .validation import check_table

DOUBTFUL_LINKS = ("doubtful", "conflict")
_DATE_TYPES = ("date", "month")


# ---------------------------------------------------------------- values in JSON
def _json(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _typed(kind: kinds.Kind, data: dict) -> dict:
    out = dict(data)
    for name, spec in kind.fields.items():
        if spec.type in _DATE_TYPES and out.get(name):
            out[name] = dt.date.fromisoformat(out[name])
    if out.get("id_birth"):
        out["id_birth"] = dt.date.fromisoformat(out["id_birth"])
    return out


def _summary(batch: Batch, extra: dict | None = None) -> dict:
    got = Counter(
        dict(batch.rows.values("status").annotate(n=Count("id")).values_list("status", "n"))
    )
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


# ---------------------------------------------------------------- check
def batch_check(
    *, user: User, kind: str, data: bytes, file_name: str, sheet: str | None = None
) -> Batch:
    """Read, validate, link and compare a list; store it as a batch waiting to be applied.
    A file that cannot be a list of the kind raises DomainError and stores nothing."""
    require_importer(user, kind)
    spec = kinds.kind(kind)
    table = read_table(data, spec, sheet=sheet or None)
    villages = selectors.village_resolver(user=user) if kind == "monitoring" else None
    checked = check_table(table, spec, villages=villages)
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
    links = link_rows(
        good.filter(~pl.col("_line").is_in(list(outside))),
        selectors.registry_frame(user=user),
        scope=scope,
    )
    link_by_line = {r["row"]: r for r in links.iter_rows(named=True)}
    with transaction.atomic():
        batch = acting(
            Batch(
                kind=kind,
                file_name=file_name[:255],
                file_sha256=hashlib.sha256(data).hexdigest(),
                sheet=table.sheet,
                header_line=table.header_line,
                columns=table.columns,
                region_code=scope,
                created_by=user,
                summary={"file_errors": file_errors, "encoding": table.encoding},
            ),
            user,
        )
        batch.save()
        rows = []
        for d in frame.iter_rows(named=True):
            line = d.pop("_line")
            data_json = {k: _json(v) for k, v in d.items() if v is not None}
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
        BatchRow.objects.bulk_create(rows, batch_size=2000)
        plan = _plan(
            user=user,
            batch=batch,
            spec=spec,
            rows=[r for r in rows if r.status == RowStatus.UNCHANGED],
        )
        _store_plan(batch, rows, plan)
        listed = {(r.person_id, r.data.get("category")) for r in rows if r.person_id}
        households = set()
        if kind == "monitoring":
            households = set(
                selectors.person_scope_households(
                    user=user, ids=[r.person_id for r in rows if r.person_id]
                )
            )
            listed = set()
        batch.comparison = {
            "missing": selectors.missing_from_list(
                user=user, kind=kind, listed=listed, listed_households=households
            ),
            "contradictions": plan.contradictions,
        }
        batch.summary = _summary(batch)
        batch.save(update_fields=["comparison", "summary"])
    return batch


def _plan(*, user: User, batch: Batch, spec: kinds.Kind, rows: list[BatchRow]) -> Plan:
    ins = [RowIn(line=r.line, person_id=r.person_id, data=_typed(spec, r.data)) for r in rows]
    state = selectors.plan_state(
        user=user, kind=batch.kind, person_ids={r.person_id for r in rows if r.person_id}
    )
    return PLANNERS[batch.kind](ins, state, note=f"导入批次#{batch.pk}（{batch.file_name}）")


def _store_plan(batch: Batch, rows: list[BatchRow], plan: Plan) -> None:
    touched = []
    for r in rows:
        p = plan.rows.get(r.line)
        if p is None:
            continue
        r.status, r.changes = p.status, p.changes
        if p.reason:
            r.reason = p.reason
        touched.append(r)
    BatchRow.objects.bulk_update(touched, ["status", "changes", "reason"], batch_size=2000)


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
            plan = _plan(user=user, batch=batch, spec=kinds.kind(batch.kind), rows=[row])
            p = plan.rows[row.line]
            row.status, row.changes, row.reason = p.status, p.changes, p.reason
        acting(row, user).save()
        batch.summary = _summary(batch)
        batch.save(update_fields=["summary"])
    return row


# ---------------------------------------------------------------- apply
def batch_apply(*, user: User, batch: Batch, skip_invalid: bool = False) -> dict:
    """Apply what the batch still changes, in one transaction; doubtful rows wait.

    Refused while rows have errors unless `skip_invalid` (the skipped lines are listed in the
    summary). A failure writes nothing and leaves the batch `failed`, to be retried."""
    batch = selectors.batch_get(user=user, pk=batch.pk)
    require_importer(user, batch.kind)
    if batch.state == BatchState.UNDONE:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE, "该批次已撤销，不能再导入")
    file_errors = (batch.summary or {}).get("file_errors") or []
    if file_errors:
        raise DomainError(
            ErrorCode.IMPORT_BATCH_STATE,
            f"文件有{len(file_errors)}处表头错误，须修正文件后重新上传",
        )
    error_lines = list(batch.rows.filter(status=RowStatus.ERROR).values_list("line", flat=True))
    if error_lines and not skip_invalid:
        raise DomainError(
            ErrorCode.IMPORT_BATCH_STATE,
            f"有{len(error_lines)}行错误，未导入：请修正后重新上传，或选择只导入无错误的行",
        )
    try:
        with transaction.atomic():
            summary = _apply(user=user, batch=batch, skipped=error_lines)
    except Exception as exc:
        Batch.objects.filter(pk=batch.pk).update(
            state=BatchState.FAILED, message=f"导入失败，未写入任何数据：{str(exc)[:400]}"
        )
        raise
    return summary


def _apply(*, user: User, batch: Batch, skipped: list[int]) -> dict:
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    spec = kinds.kind(batch.kind)
    rows = list(
        batch.rows.filter(applied=False, person__isnull=False).exclude(
            status__in=(RowStatus.ERROR, RowStatus.DOUBTFUL, RowStatus.IGNORED)
        )
    )
    plan = _plan(user=user, batch=batch, spec=spec, rows=rows)
    opens, open_lines, ends, end_lines, updates, update_lines = [], [], [], [], {}, {}
    for r in rows:
        p = plan.rows[r.line]
        r.status, r.changes, r.applied = p.status, p.changes, True
        if p.reason:
            r.reason = p.reason
        opens += p.opens
        open_lines += [r.line] * len(p.opens)
        ends += p.ends
        end_lines += [r.line] * len(p.ends)
        if p.person_update:
            updates[r.person_id] = p.person_update
            update_lines[r.person_id] = r.line
    note = f"导入批次#{batch.pk}"
    created, befores = category_periods_import(
        user=user, opens=opens, end_changes=ends, source="import", reason=note
    )
    person_befores = persons_update_imported(user=user, updates=updates, reason=note)
    changes = [
        Change(
            batch=batch,
            line=line,
            model="registry.CategoryPeriod",
            object_id=p.pk,
            action=Change.Action.CREATE,
            after={
                "category": p.category,
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date and p.end_date.isoformat(),
            },
        )
        for p, line in zip(created, open_lines, strict=True)
    ]
    end_line = {e.period_id: line for e, line in zip(ends, end_lines, strict=True)}
    changes += [
        Change(
            batch=batch,
            line=end_line[b["id"]],
            model="registry.CategoryPeriod",
            object_id=b["id"],
            action=Change.Action.END,
            before=b,
        )
        for b in befores
    ]
    changes += [
        Change(
            batch=batch,
            line=update_lines[b["id"]],
            model="registry.Person",
            object_id=b["id"],
            action=Change.Action.UPDATE,
            before=b,
            after=updates[b["id"]],
        )
        for b in person_befores
    ]
    Change.objects.bulk_create(changes, batch_size=2000)
    BatchRow.objects.bulk_update(rows, ["status", "changes", "reason", "applied"], batch_size=2000)
    batch.state, batch.applied_by, batch.applied_at = BatchState.APPLIED, user, timezone.now()
    batch.message = ""
    extra = {
        "periods_opened": len(created),
        "periods_ended": sum(1 for e in ends if e.end_date is not None),
        "persons_updated": len(person_befores),
        "skipped_lines": skipped,
        "applied_rows": len(rows),
    }
    batch.summary = _summary(batch, extra)
    acting(batch, user).save()
    return batch.summary


# ---------------------------------------------------------------- undo
def batch_undo(*, user: User, batch: Batch) -> Batch:
    """Undo an applied batch: end what it opened (at its start date, marked void), restore
    what it ended or changed; nothing is deleted."""
    batch = selectors.batch_get(user=user, pk=batch.pk)
    require_importer(user, batch.kind)
    if batch.state != BatchState.APPLIED:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE, "只有已导入的批次可以撤销")
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        changes = list(batch.changes.filter(undone=False))
        opened = {c.object_id for c in changes if c.action == Change.Action.CREATE}
        starts = selectors.period_starts(user=user, ids=opened)
        note = f"撤销导入批次#{batch.pk}：此期间作废"
        ends = [
            PeriodEndChange(period_id=pk, end_date=starts[pk], end_reason=note) for pk in opened
        ]
        ends += [
            PeriodEndChange(
                period_id=c.object_id,
                end_date=dt.date.fromisoformat(c.before["end_date"])
                if c.before.get("end_date")
                else None,
                end_reason=c.before.get("end_reason", ""),
                end_way=c.before.get("end_way", ""),
            )
            for c in changes
            if c.action == Change.Action.END
        ]
        category_periods_import(
            user=user,
            opens=[],
            end_changes=ends,
            source="import",
            reason=f"撤销导入批次#{batch.pk}",
        )
        persons_update_imported(
            user=user,
            updates={
                c.object_id: {k: v for k, v in c.before.items() if k != "id"}
                for c in changes
                if c.action == Change.Action.UPDATE
            },
            reason=f"撤销导入批次#{batch.pk}",
        )
        Change.objects.filter(pk__in=[c.pk for c in changes]).update(undone=True)
        batch.state, batch.undone_by, batch.undone_at = BatchState.UNDONE, user, timezone.now()
        acting(batch, user).save()
    return batch


def batch_apply_submit(*, user: User, batch: Batch, skip_invalid: bool = False):
    """Queue the apply of a batch as a background job (the page's route); the same checks as
    `batch_apply` first, so a refused apply is answered at once."""
    from jkfp.jobs.services import job_submit

    batch = selectors.batch_get(user=user, pk=batch.pk)
    require_importer(user, batch.kind)
    if batch.state == BatchState.UNDONE:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE, "该批次已撤销，不能再导入")
    if batch.rows.filter(status=RowStatus.ERROR).exists() and not skip_invalid:
        raise DomainError(ErrorCode.IMPORT_BATCH_STATE,
                          "有错误的行，未导入：请修正后重新上传，或选择只导入无错误的行")
    with transaction.atomic():
        job = job_submit(user=user, task="exchange.apply",
                         params={"batch_id": batch.pk, "skip_invalid": skip_invalid})
        Batch.objects.filter(pk=batch.pk).update(apply_job_id=job.pk)
    return job
