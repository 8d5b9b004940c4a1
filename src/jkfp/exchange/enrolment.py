"""The medical-insurance enrolment list (kind `enrolment`, decision 49): its plan (one
`Enrolment` per person and year: created, updated or unchanged), its set-based write with
provenance (`Change` rows of model `exchange.Enrolment`) and its undo (a row the batch created
is marked void, a row it changed gets its values back; nothing is deleted)."""

from __future__ import annotations

from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.models import User

from .compare import Plan, RowIn, RowPlan, State, _contradictions
from .models import Batch, Change, Enrolment, EnrolmentStatus, RowStatus

MODEL = "exchange.Enrolment"
FIELDS = ("status", "subsidy_category", "subsidy_fen", "void")
_LABELS = dict(EnrolmentStatus.choices)


@dataclass
class EnrolmentState:
    id: int
    person_id: int
    year: int
    status: str
    subsidy_category: str
    subsidy_fen: int | None
    void: bool
    batch_id: int


def _yuan(fen: int | None) -> str:
    return "无" if fen is None else f"{fen // 100}.{fen % 100:02d}元"


def _show(name: str, value) -> str:
    if name == "status":
        return _LABELS.get(value, value or "无")
    if name == "subsidy_fen":
        return _yuan(value)
    return value or "无"


_FIELD_LABELS = {"status": "参保状态", "subsidy_category": "资助类别", "subsidy_fen": "资助金额"}


def plan_enrolment(
    rows: list[RowIn], state: State, *, note: str, columns: set[str] | None = None
) -> Plan:
    """Per row: `created` when the person has no (or only a void) row for the year, `updated`
    when a field differs, `unchanged` otherwise; a second row of one person and year, a
    person not in the registry or a deceased person listed as insured is `ignored`. A file
    without the subsidy columns (`columns`: the fields it has) leaves the stored ones as
    they are."""
    has = columns if columns is not None else {"subsidy_category", "subsidy"}
    out = Plan(rows={})
    held: dict[tuple[int, int], EnrolmentState] = state.enrolments
    seen: dict[tuple[int, int], int] = {}
    for row in sorted(rows, key=lambda r: r.line):
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "登记中无此人：参保名单不新建人员")
            continue
        d = row.data
        key = (person.id, d["year"])
        if key in seen:
            out.rows[row.line] = RowPlan(
                RowStatus.IGNORED, f"同一人同一年度已在第{seen[key]}行，此行未导入"
            )
            continue
        seen[key] = row.line
        insured = d["status"] == EnrolmentStatus.INSURED
        if _contradictions(row, person, state, out.contradictions, active=insured):
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "登记中此人已死亡，未导入")
            continue
        after = {
            "status": d["status"],
            "subsidy_category": d.get("subsidy_category") or "",
            "subsidy_fen": d.get("subsidy"),
            "void": False,
        }
        old = held.get(key)
        if old is not None and "subsidy_category" not in has:
            after["subsidy_category"] = old.subsidy_category
        if old is not None and "subsidy" not in has:
            after["subsidy_fen"] = old.subsidy_fen
        record = {"id": old.id if old else None, "person_id": person.id, "year": d["year"]}
        record |= {"region_code": person.region_code, "after": after}
        if old is None or old.void:
            if old is not None:  # voided by an undo: written again over it
                record["before"] = {n: getattr(old, n) for n in FIELDS}
                record["batch_id"] = old.batch_id
            plan = RowPlan(RowStatus.CREATED, record=record)
            plan.changes = [
                {"field": f"{d['year']}年{_FIELD_LABELS[n]}", "before": "无", "after": _show(n, v)}
                for n, v in after.items()
                if n != "void"
            ]
        else:
            before = {n: getattr(old, n) for n in FIELDS}
            diff = [n for n in FIELDS if before[n] != after[n]]
            if not diff:
                out.rows[row.line] = RowPlan(RowStatus.UNCHANGED)
                continue
            record["before"] = before
            record["batch_id"] = old.batch_id
            plan = RowPlan(RowStatus.UPDATED, record=record)
            plan.changes = [
                {
                    "field": f"{d['year']}年{_FIELD_LABELS[n]}",
                    "before": _show(n, before[n]),
                    "after": _show(n, after[n]),
                }
                for n in diff
            ]
        out.rows[row.line] = plan
    return out


def enrolments_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]) -> list[Change]:
    """Write the planned enrolments of `batch` (line, record) in two statements with history;
    return their provenance rows (not saved). Runs inside the apply's transaction."""
    creates = [(line, r) for line, r in records if r["id"] is None]
    updates = [(line, r) for line, r in records if r["id"] is not None]
    reason = f"导入批次#{batch.pk}"
    new = [
        Enrolment(
            person_id=r["person_id"],
            year=r["year"],
            region_code=r["region_code"],
            batch=batch,
            **r["after"],
        )
        for _line, r in creates
    ]
    made = bulk_create_with_history(new, Enrolment, default_user=user, default_change_reason=reason)
    if any(e.pk is None for e in made):  # a backend that returns no ids
        ids = {
            (p, y): pk
            for pk, p, y in Enrolment.objects.filter(batch=batch).values_list(
                "pk", "person_id", "year"
            )
        }
        for e in made:
            e.pk = ids[(e.person_id, e.year)]
    changes = [
        Change(
            batch=batch,
            line=line,
            model=MODEL,
            object_id=e.pk,
            action=Change.Action.CREATE,
            after={"year": r["year"], **r["after"]},
        )
        for (line, r), e in zip(creates, made, strict=True)
    ]
    objs = list(Enrolment.objects.filter(pk__in=[r["id"] for _l, r in updates]))
    by_id = {e.pk: e for e in objs}
    for _line, r in updates:
        e = by_id[r["id"]]
        for name, value in r["after"].items():
            setattr(e, name, value)
        e.batch = batch
    bulk_update_with_history(
        objs,
        Enrolment,
        [*FIELDS, "batch"],
        default_user=user,
        default_change_reason=reason,
    )
    changes += [
        Change(
            batch=batch,
            line=line,
            model=MODEL,
            object_id=r["id"],
            action=Change.Action.UPDATE,
            before={**r["before"], "batch_id": r.get("batch_id")},
            after=r["after"],
        )
        for line, r in updates
    ]
    return changes


def enrolments_undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
    """Undo the enrolment writes of `batch`: void what it created, restore what it changed."""
    mine = [c for c in changes if c.model == MODEL]
    if not mine:
        return 0
    objs = {e.pk: e for e in Enrolment.objects.filter(pk__in=[c.object_id for c in mine])}
    for c in mine:
        e = objs[c.object_id]
        if c.action == Change.Action.CREATE:
            e.void = True
        else:
            for name in FIELDS:
                setattr(e, name, c.before.get(name))
            if c.before.get("batch_id"):
                e.batch_id = c.before["batch_id"]
    bulk_update_with_history(
        list(objs.values()),
        Enrolment,
        [*FIELDS, "batch"],
        default_user=user,
        default_change_reason=f"撤销导入批次#{batch.pk}",
    )
    return len(mine)
