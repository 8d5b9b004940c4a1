"""The state changes of a job (decision 48): submit, cancel, retry, and the runner's start and
finish. Each runs in `transaction.atomic`, saves the row with the acting user in its history
(django-simple-history: every state a job went through, by whom), and hands the job to the
queue only after the transaction commits (`transaction.on_commit`), so a worker never picks up
a job whose submission rolled back.

States: queued → running → done | failed | cancelled; failed and cancelled jobs may be retried
(a new attempt of the same job, same id, back to queued).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jkfp.accounts.access import scope_prefix
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.events import Event, publish
from jkfp.writes import acting, locked

from . import queue, schedule, tasks
from .models import Job, JobState
from .selectors import STALE_MESSAGE, is_stale, job_get, stale_before

CANCELLED_MESSAGE = "已按用户要求取消"


def job_submit(
    *,
    user: User | None,
    task: str,
    params: dict[str, Any] | None = None,
    region_code: str | None = None,
) -> Job:
    """Queue the task `task` with `params` (JSON values) as `user`; it runs after commit.

    `user=None` is a scheduled system job (seen by superusers only). `region_code` defaults to
    the user's region: the scope the job's work is meant for.
    """
    if tasks.get(task) is None:
        raise DomainError(ErrorCode.JOB_TASK_UNKNOWN, f"未知的任务“{task}”", field="task")
    params = dict(params or {})
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            ErrorCode.JOB_PARAMS, f"任务参数须为 JSON 值：{exc}", field="params"
        ) from None
    if user is not None and scope_prefix(user) is None:
        raise DomainError(ErrorCode.PERMISSION, "您的账号未设置所属区划，不能提交任务")
    code = region_code if region_code is not None else (user.region_code if user else "") or ""
    with transaction.atomic():
        job = acting(
            Job(task=task, params=params, user=user, region_code=code, message="排队中，等待执行"),
            user,
        )
        job.save(force_insert=True)
        transaction.on_commit(lambda: queue.enqueue(job.pk))
    return job


def _may_act(user: User, job: Job) -> None:
    if not (user.is_superuser or job.user_id == user.pk):
        raise DomainError(ErrorCode.PERMISSION, "只有提交任务的用户可以操作该任务")


def job_cancel(*, user: User, job_id: int) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress step."""
    job_get(user=user, job_id=job_id)  # 404 outside the user's jobs
    with transaction.atomic():
        job = locked(Job, job_id)
        _may_act(user, job)
        if job.state == JobState.QUEUED:
            job.state, job.message, job.finished_at = (
                JobState.CANCELLED,
                CANCELLED_MESSAGE,
                timezone.now(),
            )
            queue_id = job.queue_id
            transaction.on_commit(lambda: queue.cancel_queued(queue_id))
        elif job.state == JobState.RUNNING and not job.cancel_requested:
            job.cancel_requested = True
        else:
            raise DomainError(
                ErrorCode.JOB_STATE, f"任务已{JobState(job.state).label}，不能取消", field="state"
            )
        acting(job, user).save()
    return job


def job_retry(*, user: User, job_id: int) -> Job:
    """Run a failed or cancelled job again (a running job that stopped answering counts as
    failed); the same job, a new attempt, as the user who submitted it."""
    job_get(user=user, job_id=job_id)
    with transaction.atomic():
        job = locked(Job, job_id)
        _may_act(user, job)
        if is_stale(job):
            _finish(
                job,
                state=JobState.FAILED,
                message=STALE_MESSAGE,
                error="stale: no heartbeat",
                by=user,
            )
        if job.state not in (JobState.FAILED, JobState.CANCELLED):
            raise DomainError(
                ErrorCode.JOB_STATE,
                f"任务{JobState(job.state).label}，只有失败或已取消的任务可以重试",
                field="state",
            )
        job.state, job.message, job.error, job.result = (
            JobState.QUEUED,
            "排队中，等待重试",
            "",
            None,
        )
        job.done, job.total, job.cancel_requested = 0, None, False
        job.started_at = job.heartbeat_at = job.finished_at = None
        job.queue_id = None
        acting(job, user).save()
        transaction.on_commit(lambda: queue.enqueue(job.pk))
    return job


# ---------------------------------------------------------------- the runner's transitions
def job_start(*, job_id: int) -> Job | None:
    """Claim a queued job for running; None if it is no longer queued (cancelled, taken)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.QUEUED:
            return None
        now = timezone.now()
        job.state, job.started_at, job.heartbeat_at = JobState.RUNNING, now, now
        job.attempts += 1
        job.message = "正在执行"
        acting(job, job.user).save()
    return job


def _finish(
    job: Job,
    *,
    state: str,
    message: str,
    result: Any = None,
    error: str = "",
    done: int | None = None,
    total: int | None = None,
    by: User | None = None,
) -> None:
    job.state, job.message, job.error = state, message[:500], error
    job.result = result
    job.finished_at = timezone.now()
    if done is not None:
        job.done = done
    if total is not None:
        job.total = total
    acting(job, by if by is not None else job.user).save()
    # the app whose work it was (an import batch) may record the outcome on its own rows
    publish(
        Event.JOB_FINISHED,
        job_id=job.pk,
        task=job.task,
        state=str(state),
        region_code=job.region_code,
    )


def job_finish(
    *,
    job_id: int,
    state: str,
    message: str,
    result: Any = None,
    error: str = "",
    done: int | None = None,
    total: int | None = None,
) -> Job:
    """End a running job (the runner's last word): done, failed or cancelled."""
    with transaction.atomic():
        job = locked(Job, job_id)
        _finish(
            job,
            state=state,
            message=message,
            result=result,
            error=error[:4000],
            done=done,
            total=total,
        )
    return job


def job_fail_stale(*, now=None) -> int:
    """Mark failed every running job whose worker stopped answering (no heartbeat for
    `JKFP_JOBS_STALE_SECONDS`), and, when jobs run in-process, every queued job that waited
    as long (its process ended before running it). Returns how many were marked."""
    limit = stale_before(now)
    dead = Q(state=JobState.RUNNING) & (
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    if queue.mode() == queue.THREAD:
        dead |= Q(state=JobState.QUEUED, created_at__lt=limit)
    n = 0
    with transaction.atomic():
        for job in Job.objects.select_for_update().filter(dead):
            _finish(job, state=JobState.FAILED, message=STALE_MESSAGE, error="stale: no heartbeat")
            n += 1
    return n


def schedules_submit_due(*, after, until) -> list[Job]:
    """Submit, as system jobs, the schedules that fire in (after, until] (`jkfp worker`'s loop
    in-process; on PostgreSQL procrastinate's periodic tasks do this)."""
    return [
        job_submit(user=None, task=s.task, params=s.params)
        for s in schedule.schedules()
        if schedule.due(s, after=after, until=until)
    ]


def jobs_settings() -> dict[str, object]:
    """The job settings in force (for `jkfp worker` to print)."""
    return {
        "mode": queue.mode(),
        "stale_seconds": settings.JKFP_JOBS_STALE_SECONDS,
        "heartbeat_seconds": settings.JKFP_JOBS_HEARTBEAT_SECONDS,
    }
