"""How a queued job reaches a runner (decision 48). Three modes, one `enqueue`:

- `queue` (PostgreSQL): the job's id is deferred to procrastinate (`procrastinate_tasks`), and
  a worker (`jkfp worker`) runs it;
- `thread` (SQLite, or `JKFP_JOBS_INPROCESS=1`): one background thread of this process runs
  the queued jobs one after the other (SQLite has a single writer anyway);
- `eager` (`JKFP_JOBS_EAGER=True`, tests): the job runs at commit in the calling thread.

`enqueue` is called from `transaction.on_commit` only, by the services.
"""

from __future__ import annotations

import logging
import queue as stdqueue
import threading

from django.conf import settings
from django.db import connection

log = logging.getLogger("jkfp.jobs")

QUEUE, THREAD, EAGER = "queue", "thread", "eager"


def mode() -> str:
    if getattr(settings, "JKFP_JOBS_EAGER", False):
        return EAGER
    if settings.JKFP_JOBS_INPROCESS:
        return THREAD
    return QUEUE


def enqueue(job_id: int) -> None:
    """Hand the job to its runner; if that fails (the queue's database unreachable), the job is
    marked failed with a message, so that it does not wait for ever and can be retried."""
    try:
        _enqueue(job_id)
    except Exception:
        log.exception("job %s could not be queued", job_id)
        from .models import JobState
        from .services import job_finish

        job_finish(
            job_id=job_id, state=JobState.FAILED, message=NOT_QUEUED_MESSAGE, error="not queued"
        )


NOT_QUEUED_MESSAGE = "任务未能加入执行队列（后台服务暂不可用），请稍后重试"


def _enqueue(job_id: int) -> None:
    from .models import Job
    from .runner import run_job

    current = mode()
    if current == EAGER:
        run_job(job_id, eager=True)
    elif current == THREAD:
        _thread_queue().put(job_id)
    else:
        from .procrastinate_tasks import defer

        Job.objects.filter(pk=job_id).update(queue_id=defer(job_id))


def cancel_queued(queue_id: int | None) -> None:
    """Drop a cancelled job from procrastinate's queue (the runner would skip it anyway)."""
    if queue_id is None or mode() != QUEUE:
        return
    from .procrastinate_tasks import cancel

    cancel(queue_id)


# ---------------------------------------------------------------- the in-process thread
_lock = threading.Lock()
_queue: stdqueue.Queue[int] | None = None


def _thread_queue() -> stdqueue.Queue[int]:
    global _queue
    with _lock:
        if _queue is None:
            _queue = stdqueue.Queue()
            threading.Thread(
                target=_thread_main, args=(_queue,), name="jkfp-jobs", daemon=True
            ).start()
        return _queue


def _thread_main(q: stdqueue.Queue[int]) -> None:
    from .runner import run_job

    while True:
        job_id = q.get()
        try:
            run_job(job_id)
        except Exception:  # the runner records failures; this is a failure to record one
            log.exception("in-process job %s could not be run", job_id)
        finally:
            connection.close()
            q.task_done()


def wait_idle(timeout: float | None = None) -> None:
    """Block until the in-process thread has run every job queued so far (tests, commands)."""
    q = _queue
    if q is None:
        return
    done = threading.Event()

    def waiter() -> None:
        q.join()
        done.set()

    threading.Thread(target=waiter, daemon=True).start()
    done.wait(timeout)
