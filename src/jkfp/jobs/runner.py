"""Running one job (decision 48), whatever carried it here: the procrastinate worker, the
in-process thread, or the calling thread in eager mode (tests).

The runner claims the job (queued → running), calls the task with a `JobContext`, and ends the
job: done with the task's result; failed with the Chinese message of a `DomainError`, or with a
generic message for any other exception (logged with its traceback; the row keeps the
exception's type and text for administrators, never a traceback); cancelled when the task
saw `JobCancelled`. The task's own transactions are its business: the runner opens none around
it, so a task that fails inside `transaction.atomic()` leaves nothing half-written.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from jkfp.errors import DomainError

from . import services, tasks
from .context import Heartbeat, JobCancelled, JobContext
from .models import JobState

log = logging.getLogger("jkfp.jobs")

FAILED_MESSAGE = "任务执行出错，已记录日志；可以重试，仍不成功请联系管理员"


def run_job(job_id: int, *, eager: bool = False) -> str | None:
    """Run the job `job_id` if it is still queued; returns the state it ended in."""
    job = services.job_start(job_id=job_id)
    if job is None:
        return None
    spec = tasks.get(job.task)
    if spec is None:
        services.job_finish(
            job_id=job_id,
            state=JobState.FAILED,
            message=f"任务“{job.task}”未在执行进程中注册（请检查部署的版本）",
            error=f"unknown task {job.task!r}",
        )
        return JobState.FAILED
    ctx = JobContext(job_id=job_id, user=job.user, params=job.params, shared_connection=eager)
    beat = None if eager else Heartbeat(job_id, seconds=settings.JKFP_JOBS_HEARTBEAT_SECONDS)
    if beat is not None:
        beat.start()
    try:
        result = spec.fn(ctx, **job.params)
        json.dumps(result, cls=DjangoJSONEncoder)  # what Job.result can store
    except JobCancelled:
        state, fields = JobState.CANCELLED, {"message": services.CANCELLED_MESSAGE}
    except DomainError as exc:
        state, fields = (
            JobState.FAILED,
            {"message": str(exc), "error": f"{exc.code}: {exc.message}"},
        )
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.task)
        state, fields = (
            JobState.FAILED,
            {"message": FAILED_MESSAGE, "error": f"{type(exc).__name__}: {exc}"},
        )
    else:
        ctx.flush()
        total = ctx.total if ctx.total is not None else ctx.done
        state, fields = (
            JobState.DONE,
            {"message": ctx.message or "已完成", "result": result, "done": total, "total": total},
        )
    finally:
        if beat is not None:
            beat.stop()
        ctx.close()
    if state != JobState.DONE:
        fields.update(done=ctx.done, total=ctx.total)
    services.job_finish(job_id=job_id, state=state, **fields)
    return state
