"""The PostgreSQL queue (decision 48): procrastinate carries job ids to `jkfp worker`.

One procrastinate task, `jkfp.jobs.run(job_id)`, runs any jkfp job (the `Job` row holds the
task name and params); one periodic task marks dead jobs failed every minute; each declared
schedule (`jobs.schedule`) becomes a procrastinate periodic task that submits its job. Imported
only on PostgreSQL (procrastinate's tables exist there only), by `queue.enqueue` and by the
worker (`PROCRASTINATE_IMPORT_PATHS`).
"""

from __future__ import annotations

from django.db import close_old_connections, connection
from procrastinate.contrib.django import app

QUEUE_NAME = "jkfp"


@app.task(name="jkfp.jobs.run", queue=QUEUE_NAME)
def run(job_id: int) -> None:
    from .runner import run_job

    close_old_connections()
    try:
        run_job(job_id)
    finally:
        connection.close()


def defer(job_id: int) -> int:
    return run.defer(job_id=job_id)


def cancel(queue_id: int) -> None:
    app.job_manager.cancel_job_by_id(queue_id)


@app.periodic(cron="* * * * *", periodic_id="fail_stale")
@app.task(name="jkfp.jobs.fail_stale", queue=QUEUE_NAME, queueing_lock="jkfp.jobs.fail_stale")
def fail_stale(timestamp: int) -> None:
    from .services import job_fail_stale

    close_old_connections()
    try:
        job_fail_stale()
    finally:
        connection.close()


def _submitter(name: str):
    def submit(timestamp: int) -> None:
        from .schedule import _schedules
        from .services import job_submit

        close_old_connections()
        try:
            s = _schedules[name]
            job_submit(user=None, task=s.task, params=s.params)
        finally:
            connection.close()

    submit.__name__ = f"schedule_{name.replace('.', '_')}"
    return submit


def _register_schedules() -> None:
    from .schedule import schedules

    for s in schedules():
        task = app.task(
            name=f"jkfp.schedule.{s.name}",
            queue=QUEUE_NAME,
            queueing_lock=f"jkfp.schedule.{s.name}",
        )(_submitter(s.name))
        app.periodic(cron=s.cron, periodic_id=s.name)(task)


_register_schedules()
