"""The request list (issue 7, Pages): filters by region, category, action, status and date of
proposal, pages, an Excel export of the same filters with its header block, and the printable
village notice."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from jkfp.admission import services as workflow

from ..conftest import OTHER_TOWNSHIP_VILLAGE
from ..factories import HouseholdFactory


def propose(user, household, category="marginal"):
    today = timezone.localdate()
    return workflow.change_request_propose(
        user=user,
        action="admit",
        category=category,
        household=household,
        reason="因病支出骤增",
        effective_date=today,
        channel="visit",
        home_visit_on=today,
        consent_on=today,
        village_review_on=today,
        comparison_note="",
    )


@pytest.fixture
def requests_(users, household, make_user):
    a = propose(users["village"], household, "marginal")
    other = HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE)
    b = propose(make_user(OTHER_TOWNSHIP_VILLAGE), other, "sudden_hardship")
    return a, b


def ids(html: str) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'class="strong">#(\d+)</a>', html)}


def test_filters(users, client_as, requests_):
    a, b = requests_
    c = client_as(users["county"])
    assert ids(c.get("/requests/").content.decode()) == {a.pk, b.pk}
    assert ids(c.get("/requests/", {"region": "640323100"}).content.decode()) == {a.pk}
    assert ids(c.get("/requests/", {"category": "sudden_hardship"}).content.decode()) == {b.pk}
    assert ids(c.get("/requests/", {"status": "proposed", "action": "admit"}).content.decode()) == {
        a.pk,
        b.pk,
    }
    today = timezone.localdate()
    assert ids(
        c.get(
            "/requests/", {"proposed_from": str(today), "proposed_to": str(today)}
        ).content.decode()
    ) == {a.pk, b.pk}
    html = c.get(
        "/requests/", {"proposed_from": str(today + dt.timedelta(days=1))}
    ).content.decode()
    assert ids(html) == set() and "没有找到申请" in html and "提出日期" in html
    # the village user sees only their village, whatever the filter
    v = client_as(users["village"])
    assert ids(v.get("/requests/").content.decode()) == {a.pk}


def test_invalid_filters_are_named(users, client_as, requests_):
    c = client_as(users["village"])
    html = c.get(
        "/requests/",
        {
            "region": "640323101",
            "category": "x",
            "proposed_from": "2024-02-01",
            "proposed_to": "2024-01-01",
        },
    ).content.decode()
    assert "筛选条件有误" in html and ids(html) == set()
    assert "区划代码“640323101”不存在，或不在您的管辖区域内" in html
    assert "没有“x”这一类别" in html and "结束日期不能早于开始日期" in html


def test_pages(users, client_as, household, regions):
    for _ in range(51):
        propose(users["village"], HouseholdFactory())
    c = client_as(users["county"])
    first = c.get("/requests/", {"status": "proposed"}).content.decode()
    second = c.get("/requests/", {"status": "proposed", "page": "2"}).content.decode()
    assert len(ids(first)) == 50 and len(ids(second)) == 1 and not ids(first) & ids(second)
    assert 'href="?status=proposed&amp;page=2"' in first and 'class="pager-jump"' in first


def _sheet(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_export_streams_the_filtered_requests_with_a_header(users, client_as, requests_):
    a, b = requests_
    c = client_as(users["county"])
    r = c.get("/requests/export.xlsx", {"category": "marginal", "dl": "tok123"})
    assert r.status_code == 200 and r.streaming
    assert (
        r["Content-Disposition"].startswith("attachment")
        and r.cookies["jkfp_export"].value == "tok123"
    )
    xml = _sheet(b"".join(r.streaming_content))
    assert "筛选条件——类别：边缘易致贫户" in xml and "共 1 件" in xml and "c_user" in xml
    assert a.household.household_number in xml and b.household.household_number not in xml
    assert a.household.head.id_number not in xml and "因病" not in xml  # no ID, no reason
    # an invalid filter goes back to the list, which names it
    r = c.get("/requests/export.xlsx", {"category": "x"})
    assert r.status_code == 302 and r["Location"].startswith("/requests/?")


def test_printable_notice(users, client_as, household):
    cr = propose(users["village"], household)
    c = client_as(users["county"])
    assert c.get(f"/requests/{cr.pk}/notice/print/").status_code == 404  # not posted yet
    cr = workflow.change_request_post_notice(
        user=users["village"],
        request=cr,
        expected_version=cr.version,
        notice_start=timezone.localdate(),
    )
    html = c.get(f"/requests/{cr.pk}/notice/print/").content.decode()
    assert "关于拟纳入的公示" in html and cr.notice_text in html and "村民委员会（盖章）" in html
    assert household.head.id_number not in html and "因病" not in html
    assert (
        f'href="/requests/{cr.pk}/notice/print/"' in c.get(f"/requests/{cr.pk}/").content.decode()
    )
    # scoped like the request
    other = client_as(users["changzhi_city"])
    assert other.get(f"/requests/{cr.pk}/notice/print/").status_code == 404
