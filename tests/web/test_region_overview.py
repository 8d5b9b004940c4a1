"""The region overview (home page, issue 7 Pages): each count links to the household list it
counts; households and persons are never added in one bar of the chart."""

from __future__ import annotations

import datetime as dt
import json
import re

from jkfp.registry.models import CategoryPeriod
from jkfp.summaries.services import summary_rebuild

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, PersonFactory

START = dt.date(2024, 1, 1)


def _data(users, client_as):
    hh = HouseholdFactory()
    CategoryPeriod.objects.create(
        household=hh, category="lifted_out", region_code=VILLAGE, start_date=START
    )
    p = PersonFactory(household=hh, region_code=VILLAGE)
    CategoryPeriod.objects.create(
        person=p, category="extreme_poor", region_code=VILLAGE, start_date=START
    )
    other = HouseholdFactory(village_id="640323101201", region_code="640323101201")
    CategoryPeriod.objects.create(
        household=other, category="lifted_out", region_code="640323101201", start_date=START
    )
    summary_rebuild()
    return client_as(users["county"]).get("/").content.decode()


def test_each_count_links_to_the_list_it_counts(users, client_as):
    html = _data(users, client_as)
    # the totals of the county
    assert 'href="/households/?region=640323&amp;category=lifted_out"' in html
    assert 'href="/households/?region=640323&amp;category=extreme_poor"' in html
    assert 'href="/households/?region=640323"' in html
    # a row's counts: its region and the column's category
    assert 'href="/households/?region=640323100&amp;category=extreme_poor">1</a>' in html
    assert 'href="/households/?region=640323101&amp;category=lifted_out">1</a>' in html


def test_households_and_persons_are_never_stacked_together(users, client_as):
    html = _data(users, client_as)
    raw = re.search(
        r'<script id="region-chart-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    series = {s["name"]: s for s in json.loads(raw)["series"]}
    household = next(s for n, s in series.items() if n.startswith("脱贫人口"))
    person = next(s for n, s in series.items() if n.startswith("特困人员"))
    assert household["stack"] == "household" and person["stack"] == "person"
    assert household["name"].endswith("（户）") and person["name"].endswith("（人）")
