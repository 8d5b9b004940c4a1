"""Apply a batch in one transaction (set-based, with provenance), as a background job from
the pages and the API, and undo it (decisions 43, 45, 46)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jkfp.accounts.access import require_importer
from jkfp.accounts.models import User
from jkfp.bulkwrite import in_ids
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry.services import (
    PeriodEndChange,
    category_periods_import,
    persons_update_imported,
)
from jkfp.writes import acting

from . import kinds, record_kinds, selectors
from .enrolment import enrolments_undo, enrolments_write
from .fastinsert import insert_objects
from .models import Batch, BatchRow, BatchState, Change, RowStatus
from .monitoring_households import (
    create_new_persons,
    households_undo,
    incomes_undo,
    incomes_write,
)
from .planning import plan_rows, summary_of
from .settlement_stage import stage_apply
from .settlements import settlements_undo, settlements_write


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
    staged = {"created": 0, "linked": 0, "rows": 0}
    if batch.kind == "insurance_settlements" and batch.state != BatchState.APPLIED:
        # the rows linked by ID, set-based, first: the other rows then see their records
        staged = stage_apply(user=user, batch=batch)
    new_changes, new_lines = [], set()
    if batch.kind == "monitoring":  # persons and households the registry lacks (53c)
        new_changes, new_lines = create_new_persons(
            user=user, batch=batch, rows=list(batch.rows.filter(person__isnull=True))
        )
    pending = batch.rows.filter(applied=False)
    if spec.persons:  # a kind of persons writes only the rows linked to one
        pending = pending.filter(person__isnull=False)
    rows = list(
        pending.exclude(status__in=(RowStatus.ERROR, RowStatus.DOUBTFUL, RowStatus.IGNORED))
    )
    plan = plan_rows(user=user, batch=batch, spec=spec, rows=rows)
    stored = {r.pk: (r.status, r.changes, r.reason, r.errors) for r in rows}
    opens, open_lines, ends, end_lines, updates, update_lines = [], [], [], [], {}, {}
    records = []
    made_here = {
        r.line: [c for c in r.changes if c.get("field") == "新建人员"]
        for r in rows
        if r.line in new_lines
    }
    for r in rows:
        p = plan.rows[r.line]
        r.status, r.changes, r.applied = p.status, p.changes, p.status != RowStatus.ERROR
        if p.reason:
            r.reason = p.reason
        if r.line in new_lines:
            r.status, r.changes = RowStatus.CREATED, [*made_here[r.line], *p.changes]
        if p.errors:  # a rule broken since the check (the registry changed): not written
            r.errors = p.errors
            continue
        opens += p.opens
        open_lines += [r.line] * len(p.opens)
        ends += p.ends
        end_lines += [r.line] * len(p.ends)
        if p.person_update:
            updates[r.person_id] = p.person_update
            update_lines[r.person_id] = r.line
        if p.record:
            records.append((r.line, p.record))
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
    extra_kind = record_kinds.RECORD_KINDS.get(batch.kind)
    settlements: list = []  # their provenance is on the record (decision 98)
    enrolment_changes: list[Change] = []
    record_changes: list[Change] = []
    if extra_kind is not None:
        record_changes = extra_kind.write(user=user, batch=batch, records=records)
    elif batch.kind == "insurance_settlements":
        settlements = settlements_write(user=user, batch=batch, records=records)
    elif batch.kind == "enrolment":
        enrolment_changes = enrolments_write(user=user, batch=batch, records=records)
        record_changes = enrolment_changes
    else:  # a monitoring list's household incomes (decision 53b)
        record_changes = incomes_write(user=user, batch=batch, records=records)
    changes += record_changes + new_changes
    insert_objects(Change, changes)
    # the rows whose plan is what the check stored only get `applied` (one UPDATE); the
    # others are written field by field (a bulk_update of every row was most of an apply)
    moved = [r for r in rows if (r.status, r.changes, r.reason, r.errors) != stored[r.pk]]
    same = [r.pk for r in rows if (r.status, r.changes, r.reason, r.errors) == stored[r.pk]]
    if same:
        BatchRow.objects.filter(pk__in=in_ids(same)).update(applied=True)
    BatchRow.objects.bulk_update(moved, ["status", "changes", "reason", "applied", "errors"],
                                 batch_size=2000)
    batch.state, batch.applied_by, batch.applied_at = BatchState.APPLIED, user, timezone.now()
    batch.message = ""
    extra = {
        "periods_opened": len(created),
        "periods_ended": sum(1 for e in ends if e.end_date is not None),
        "persons_updated": len(person_befores),
        "enrolments_created": sum(c.action == Change.Action.CREATE for c in enrolment_changes),
        "enrolments_updated": sum(c.action == Change.Action.UPDATE for c in enrolment_changes),
        "settlements_created": len(settlements) + staged["created"],
        "settlements_linked_to_stays": sum(1 for e in settlements if e.stay_id)
        + staged["linked"],
        "incomes_written": sum(c.model == "registry.HouseholdIncome" for c in record_changes),
        "persons_created": sum(c.model == "registry.NewPerson" for c in new_changes),
        "households_created": sum(c.model == "registry.Household" for c in new_changes),
        "skipped_lines": skipped,
        "applied_rows": len(rows) + staged["rows"],
    }
    if extra_kind is not None:
        extra |= extra_kind.summary(record_changes)
    batch.summary = summary_of(batch, extra)
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
        enrolments_undo(user=user, batch=batch, changes=changes)
        settlements_undo(user=user, batch=batch)
        incomes_undo(user=user, batch=batch, changes=changes)
        households_undo(user=user, batch=batch, changes=changes)
        for extra_kind in record_kinds.RECORD_KINDS.values():
            extra_kind.undo(user=user, batch=batch, changes=changes)
        changes_all = changes
        changes = [c for c in changes if c.model in record_kinds.REGISTRY_MODELS]
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
        Change.objects.filter(pk__in=[c.pk for c in changes_all]).update(undone=True)
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
        raise DomainError(
            ErrorCode.IMPORT_BATCH_STATE,
            "有错误的行，未导入：请修正后重新上传，或选择只导入无错误的行",
        )
    with transaction.atomic():
        job = job_submit(
            user=user,
            task="exchange.apply",
            params={"batch_id": batch.pk, "skip_invalid": skip_invalid},
        )
        Batch.objects.filter(pk=batch.pk).update(apply_job_id=job.pk)
    return job
