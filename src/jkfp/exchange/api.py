"""API of the data exchange, under /api/v1/exchange/: upload a list (checked, linked and
compared at once), read a batch's summary and rows, settle a doubtful row, apply (a background
job: poll /api/v1/jobs/{id}), undo. A batch outside the user's region answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jkfp.api.common import InputSchema, RecordId, responses
from jkfp.registry.idnumber import mask

from . import enrolment_share, selectors, services
from .settlement_stage_rows import batch_rows_all

router = Router(tags=["数据交换"])


class BatchOut(Schema):
    id: int
    kind: str
    file_name: str
    sheet: str
    header_line: int
    state: str
    state_label: str
    summary: dict
    apply_job_id: int | None
    created_at: dt.datetime
    applied_at: dt.datetime | None
    undone_at: dt.datetime | None


class RowOut(Schema):
    line: int
    status: str
    name: str
    id_masked: str
    link_status: str
    score: float | None
    person_id: int | None
    candidates: list[dict]
    changes: list[dict]
    errors: list[dict]
    reason: str
    decision: str
    applied: bool


class DecisionIn(InputSchema):
    decision: Literal["link", "new", "ignore"]
    person_id: RecordId | None = None


class ApplyIn(InputSchema):
    skip_invalid: bool = False


class JobRef(Schema):
    job_id: int


def _batch(b) -> dict:
    return {
        "id": b.pk,
        "kind": b.kind,
        "file_name": b.file_name,
        "sheet": b.sheet,
        "header_line": b.header_line,
        "state": b.state,
        "state_label": b.get_state_display(),
        "summary": b.summary or {},
        "apply_job_id": b.apply_job_id,
        "created_at": b.created_at,
        "applied_at": b.applied_at,
        "undone_at": b.undone_at,
    }


def _row(r) -> dict:
    d = r.data
    return {
        "line": r.line,
        "status": r.status,
        "name": d.get("name", ""),
        "id_masked": mask(d.get("id_number") or d.get("id_raw") or ""),
        "link_status": r.link_status,
        "score": r.score,
        "person_id": r.person_id,
        "candidates": r.candidates,
        "changes": r.changes,
        "errors": r.errors,
        "reason": r.reason,
        "decision": r.decision,
        "applied": r.applied,
    }


@router.get(
    "/batches", response=responses({200: list[BatchOut]}), summary="导入批次（最近 100 个）"
)
def batch_list(request):
    return [_batch(b) for b in selectors.batch_list(user=request.auth)[:100]]


@router.post(
    "/batches",
    response=responses({201: BatchOut}),
    summary="上传名单：读取、校验、关联、比对（multipart：kind、file、sheet）",
)
def batch_upload(request, kind: Form[str], file: File[UploadedFile], sheet: Form[str] = ""):
    batch = services.batch_check(
        user=request.auth,
        kind=kind,
        data=file.read(),
        file_name=file.name or "upload",
        sheet=sheet or None,
    )
    return Status(201, _batch(batch))


@router.get(
    "/batches/{batch_id}", response=responses({200: BatchOut}), summary="一个导入批次及其汇总"
)
def batch_detail(request, batch_id: int):
    return _batch(selectors.batch_get(user=request.auth, pk=batch_id))


@router.get(
    "/batches/{batch_id}/rows",
    response=responses({200: list[RowOut]}),
    summary="批次的行（可按 status 筛选；证件号码脱敏），最多 1000 行",
)
def batch_rows(request, batch_id: int, status: str = "", offset: int = 0):
    batch = selectors.batch_get(user=request.auth, pk=batch_id)
    rows = batch_rows_all(user=request.auth, batch=batch, statuses=(status,) if status else (),
                          offset=max(0, offset), limit=1000)
    return [_row(r) for r in rows]


@router.post(
    "/batches/{batch_id}/rows/{line}/decision",
    response=responses({200: RowOut}),
    summary="处理待人工确认的行：link（须给 person_id）、new、ignore",
)
def row_decide(request, batch_id: int, line: int, body: DecisionIn):
    batch = selectors.batch_get(user=request.auth, pk=batch_id)
    row = services.batch_row_decide(
        user=request.auth, batch=batch, line=line, decision=body.decision, person_id=body.person_id
    )
    return _row(row)


@router.post(
    "/batches/{batch_id}/apply",
    response=responses({202: JobRef}),
    summary="导入（后台任务；以 /api/v1/jobs/{job_id} 查询进度）",
)
def batch_apply(request, batch_id: int, body: ApplyIn):
    batch = selectors.batch_get(user=request.auth, pk=batch_id)
    job = services.batch_apply_submit(
        user=request.auth, batch=batch, skip_invalid=body.skip_invalid
    )
    return Status(202, {"job_id": job.pk})


@router.post(
    "/batches/{batch_id}/undo", response=responses({200: BatchOut}), summary="撤销已导入的批次"
)
def batch_undo(request, batch_id: int):
    batch = selectors.batch_get(user=request.auth, pk=batch_id)
    return _batch(services.batch_undo(user=request.auth, batch=batch))


class NotEnrolledOut(Schema):
    person_id: int
    id_number: str
    name: str
    region_code: str
    categories: list[str]
    status: str


@router.get(
    "/not-enrolled",
    response=responses({200: list[NotEnrolledOut]}),
    summary="应参保未参保人员（本区域；证件号码按角色完整或脱敏，查看已记录）",
)
def not_enrolled(request, year: int):
    rows, _full = enrolment_share.not_enrolled_shown(
        user=request.auth, year=year, channel="api", path=request.path
    )
    return [r | {"id_number": r["id_shown"]} for r in rows]
