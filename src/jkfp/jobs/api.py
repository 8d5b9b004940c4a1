"""API of background jobs: the user's jobs, one job with its progress (poll it until
`finished`), retry and cancel. Another user's job answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema

from jkfp.api.common import responses

from . import selectors, services

router = Router(tags=["后台任务"])


class JobOut(Schema):
    id: int
    task: str
    title: str
    state: str
    state_label: str
    done: int
    total: int | None
    percent: int | None
    message: str
    result: Any = None
    finished: bool
    stale: bool
    can_retry: bool
    can_cancel: bool
    attempts: int
    result_url: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _out(job) -> dict:
    return vars(selectors.job_view(job))


@router.get("", response=responses({200: list[JobOut]}), summary="我提交的后台任务（最近 50 个）")
def job_list(request):
    return [_out(j) for j in selectors.job_list(user=request.auth)]


@router.get(
    "/{job_id}",
    response=responses({200: JobOut}),
    summary="一个后台任务的状态与进度（state: queued/running/done/failed/cancelled）",
)
def job_detail(request, job_id: int):
    return _out(selectors.job_get(user=request.auth, job_id=job_id))


@router.post("/{job_id}/retry", response=responses({200: JobOut}), summary="重试失败或已取消的任务")
def job_retry(request, job_id: int):
    return _out(services.job_retry(user=request.auth, job_id=job_id))


@router.post(
    "/{job_id}/cancel", response=responses({200: JobOut}), summary="取消排队中或运行中的任务"
)
def job_cancel(request, job_id: int):
    return _out(services.job_cancel(user=request.auth, job_id=job_id))
