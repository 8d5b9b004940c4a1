"""The real paths, outside the test's transaction (decision 48): on PostgreSQL the job goes
through procrastinate's queue and `jkfp worker --burst` runs it; on SQLite the in-process
thread runs it. And progress written while the task's own transaction is open is seen by the
page: on PostgreSQL from another connection (the side connection commits at once), on SQLite
from the process's memory while the task holds the write lock."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from jkfp.accounts.models import Role
from jkfp.jobs import queue, services, tasks
from jkfp.jobs.models import Job, JobState
from jkfp.jobs.runner import run_job
from jkfp.jobs.selectors import job_view
from jkfp.regions.services import region_load_builtin, region_load_rows
from jkfp.summaries.models import RegionCount

from ..conftest import TEST_REGIONS, VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner():
    region_load_builtin()  # flushed by earlier transactional tests
    region_load_rows(rows=TEST_REGIONS, generated=True)
    return UserFactory(region_id=VILLAGE, role=Role.DATA_ENTRY, username="worker_owner")


def _other_connection_row(job_id: int) -> tuple:
    """The job row as another connection (another process, the page) sees it."""
    db = dict(connections.settings["default"])
    other = load_backend(db["ENGINE"]).DatabaseWrapper(db, "other")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT state, done, total FROM jobs_job WHERE id = %s", [job_id])
            return cur.fetchone()
    finally:
        other.close()


def test_the_worker_runs_a_submitted_job_to_done(owner, settings):
    job = services.job_submit(user=owner, task="jobs.example_count", params={"n": 25})
    job.refresh_from_db()
    if connection.vendor == "postgresql":
        assert queue.mode() == queue.QUEUE
        assert job.queue_id is not None  # deferred to procrastinate at commit
        with connection.cursor() as cur:
            cur.execute(
                "SELECT status, task_name FROM procrastinate_jobs WHERE id = %s", [job.queue_id]
            )
            assert cur.fetchone() == ("todo", "jkfp.jobs.run")
        assert Job.objects.get(pk=job.pk).state == JobState.QUEUED
        call_command("worker", "--burst")
        with connection.cursor() as cur:
            cur.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job.queue_id])
            assert cur.fetchone() == ("succeeded",)
    else:
        assert queue.mode() == queue.THREAD
        call_command("worker", "--burst")  # waits for the in-process thread
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE, 25, 25, 1)
    assert job.result == {"counted": 25}
    assert _other_connection_row(job.pk) == ("done", 25, 25)


def test_a_failed_job_is_retried_through_the_same_path(owner):
    job = services.job_submit(user=owner, task="jobs.example_count", params={"n": 3, "fail_at": 2})
    call_command("worker", "--burst")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "第2步失败" in job.message
    Job.objects.filter(pk=job.pk).update(params={"n": 3})  # the cause is fixed
    services.job_retry(user=owner, job_id=job.pk)
    call_command("worker", "--burst")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.done) == (JobState.DONE, 2, 3)


inside = threading.Event()
release = threading.Event()


@tasks.register("tests.jobs.long_transaction")
def long_transaction(ctx) -> None:
    with transaction.atomic():
        RegionCount.objects.create(summary="tests.jobs", region_code=VILLAGE, n=1)  # its write
        ctx.progress(5, 10, message="事务中")
        inside.set()
        release.wait(30)
    ctx.progress(10, 10)


def test_progress_inside_an_open_transaction_is_visible_to_the_page(owner, settings):
    settings.JKFP_JOBS_PROGRESS_SECONDS = 0
    inside.clear()
    release.clear()
    job = Job.objects.create(task="tests.jobs.long_transaction", user=owner)
    runner = threading.Thread(target=lambda: (run_job(job.pk), connection.close()))
    runner.start()
    try:
        assert inside.wait(30)
        seen = job_view(Job.objects.get(pk=job.pk))
        assert (seen.state, seen.done, seen.total, seen.message) == ("running", 5, 10, "事务中")
        if connection.vendor == "postgresql":  # in the row, for every process
            assert _other_connection_row(job.pk) == ("running", 5, 10)
    finally:
        release.set()
        runner.join(30)
    job.refresh_from_db()
    assert (job.state, job.done) == (JobState.DONE, 10)


@tasks.register("tests.jobs.locks_its_row")
def locks_its_row(ctx) -> str:
    with transaction.atomic():
        Job.objects.select_for_update().get(pk=ctx.job_id)  # holds the row the progress writes
        ctx.progress(1, 2, message="行被锁定")  # must not wait for the lock forever
    ctx.progress(2, 2)
    return "ok"


def test_progress_does_not_wait_on_a_row_the_task_locked(owner, settings):
    settings.JKFP_JOBS_PROGRESS_SECONDS = 0
    job = Job.objects.create(task="tests.jobs.locks_its_row", user=owner)
    done = []
    runner = threading.Thread(target=lambda: (done.append(run_job(job.pk)), connection.close()))
    runner.start()
    runner.join(60)
    assert not runner.is_alive() and done == [JobState.DONE]
    job.refresh_from_db()
    assert (job.result, job.done, job.total) == ("ok", 2, 2)
