"""Reads of jobs, scoped to the user (decision 48): a user sees the jobs they submitted; a
superuser sees every job, the scheduled system jobs included. Another user's job is not found
(404), like a record outside the region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.models import User

from . import tasks
from .context import live_progress
from .models import Job, JobState


def job_scope(*, user: User) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    return Job.objects.filter(user=user)


def job_get(*, user: User, job_id: int) -> Job:
    try:
        return job_scope(user=user).select_related("user").get(pk=job_id)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("无此任务或不是您提交的任务") from None


def job_list(*, user: User, limit: int = 50) -> list[Job]:
    return list(job_scope(user=user).select_related("user").order_by("-created_at")[:limit])


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A running job whose last sign of life is older than this is taken for dead."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.JKFP_JOBS_STALE_SECONDS)


def is_stale(job: Job, now: dt.datetime | None = None) -> bool:
    if job.state != JobState.RUNNING:
        return False
    seen = job.heartbeat_at or job.started_at or job.created_at
    return seen < stale_before(now)


@dataclass(frozen=True)
class JobView:
    """A job as the page, the API and `jkfp job wait` show it."""

    id: int
    task: str
    title: str
    state: str
    state_label: str
    done: int
    total: int | None
    percent: int | None
    message: str
    result: object
    finished: bool
    stale: bool
    can_retry: bool
    can_cancel: bool
    attempts: int
    result_url: str  # a page of the result ("url" of a dict result, a path of this site)
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


STALE_MESSAGE = "任务已中断：执行它的进程长时间没有响应（可能已被终止或重启），可以重试"


def _result_url(job: Job) -> str:
    url = job.result.get("url") if isinstance(job.result, dict) else None
    if (
        job.state == JobState.DONE
        and isinstance(url, str)
        and url.startswith("/")
        and not url.startswith("//")
    ):
        return url
    return ""


def job_view(job: Job, *, now: dt.datetime | None = None) -> JobView:
    done, total, message = job.done, job.total, job.message
    live = live_progress(job.pk) if job.state == JobState.RUNNING else None
    if live is not None and live[0] >= done:  # fresher than the row (same process)
        done, total, message = live
    stale = is_stale(job, now) and live is None
    if total and job.state != JobState.DONE:
        percent = max(0, min(100, done * 100 // total))
    else:
        percent = 100 if job.state == JobState.DONE else None
    state_label = JobState(job.state).label
    if stale:
        state_label, message = JobState.FAILED.label, STALE_MESSAGE
    elif job.state == JobState.RUNNING and job.cancel_requested:
        message = "正在取消……"
    return JobView(
        id=job.pk,
        task=job.task,
        title=tasks.title(job.task),
        state=JobState.FAILED if stale else job.state,  # as shown: a dead job has failed
        state_label=str(state_label),
        done=done,
        total=total,
        percent=percent,
        message=message,
        result=job.result,
        finished=job.finished or stale,
        stale=stale,
        can_retry=job.state in (JobState.FAILED, JobState.CANCELLED) or stale,
        can_cancel=job.state in (JobState.QUEUED, JobState.RUNNING)
        and not stale
        and not job.cancel_requested,
        attempts=job.attempts,
        result_url=_result_url(job),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
