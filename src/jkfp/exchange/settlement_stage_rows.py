"""Reads of a batch's rows with the settlement rows kept in the stage (decision 76): the
batch's page, its workbook and the API show a staged row as the `BatchRow` it would have been
(unsaved: its values, its exact link by ID, its status, reason and change), merged with the
batch's `BatchRow`s in the order of the file's lines. Scoped through `selectors.batch_get`."""

from __future__ import annotations

import heapq
from itertools import islice

from jkfp.accounts.models import User

from . import selectors
from .linkage import R_EXACT
from .models import Batch, BatchRow, BatchState, RowStatus, SettlementStage
from .settlements import AMOUNT_FIELDS, created_change

_TEXT = {"record_number": "record_number", "insurance_type": "insurance_type",
         "person_type": "person_type", "visit_type": "visit_type",
         "institution_name": "institution", "location": "location"}


def _as_row(batch: Batch, s: SettlementStage) -> BatchRow:
    data = {"name": s.name, "id_number": s.id_number}
    data |= {field: getattr(s, model) for model, field in _TEXT.items() if getattr(s, model)}
    if s.hospital_grade is not None:
        data["hospital_grade"] = str(s.hospital_grade)
    data["admission_date"] = s.admission_date.isoformat()
    data["discharge_date"] = s.discharge_date.isoformat()
    data |= {field: getattr(s, model) for field, model in AMOUNT_FIELDS.items()}
    changes = []
    if s.status == RowStatus.CREATED:
        values = {"visit_type": s.visit_type, "institution_name": s.institution_name,
                  "admission_date": s.admission_date, "discharge_date": s.discharge_date,
                  "total_fen": s.total_fen, "personal_fen": s.personal_fen}
        changes = [created_change(values, s.stay_id)]
    return BatchRow(batch_id=batch.pk, line=s.line, data=data, status=s.status,
                    reason=s.reason or R_EXACT, link_status="exact", score=1.0,
                    person_id=s.person_id, candidates=[], changes=changes,
                    applied=batch.state in (BatchState.APPLIED, BatchState.UNDONE)
                    and s.status not in (RowStatus.ERROR, RowStatus.IGNORED))


def staged_rows(*, user: User, batch: Batch, statuses: tuple[str, ...] = (),
                limit: int | None = None) -> list[BatchRow]:
    """The staged rows of `batch` (of `statuses`, all when empty), the first `limit`."""
    batch = selectors.batch_get(user=user, pk=batch.pk)
    qs = SettlementStage.objects.filter(batch_id=batch.pk).order_by("line")
    if statuses:
        qs = qs.filter(status__in=statuses)
    if limit is not None:
        qs = qs[:limit]
    return [_as_row(batch, s) for s in qs.iterator(chunk_size=10_000)]


def batch_rows_all(*, user: User, batch: Batch, statuses: tuple[str, ...] = (),
                   offset: int = 0, limit: int | None = None) -> list[BatchRow]:
    """The rows of `batch` (its `BatchRow`s and, for a settlement batch, its staged rows) of
    `statuses` in the order of their lines, from `offset`, at most `limit`."""
    qs = selectors.batch_rows(user=user, batch=batch)
    if statuses:
        qs = qs.filter(status__in=statuses)
    end = None if limit is None else offset + limit
    if batch.kind != "insurance_settlements":
        return list(qs[offset:end])
    ours = list(qs[:end])
    staged = staged_rows(user=user, batch=batch, statuses=statuses, limit=end)
    return list(islice(heapq.merge(ours, staged, key=lambda r: r.line), offset, end))
