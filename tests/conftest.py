"""Shared fixtures: a small region tree in both plans' regions, users at every level, their
households; clients of the pages (`client_as`) and of the API (`api_as`, `anon`, `api_urlconf`)."""

from __future__ import annotations

import pytest
from django.test import Client

from jkfp.accounts import tokens
from jkfp.accounts.models import Department, Role
from jkfp.regions.services import region_load_rows

from .apiclient import JsonClient
from .factories import HouseholdFactory, PersonFactory, UserFactory, reset_id_numbers

# Two villages in two townships of 盐池县 and one village in 长治市 潞州区 (generated for tests).
TEST_REGIONS = [
    {"code": "140403100", "name": "测试镇甲", "level": "township", "parent": "140403"},
    {"code": "140403100201", "name": "测试村甲一", "level": "village", "parent": "140403100"},
    {"code": "640323100201", "name": "测试村花一", "level": "village", "parent": "640323100"},
    {"code": "640323100202", "name": "测试村花二", "level": "village", "parent": "640323100"},
    {"code": "640323101201", "name": "测试村坑一", "level": "village", "parent": "640323101"},
]

VILLAGE = "640323100201"
OTHER_VILLAGE_SAME_TOWNSHIP = "640323100202"
OTHER_TOWNSHIP_VILLAGE = "640323101201"
CHANGZHI_VILLAGE = "140403100201"


def pytest_collection_modifyitems(config, items):
    """Tests of PostgreSQL-only paths (`@pytest.mark.postgresql`) are deselected — not run,
    not skipped — when the suite runs on SQLite (no DATABASE_URL)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    kept = [i for i in items if i.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_terminal_summary(terminalreporter, config):
    """The seed of the random order (pytest-randomly), also under -q, where its header is not
    shown: a failure that depends on the order is reproduced with this seed."""
    if config.pluginmanager.hasplugin("randomly"):
        seed = config.getoption("randomly_seed")
        terminalreporter.write_line(f"random order: -p randomly --randomly-seed={seed} "
                                    "repeats it, -p no:randomly turns it off")


@pytest.fixture(autouse=True)
def _fresh_factories():
    """Generated ID numbers, names and usernames do not depend on the tests that ran before."""
    reset_id_numbers()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def regions(db):
    region_load_rows(rows=TEST_REGIONS, generated=True)


@pytest.fixture
def make_user(regions):
    def make(region: str, role: str = Role.DATA_ENTRY, department: str = Department.HEALTH,
             **kw):
        return UserFactory(region_id=region, role=role, department=department, **kw)

    return make


@pytest.fixture
def users(make_user):
    """One user per level, scoped to the chain of VILLAGE."""
    return {
        "village": make_user(VILLAGE, Role.DATA_ENTRY, username="v_user"),
        "township": make_user("640323100", Role.REVIEWER, username="t_user"),
        "county": make_user("640323", Role.APPROVER, username="c_user"),
        "city": make_user("6403", Role.READONLY, username="ct_user"),
        "changzhi_city": make_user("1404", Role.READONLY, username="cz_user"),
    }


@pytest.fixture
def household(regions):
    return HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)


@pytest.fixture
def foreign_households(regions):
    """Households outside VILLAGE: same township, other township, other city."""
    return {
        "same_township": HouseholdFactory(village_id=OTHER_VILLAGE_SAME_TOWNSHIP,
                                          region_code=OTHER_VILLAGE_SAME_TOWNSHIP),
        "other_township": HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE,
                                           region_code=OTHER_TOWNSHIP_VILLAGE),
        "changzhi": HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE),
    }


@pytest.fixture
def member(household):
    """A second member of `household` with a phone number."""
    return PersonFactory(household=household, region_code=VILLAGE, phone="13912345678",
                         name="张小明")


# ---------------------------------------------------------------- clients of the pages
@pytest.fixture
def client_as():
    """`client_as(user)` → a test client logged in as `user` (sessions, as a browser)."""

    def make(user) -> Client:
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


# ---------------------------------------------------------------- clients of the API
@pytest.fixture
def api_urlconf(settings):
    """The API mounted alone (tests/api_urls.py): an API test does not depend on the pages.
    Each API test module uses it: `pytestmark = pytest.mark.usefixtures("api_urlconf")`."""
    settings.ROOT_URLCONF = "tests.api_urls"


@pytest.fixture
def api_as():
    """`api_as(user)` → a JsonClient authenticated with a fresh bearer token of `user`."""

    def make(user) -> JsonClient:
        _, raw = tokens.api_token_issue(user=user)
        return JsonClient(Client(headers={"Authorization": f"Bearer {raw}"}))

    return make


@pytest.fixture
def anon():
    return JsonClient(Client())


# which of `records` each user of `users` sees: the scope matrix of the API and page tests
VISIBLE = {
    "village": {"inside"},
    "township": {"inside", "same_township"},
    "county": {"inside", "same_township", "other_township"},
    "city": {"inside", "same_township", "other_township"},
    "changzhi_city": {"changzhi"},
}


@pytest.fixture
def records(household, foreign_households):
    """{name: household}; each household has its head as one member."""
    return {"inside": household, **foreign_households}


@pytest.fixture
def corrector(make_user, api_as):
    """An API client of a county administrator: the only one who may correct category periods
    outside the admission/exit procedure (with a reason)."""
    return api_as(make_user("640323", Role.ADMIN, username="ca_user", full_name="县管理员"))


# ---------------------------------------------------------------- background jobs
@pytest.fixture
def run_jobs(settings, django_capture_on_commit_callbacks):
    """Jobs submitted inside the `with run_jobs():` block run when it ends, in this thread
    (eager mode, inside the test's transaction): `with run_jobs(): job = job_submit(...)`."""
    settings.JKFP_JOBS_EAGER = True

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
