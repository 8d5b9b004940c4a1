"""The household list as the region overview links to it (issue 7, Pages): the category filter
普通城乡居民 finds the households with no other category; an empty or invalid filter says what
is wrong; sortable columns; a page jump."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from jkfp.registry.models import CategoryPeriod

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, PersonFactory

START = dt.date(2024, 1, 1)


def numbers(html: str) -> list[str]:
    return re.findall(r'class="strong">([^<]+)</a>', html)


@pytest.fixture
def three(regions):
    """A household of its own category, one whose member holds a person category, one with none."""
    own = HouseholdFactory(household_number="B-OWN")
    CategoryPeriod.objects.create(
        household=own, category="lifted_out", region_code=VILLAGE, start_date=START
    )
    member = HouseholdFactory(household_number="C-MEMBER")
    p = PersonFactory(household=member, region_code=VILLAGE)
    CategoryPeriod.objects.create(
        person=p, category="extreme_poor", region_code=VILLAGE, start_date=START
    )
    ended = HouseholdFactory(household_number="A-ENDED")  # its only category has ended
    CategoryPeriod.objects.create(
        household=ended,
        category="marginal",
        region_code=VILLAGE,
        start_date=START,
        end_date=dt.date(2024, 6, 30),
    )
    return own, member, ended


def test_general_finds_the_households_with_no_other_category(users, client_as, three):
    c = client_as(users["county"])
    html = c.get("/households/", {"category": "general"}).content.decode()
    assert numbers(html) == ["A-ENDED"]
    assert numbers(c.get("/households/", {"category": "lifted_out"}).content.decode()) == ["B-OWN"]


def test_an_invalid_filter_says_what_is_wrong(users, client_as, three):
    c = client_as(users["village"])
    html = c.get(
        "/households/", {"region": "140403", "category": "nope", "page": "0"}
    ).content.decode()
    assert "筛选条件有误" in html
    assert "区划代码“140403”不存在，或不在您的管辖区域内" in html
    assert "没有“nope”这一类别" in html and "页码须为正整数" in html
    assert "暂无家庭户" not in html and numbers(html) == []


def test_an_empty_result_names_the_filters(users, client_as, three):
    c = client_as(users["county"])
    html = c.get(
        "/households/", {"region": VILLAGE, "category": "sudden_hardship"}
    ).content.decode()
    assert "没有找到家庭户" in html and "类别“突发严重困难户”" in html and "区划“" in html
    assert "暂无家庭户" not in html
    # a page past the end says so and links back to page 1
    html = c.get("/households/", {"page": "50"}).content.decode()
    assert "第 50 页没有家庭户" in html and "回到第 1 页" in html


def test_sortable_columns(users, client_as, three):
    c = client_as(users["county"])
    assert numbers(c.get("/households/", {"sort": "number"}).content.decode()) == [
        "A-ENDED",
        "B-OWN",
        "C-MEMBER",
    ]
    html = c.get("/households/", {"sort": "-number"}).content.decode()
    assert numbers(html) == ["C-MEMBER", "B-OWN", "A-ENDED"]
    assert 'aria-sort="descending"' in html
    # the header of the sorted column links to the other direction, other filters kept
    html = c.get("/households/", {"sort": "number", "category": "general"}).content.decode()
    assert "?category=general&amp;sort=-number" in html
    assert c.get("/households/", {"sort": "bogus"}).status_code == 200


def test_page_jump_keeps_the_filters(users, client_as, regions):
    for i in range(55):
        HouseholdFactory(household_number=f"P{i:03d}")
    c = client_as(users["county"])
    html = c.get("/households/", {"sort": "number", "category": "general"}).content.decode()
    assert 'class="pager-jump"' in html
    jump = html[html.index('class="pager-jump"') :]
    jump = jump[: jump.index("</form>")]
    assert 'name="sort" value="number"' in jump and 'name="category" value="general"' in jump
    html = c.get(
        "/households/", {"sort": "number", "category": "general", "page": "2"}
    ).content.decode()
    assert numbers(html) == [f"P{i:03d}" for i in range(50, 55)]
    count = c.get("/households/", {"count": "1"}).content.decode()
    assert "共 55 户，2 页" in count
