"""`jkfp.web.http.head`: the first rows of a worklist and how many there are in all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jkfp.regions.models import Region
from jkfp.web import http

pytestmark = pytest.mark.usefixtures("regions")


def _regions():
    return Region.objects.order_by("code")


def test_a_list_within_the_limit_is_read_in_one_query_and_not_capped():
    n = _regions().count()
    assert n >= 3
    with CaptureQueriesContext(connection) as q:
        h = http.head(_regions(), limit=n, url="/x/")
    assert len(q.captured_queries) == 1
    assert [r.code for r in h] == list(_regions().values_list("code", flat=True))
    assert (len(h), h.total, h.more, h.capped, h.url) == (n, n, False, False, "/x/")


def test_a_longer_list_keeps_its_first_rows_and_counts_them_all():
    n = _regions().count()
    h = http.head(_regions(), limit=2)
    assert [r.code for r in h] == list(_regions().values_list("code", flat=True)[:2])
    assert (len(h), h.total, h.more, h.capped) == (2, n, False, True)


def test_the_count_stops_at_its_cap(monkeypatch):
    monkeypatch.setattr(http, "COUNT_CAP", 2)
    h = http.head(_regions(), limit=1)
    assert (len(h), h.total, h.more, h.capped) == (1, 2, True, True)
