"""Schedules (decision 48): cron expressions checked when declared, due in (after, until],
submitted as system jobs; the procrastinate side registers the runner, the stale-job check and
each schedule as periodic tasks. And a job that cannot be queued fails visibly."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.jobs import queue, schedule, services
from jkfp.jobs.models import Job, JobState

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def test_a_bad_cron_expression_is_refused_when_declared():
    with pytest.raises(ValueError, match="invalid cron"):
        schedule.periodic("tests.bad", cron="every hour", task="jobs.example_count")
    assert "tests.bad" not in {s.name for s in schedule.schedules()}


def test_due_in_the_half_open_interval():
    s = schedule.Schedule(name="x", cron="0 * * * *", task="jobs.example_count")
    at = dt.datetime(2026, 3, 1, 10, 59, 30, tzinfo=TZ)
    assert schedule.due(s, after=at, until=at.replace(hour=11, minute=0, second=0))
    assert not schedule.due(s, after=at, until=at.replace(second=59))
    assert not schedule.due(
        s, after=at.replace(hour=11, minute=0, second=0), until=at.replace(hour=11, minute=30)
    )


def test_due_schedules_are_submitted_as_system_jobs(run_jobs, monkeypatch):
    monkeypatch.setattr(schedule, "_schedules", {})
    schedule.periodic(
        "tests.every_minute", cron="* * * * *", task="jobs.example_count", params={"n": 2}
    )
    schedule.periodic("tests.yearly", cron="0 0 1 1 *", task="jobs.example_count")
    at = dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=TZ)
    with run_jobs():
        jobs = services.schedules_submit_due(after=at, until=at + dt.timedelta(minutes=1))
    assert len(jobs) == 1
    job = Job.objects.get(pk=jobs[0].pk)
    assert (job.user, job.region_code, job.state, job.result) == (
        None,
        "",
        JobState.DONE,
        {"counted": 2},
    )


def test_the_example_schedule_is_off_by_default():
    assert "jobs.example_hourly" not in {s.name for s in schedule.schedules()}


def test_procrastinate_knows_the_runner_and_the_periodic_tasks():
    from procrastinate.contrib.django import app

    from jkfp.jobs import procrastinate_tasks

    assert procrastinate_tasks.run.name == "jkfp.jobs.run"
    periodic = {t.task.name for t in app.periodic_registry.periodic_tasks.values()}
    assert "jkfp.jobs.fail_stale" in periodic


def test_a_job_that_cannot_be_queued_fails_with_a_message(
    make_user, monkeypatch, settings, django_capture_on_commit_callbacks
):
    user = make_user("640323100201")
    settings.JKFP_JOBS_EAGER = False
    settings.JKFP_JOBS_INPROCESS = False

    def broken(job_id):
        raise ConnectionError("queue database unreachable")

    monkeypatch.setattr("jkfp.jobs.procrastinate_tasks.defer", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_submit(user=user, task="jobs.example_count")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.message == queue.NOT_QUEUED_MESSAGE
    assert job.error == "not queued"
