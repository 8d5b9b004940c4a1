"""Sharing back to medical insurance: the registered poor not enrolled in a year — who is in,
who is not; the workbook in the department's headers, masked or full as the role allows,
logged; the comparison sheet of an enrolment batch; the page and the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.exchange import enrolment_share, services
from jkfp.registry.models import CategoryPeriod
from tests.conftest import CHANGZHI_VILLAGE
from tests.factories import HouseholdFactory, PersonFactory

from .files import xlsx
from .test_enrolment import HEADER, TITLE

YEAR = 2025


def _period(*, category, start, end=None, person=None, household=None):
    subject = person or household
    return CategoryPeriod.objects.create(
        category=category,
        start_date=start,
        end_date=end,
        region_code=subject.region_code,
        person=person,
        household=household,
    )


@pytest.fixture
def medical(make_user):
    return make_user("640323", Role.REVIEWER, Department.MEDICAL_INSURANCE, username="yb_rev")


@pytest.fixture
def world(people, regions):
    """head: 低保, enrolled (insured) → out; wife: 特困, enrolment 停保 → in; a member of a
    lifted-out household, no enrolment → in; other: 低保 ended before the year → out;
    dead: 特困 → out (deceased); a person with no category → out; a 长治 低保 → out (scope)."""
    head, wife, other, dead = people["head"], people["wife"], people["other"], people["dead"]
    _period(category="minimum_living", start=dt.date(2023, 1, 1), person=head)
    _period(category="extreme_poor", start=dt.date(2023, 1, 1), person=wife)
    _period(
        category="minimum_living",
        start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31),
        person=other,
    )
    _period(category="extreme_poor", start=dt.date(2020, 1, 1), person=dead)
    lifted = HouseholdFactory()
    member = PersonFactory(household=lifted, name="脱贫户成员")
    _period(category="lifted_out", start=dt.date(2019, 1, 1), household=lifted)
    plain = HouseholdFactory().head
    far = HouseholdFactory(village_id=CHANGZHI_VILLAGE, region_code=CHANGZHI_VILLAGE).head
    _period(category="minimum_living", start=dt.date(2023, 1, 1), person=far)
    return {
        "head": head,
        "wife": wife,
        "member": member,
        "lifted_head": lifted.head,
        "other": other,
        "dead": dead,
        "plain": plain,
        "far": far,
    }


def _enrol(user, rows):
    batch = services.batch_check(
        user=user, kind="enrolment", data=xlsx(HEADER, rows, title=TITLE), file_name="参保.xlsx"
    )
    services.batch_apply(user=user, batch=batch)
    return batch


def test_who_is_in_and_who_is_not(medical, world):
    w = world
    _enrol(
        medical,
        [
            [1, w["head"].name, w["head"].id_number, YEAR, "参保", "低保对象", "200"],
            [2, w["wife"].name, w["wife"].id_number, YEAR, "停保", None, None],
            [3, w["member"].name, w["member"].id_number, YEAR - 1, "参保", None, None],
        ],
    )
    rows = enrolment_share.not_enrolled(user=medical, year=YEAR)
    got = {r["person_id"]: r for r in rows}
    assert set(got) == {w["wife"].pk, w["member"].pk, w["lifted_head"].pk}
    assert got[w["wife"].pk]["status"] == "停保"
    assert got[w["wife"].pk]["categories"] == ["特困人员"]
    assert got[w["member"].pk]["status"] == "无记录"  # enrolled last year only
    assert got[w["member"].pk]["categories"] == ["脱贫人口"]
    # last year the member was insured; the head and wife had no row
    last = {r["person_id"] for r in enrolment_share.not_enrolled(user=medical, year=YEAR - 1)}
    assert w["member"].pk not in last and {w["head"].pk, w["wife"].pk} <= last


def test_workbook_masked_for_data_entry_full_for_reviewer(medical, world, make_user):
    clerk = make_user("640323", Role.DATA_ENTRY, Department.MEDICAL_INSURANCE, username="yb_clk")
    wife = world["wife"]
    data, n = enrolment_share.not_enrolled_workbook(user=clerk, year=YEAR, path="/x")
    assert n == 4  # head, wife, the lifted-out household's two members: no enrolment at all
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[4]] == enrolment_share.HEADERS
    by_name = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert by_name[wife.name][0] != wife.id_number and "*" in by_name[wife.name][0]
    assert by_name[wife.name][3:6] == (YEAR, "无记录", "特困人员")
    assert PersonalDataAccess.objects.filter(user=clerk, channel="export").count() == 4
    data, _n = enrolment_share.not_enrolled_workbook(user=medical, year=YEAR)
    ws = load_workbook(io.BytesIO(data)).active
    ids = {r[0] for r in ws.iter_rows(min_row=5, values_only=True)}
    assert wife.id_number in ids and world["far"].id_number not in ids
    logged = PersonalDataAccess.objects.filter(user=medical, field="id_number")
    assert logged.count() == 4


def test_comparison_lists_who_the_list_lacks(medical, world):
    w = world
    batch = services.batch_check(
        user=medical,
        kind="enrolment",
        data=xlsx(HEADER, [[1, w["head"].name, w["head"].id_number, YEAR, "参保", None, None]]),
        file_name="参保.xlsx",
    )
    missing = {m["person_id"] for m in batch.comparison["missing"]}
    assert missing == {w["wife"].pk, w["member"].pk, w["lifted_head"].pk}


@pytest.mark.usefixtures("api_urlconf")
def test_api_not_enrolled(medical, world, api_as):
    r = api_as(medical).get(f"/exchange/not-enrolled?year={YEAR}")
    assert r.status_code == 200, r.content
    got = {row["name"]: row for row in r.json()}
    assert got[world["wife"].name]["id_number"] == world["wife"].id_number
    assert world["far"].name not in got
    assert api_as(medical).get("/exchange/not-enrolled?year=25").status_code == 422


def test_page_and_download(medical, world, client_as):
    c = client_as(medical)
    page = c.get(f"/exchange/not-enrolled/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert world["wife"].name in html and world["head"].name in html  # head not enrolled yet
    assert world["wife"].id_number not in html
    listing = c.get("/exchange/").content.decode()
    assert "/exchange/not-enrolled/" in listing
    r = c.get(f"/exchange/not-enrolled.xlsx?year={YEAR}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert PersonalDataAccess.objects.filter(user=medical, channel="export").count() == 4
