"""Submit → run → done, failure → retry, cancel, a job that dies (decision 48), in eager mode
(the job runs at commit in the test's thread and transaction), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.errors import DomainError, ErrorCode
from jkfp.jobs import services, tasks
from jkfp.jobs.models import Job, JobState
from jkfp.jobs.selectors import job_view

from ..conftest import VILLAGE

pytestmark = pytest.mark.django_db

seen: list[tuple[int, int | None]] = []


@tasks.register("tests.jobs.progress_trace", title="测试：记录进度")
def progress_trace(ctx, *, n: int) -> dict:
    for i in range(n + 1):
        ctx.progress(i, n)
        seen.append((ctx.done, ctx.total))
    return {"n": n, "user": ctx.user.username}


@tasks.register("tests.jobs.boom")
def boom(ctx) -> None:
    ctx.progress(1, 3, message="第一步")
    raise RuntimeError("secret internal detail /etc/passwd")


@pytest.fixture
def user(make_user):
    return make_user(VILLAGE, Role.DATA_ENTRY, username="job_owner")


def test_submit_runs_to_done_with_progress_and_result(user, run_jobs):
    seen.clear()
    with run_jobs():
        job = services.job_submit(user=user, task="tests.jobs.progress_trace", params={"n": 4})
        assert Job.objects.get(pk=job.pk).state == JobState.QUEUED  # nothing runs before commit
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE, 4, 4, 1)
    assert job.result == {"n": 4, "user": "job_owner"}
    assert job.region_code == VILLAGE and job.started_at and job.finished_at
    assert seen[-1] == (4, 4)
    assert job_view(job).percent == 100
    states = [h.state for h in job.history.order_by("history_date", "history_id")]
    assert states == ["queued", "running", "done"]
    assert {h.history_user_id for h in job.history.all()} == {user.pk}


def test_progress_written_while_running_is_in_the_row(user, run_jobs):
    snapshots = []

    @tasks.register("tests.jobs.look")
    def look(ctx) -> None:
        ctx.progress(3, 10, message="第三步")
        row = Job.objects.get(pk=ctx.job_id)
        snapshots.append((row.state, row.done, row.total, row.message))

    with run_jobs():
        services.job_submit(user=user, task="tests.jobs.look")
    assert snapshots == [("running", 3, 10, "第三步")]


def test_failure_keeps_a_chinese_message_and_retry_runs_again(user, run_jobs):
    with run_jobs():
        job = services.job_submit(user=user, task="tests.jobs.boom")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "出错" in job.message and "passwd" not in job.message
    assert job.error.startswith("RuntimeError:") and "Traceback" not in job.error
    assert (job.done, job.total) == (1, 3)
    view = job_view(job)
    assert view.can_retry and not view.can_cancel and view.finished

    with run_jobs():
        services.job_retry(user=user, job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 2)


def test_a_domain_error_fails_the_job_with_its_message(user, run_jobs):
    with run_jobs():
        job = services.job_submit(
            user=user, task="jobs.example_count", params={"n": 5, "fail_at": 3}
        )
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "第3步失败" in job.message
    assert job.error.startswith("invalid:")
    with run_jobs():  # retried with the same params it fails the same way, a second attempt
        services.job_retry(user=user, job_id=job.pk)
    job.refresh_from_db()
    assert job.attempts == 2 and job.state == JobState.FAILED


def test_retry_of_a_fixed_task_reaches_done(user, run_jobs):
    calls = []

    @tasks.register("tests.jobs.flaky")
    def flaky(ctx) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        ctx.progress(1, 1)
        return "ok"

    with run_jobs():
        job = services.job_submit(user=user, task="tests.jobs.flaky")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    with run_jobs():
        services.job_retry(user=user, job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts, job.error) == (JobState.DONE, "ok", 2, "")


def test_unknown_task_and_bad_params_are_refused(user):
    with pytest.raises(DomainError) as e:
        services.job_submit(user=user, task="no.such.task")
    assert e.value.code == ErrorCode.JOB_TASK_UNKNOWN
    with pytest.raises(DomainError) as e:
        services.job_submit(user=user, task="jobs.example_count", params={"n": {1, 2}})
    assert e.value.code == ErrorCode.JOB_PARAMS
    assert not Job.objects.exists()


def test_cancel_a_queued_job_and_it_never_runs(user, run_jobs):
    job = services.job_submit(user=user, task="jobs.example_count", params={"n": 3})
    services.job_cancel(user=user, job_id=job.pk)
    from jkfp.jobs.runner import run_job

    assert run_job(job.pk, eager=True) is None  # no longer queued
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.CANCELLED, 0)
    with pytest.raises(DomainError) as e:
        services.job_cancel(user=user, job_id=job.pk)
    assert e.value.code == ErrorCode.JOB_STATE


def test_cancel_of_a_running_job_stops_it_at_the_next_progress(user, run_jobs):
    @tasks.register("tests.jobs.cancel_self")
    def cancel_self(ctx) -> None:
        ctx.progress(1, 10)
        services.job_cancel(user=ctx.user, job_id=ctx.job_id)  # as if the user clicked 取消
        for i in range(2, 11):
            ctx.progress(i, 10)
            ctx.check_cancelled()

    with run_jobs():
        job = services.job_submit(user=user, task="tests.jobs.cancel_self")
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.message == services.CANCELLED_MESSAGE
    assert job.done < 10


def test_a_job_whose_worker_died_shows_failed_and_can_be_retried(user, run_jobs, settings):
    job = services.job_submit(user=user, task="jobs.example_count", params={"n": 2})
    long_ago = timezone.now() - dt.timedelta(seconds=settings.JKFP_JOBS_STALE_SECONDS + 60)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=1
    )
    job.refresh_from_db()
    view = job_view(job)
    assert view.stale and (view.state, view.state_label) == ("failed", "失败")
    assert "中断" in view.message and job.state == JobState.RUNNING  # the row is not yet marked
    assert view.can_retry and not view.can_cancel

    fresh = services.job_submit(user=user, task="jobs.example_count", params={"n": 2})
    Job.objects.filter(pk=fresh.pk).update(
        state=JobState.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert services.job_fail_stale() == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "中断" in job.message
    assert Job.objects.get(pk=fresh.pk).state == JobState.RUNNING

    with run_jobs():
        services.job_retry(user=user, job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.result) == (JobState.DONE, 2, {"counted": 2})


def test_retry_of_a_stale_running_job_without_the_reaper(user, run_jobs, settings):
    job = services.job_submit(user=user, task="jobs.example_count", params={"n": 1})
    long_ago = timezone.now() - dt.timedelta(seconds=settings.JKFP_JOBS_STALE_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, heartbeat_at=long_ago, started_at=long_ago
    )
    with run_jobs():
        services.job_retry(user=user, job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert "failed" in [h.state for h in job.history.all()]


def test_a_running_job_cannot_be_retried(user):
    job = services.job_submit(user=user, task="jobs.example_count")
    with pytest.raises(DomainError) as e:
        services.job_retry(user=user, job_id=job.pk)
    assert e.value.code == ErrorCode.JOB_STATE


def test_the_end_of_a_job_is_published_after_commit(user, run_jobs):
    from jkfp.events import Event, subscribe, unsubscribe

    heard = []

    def handler(**payload):
        heard.append(payload)

    subscribe(Event.JOB_FINISHED, handler)
    try:
        with run_jobs():
            ok = services.job_submit(user=user, task="jobs.example_count", params={"n": 1})
        with run_jobs():
            bad = services.job_submit(user=user, task="tests.jobs.boom")
    finally:
        unsubscribe(Event.JOB_FINISHED, handler)
    assert [(h["job_id"], h["task"], h["state"]) for h in heard] == [
        (ok.pk, "jobs.example_count", "done"),
        (bad.pk, "tests.jobs.boom", "failed"),
    ]
    assert {h["region_code"] for h in heard} == {VILLAGE}


@tasks.register("tests.jobs.bad_result")
def bad_result(ctx) -> object:
    return {"ids": {1, 2}}  # a set is not JSON


def test_a_result_that_cannot_be_stored_fails_the_job(user, run_jobs):
    with run_jobs():
        job = services.job_submit(user=user, task="tests.jobs.bad_result")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error.startswith("TypeError")
    assert job.result is None
