"""End-to-end tests: Playwright's sync API driving Debian's chromium against pytest-django's
live server. Run on SQLite and on PostgreSQL alike (live_server uses a transactional database,
so each test builds its own data, regions included)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JKFP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory


@pytest.fixture(scope="session")
def _chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: install Debian's chromium (`.ci/run` does)")
    from django.conf import settings

    htmx = Path(settings.STATICFILES_DIRS[0]) / "vendor" / "htmx.min.js"
    assert htmx.exists(), "front-end assets missing: run `make assets`"
    return CHROMIUM


@pytest.fixture
def browser(_chromium, monkeypatch):
    """A chromium of this test's own Playwright session.

    Between its calls Playwright's sync API leaves its event loop marked as running in this
    thread, and Django refuses ORM calls where a loop runs (SynchronousOnlyOperation): the data
    the test builds and checks are plain synchronous calls. So the guard is lifted while the
    session is open, for this test only; closing the session clears the loop, before the
    transactional database is flushed and before any other test runs.

    While the loop runs, Django keeps this thread's database connections apart (asgiref's
    Local holds them per async context): the test's ORM calls open connections of their own,
    which are closed here while they are still reachable; left open, PostgreSQL refuses to drop
    the test database at the end ("being accessed by other users")."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium, args=ARGS)
        yield b
        b.close()
        connections.close_all()  # the connections opened while the loop ran
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop left running: the next test's ORM calls are checked again
    else:
        pytest.fail("Playwright left an event loop running in the test thread")


@pytest.fixture
def e2e_regions(transactional_db):
    """The built-in divisions (flushed by earlier transactional tests) and the test villages."""
    from jkfp.regions.services import region_load_builtin, region_load_rows

    from ..conftest import TEST_REGIONS

    region_load_builtin()
    region_load_rows(rows=TEST_REGIONS, generated=True)


@pytest.fixture
def login(browser, live_server):
    """`login(user)` → a new browser page logged in through the login form."""
    contexts = []

    def make(user):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        # a shared machine at load 9 took over 10 s to answer a login (a flaky failure)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()
