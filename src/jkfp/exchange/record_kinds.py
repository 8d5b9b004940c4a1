"""The kinds whose rows write records of other apps rather than registry periods (decision
53): per kind its plan, its set-based write with provenance, its undo and its summary keys.
`planning.plan_rows`, `applying._apply` and `applying.batch_undo` dispatch on this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .kind_contracts import contracts_summary, contracts_undo, contracts_write, plan_contracts
from .kind_followups import plan_followups
from .kind_followups_write import followups_summary, followups_undo, followups_write
from .kind_institutions import (
    institutions_summary,
    institutions_undo,
    institutions_write,
    plan_institutions,
)
from .kind_staff import plan_staff, staff_summary, staff_undo, staff_write

#: the models whose changes `batch_undo` restores through the registry services
REGISTRY_MODELS = ("registry.CategoryPeriod", "registry.Person")


@dataclass(frozen=True)
class RecordKind:
    plan: Callable
    write: Callable
    undo: Callable
    summary: Callable


RECORD_KINDS: dict[str, RecordKind] = {
    "contracts": RecordKind(
        plan=plan_contracts, write=contracts_write, undo=contracts_undo, summary=contracts_summary
    ),
    "followups": RecordKind(
        plan=plan_followups, write=followups_write, undo=followups_undo, summary=followups_summary
    ),
    # facilities and staff (decision 79): rows that are not persons (`persons: false`)
    "institutions": RecordKind(
        plan=plan_institutions, write=institutions_write, undo=institutions_undo,
        summary=institutions_summary,
    ),
    "staff": RecordKind(plan=plan_staff, write=staff_write, undo=staff_undo, summary=staff_summary),
}
