"""The job pages, the API and `jkfp job`: the user's own jobs only (another user's: 404), the
progress bar that htmx polls until the job ends, retry and cancel (decision 48)."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from jkfp.accounts.models import Role
from jkfp.jobs import queue, services, tasks
from jkfp.jobs.models import Job, JobState

from ..conftest import VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_user):
    return (
        make_user(VILLAGE, Role.DATA_ENTRY, username="owner1"),
        make_user(VILLAGE, Role.APPROVER, username="neighbour"),
    )


def test_the_page_polls_while_running_and_stops_when_done(two, client_as, run_jobs):
    owner, _ = two
    job = services.job_submit(user=owner, task="jobs.example_count", params={"n": 4})
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, done=1, total=4)
    c = client_as(owner)
    page = c.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "示例：计数" in html and 'value="25"' in html
    assert f'hx-get="/jobs/{job.pk}/status/"' in html and 'hx-trigger="every 1s"' in html
    assert "<script>" not in html  # the CSP allows no inline script

    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, done=0, total=None)
    with run_jobs():  # queued again, it runs in eager mode at the block's end
        transaction.on_commit(lambda: queue.enqueue(job.pk))
    part = c.get(f"/jobs/{job.pk}/status/").content.decode()
    assert 'data-state="done"' in part and 'value="100"' in part and "hx-trigger" not in part
    assert "4 / 4" in part


def test_another_users_job_is_not_found_on_every_path(two, client_as, api_as):
    owner, other = two
    job = services.job_submit(user=owner, task="jobs.example_count")
    c = client_as(other)
    for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status/"):
        assert c.get(path).status_code == 404
    for path in (f"/jobs/{job.pk}/retry/", f"/jobs/{job.pk}/cancel/"):
        assert c.post(path).status_code == 404
    assert f"#{job.pk}" not in c.get("/jobs/").content.decode()
    assert f"#{job.pk}" in client_as(owner).get("/jobs/").content.decode()
    api = api_as(other)
    assert api.get(f"/jobs/{job.pk}").status_code == 404
    assert api.post(f"/jobs/{job.pk}/cancel").status_code == 404
    assert api.get("/jobs").json() == []
    job.refresh_from_db()
    assert job.state == JobState.QUEUED


def test_the_api_shows_progress_and_retries(two, api_as, run_jobs):
    owner, _ = two
    with run_jobs():
        job = services.job_submit(
            user=owner, task="jobs.example_count", params={"n": 3, "fail_at": 3}
        )
    api = api_as(owner)
    body = api.get(f"/jobs/{job.pk}").json()
    assert (body["state"], body["done"], body["total"], body["finished"]) == ("failed", 2, 3, True)
    assert body["can_retry"] and "第3步失败" in body["message"] and "error" not in body
    Job.objects.filter(pk=job.pk).update(params={"n": 3})
    with run_jobs():
        r = api.post(f"/jobs/{job.pk}/retry")
    assert r.status_code == 200 and r.json()["state"] == "queued"
    body = api.get(f"/jobs/{job.pk}").json()
    assert (body["state"], body["percent"], body["result"], body["attempts"]) == (
        "done",
        100,
        {"counted": 3},
        2,
    )
    r = api.post(f"/jobs/{job.pk}/retry")
    assert r.status_code == 422 and r.json()["code"] == "job_state"


def test_cancel_and_retry_buttons(two, client_as):
    owner, _ = two
    job = services.job_submit(user=owner, task="jobs.example_count")
    c = client_as(owner)
    assert "取消任务" in c.get(f"/jobs/{job.pk}/").content.decode()
    r = c.post(f"/jobs/{job.pk}/cancel/", follow=True)
    html = r.content.decode()
    assert "已请求取消任务" in html and "已取消" in html and "重试" in html
    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED
    r = c.post(f"/jobs/{job.pk}/cancel/", follow=True)
    assert "不能取消" in r.content.decode()
    c.post(f"/jobs/{job.pk}/retry/")
    assert Job.objects.get(pk=job.pk).state == JobState.QUEUED


def test_job_command_waits_shows_and_lists(two, run_jobs):
    owner, other = two
    with run_jobs():
        job = services.job_submit(user=owner, task="jobs.example_count", params={"n": 7})
    out, err = StringIO(), StringIO()
    call_command("job", "wait", str(job.pk), "--as", "owner1", stdout=out, stderr=err)
    assert "已完成" in out.getvalue()
    assert re.search(r"7/7", err.getvalue())  # the tqdm bar
    out = StringIO()
    call_command("job", "show", str(job.pk), "--as", "owner1", stdout=out)
    shown = json.loads(out.getvalue())
    assert (shown["state"], shown["done"], shown["result"]) == ("done", 7, {"counted": 7})
    out = StringIO()
    call_command("job", "list", "--as", "owner1", stdout=out)
    assert f"#{job.pk}\t示例：计数\t已完成\t100%" in out.getvalue()
    with pytest.raises(CommandError, match="无此任务"):
        call_command("job", "wait", str(job.pk), "--as", "neighbour", stdout=StringIO())


def test_job_wait_exits_with_an_error_for_a_failed_job(two, run_jobs):
    owner, _ = two
    with run_jobs():
        job = services.job_submit(
            user=owner, task="jobs.example_count", params={"n": 2, "fail_at": 1}
        )
    with pytest.raises(CommandError, match="未完成：失败"):
        call_command(
            "job",
            "wait",
            str(job.pk),
            "--as",
            "owner1",
            "--no-bar",
            stdout=StringIO(),
            stderr=StringIO(),
        )


@tasks.register("tests.jobs.with_url")
def with_url(ctx, *, url: str) -> dict:
    return {"url": url, "rows": 3}


@pytest.mark.parametrize(
    ("url", "shown"),
    [("/jobs/", True), ("//evil.example/", False), ("https://evil.example/", False)],
)
def test_a_done_job_links_to_its_result_page_of_this_site_only(
    two, client_as, run_jobs, url, shown
):
    owner, _ = two
    with run_jobs():
        job = services.job_submit(user=owner, task="tests.jobs.with_url", params={"url": url})
    html = client_as(owner).get(f"/jobs/{job.pk}/").content.decode()
    assert ("查看结果" in html) is shown
    assert (f'href="{url}"' in html) is shown
