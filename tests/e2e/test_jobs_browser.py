"""In a real browser: a job's page shows its progress bar moving to 100 % (htmx polling, no
inline script) while the job runs in the background thread (decision 48)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.jobs import queue, services

from ..conftest import VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.e2e


def test_the_progress_bar_reaches_100_percent(e2e_regions, login, live_server, settings):
    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the job, any database
    settings.JKFP_JOBS_PROGRESS_SECONDS = 0
    user = UserFactory(username="e2e_jobs", region_id=VILLAGE, role=Role.DATA_ENTRY)
    page = login(user)
    page.set_viewport_size({"width": 1366, "height": 800})
    job = services.job_submit(user=user, task="jobs.example_count", params={"n": 12, "pause": 0.5})
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-state", "running", timeout=10_000)
    expect(page.locator("#job-status .job-message")).to_contain_text("正在计数")
    expect(status).to_have_attribute("data-state", "done", timeout=20_000)
    expect(page.locator("#job-status .job-percent")).to_have_text("100%")
    expect(page.locator("#job-status progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-status .job-count")).to_contain_text("12 / 12")
    if os.environ.get("JKFP_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["JKFP_SCREENSHOTS"], "job.png"), full_page=True
        )
    page.goto(f"{live_server.url}/jobs/")
    expect(page.locator("table")).to_contain_text("示例：计数")
    expect(page.locator("table")).to_contain_text("已完成")
    queue.wait_idle(10)
