"""Hostile input to the change-request API: refused naming the field, nothing written."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ..apiclient import refused

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)


@pytest.fixture
def village(users, api_as):
    return api_as(users["village"])


@pytest.fixture
def proposed(village, household) -> dict:
    """A proposed admission of the household to a monitored category it does not hold."""
    today = timezone.localdate()
    r = village.post("/change-requests", {
        "action": "admit", "category": "sudden_hardship", "household_id": household.pk,
        "reason": "因病支出骤增", "effective_date": str(today), "channel": "visit",
        "home_visit_on": str(today), "consent_on": str(today)})
    assert r.status_code == 201, r.content
    return r.json()


@pytest.mark.parametrize("days", [10**12, 61])
def test_absurd_notice_length(village, proposed, days):
    # 10**12 was 500: timedelta overflow
    fields = refused(village, "post", f"/change-requests/{proposed['id']}/notice",
                     {"version": proposed["version"], "notice_start": "2024-01-01",
                      "notice_days": days})
    assert fields == {"notice_days": "invalid"}


@pytest.mark.parametrize(("data", "field"), [
    ({"action": "admit", "category": "marginal", "reason": "理" * 501,
      "effective_date": "2024-01-01", "channel": "visit"}, "reason"),
    ({"action": "admit", "category": "marginal", "reason": "理", "comparison_note": "比" * 301,
      "effective_date": "2024-01-01", "channel": "visit"}, "comparison_note"),
])
def test_text_longer_than_the_column_names_the_field(village, household, data, field):
    # PostgreSQL would refuse the value ("value too long for type character varying")
    fields = refused(village, "post", "/change-requests", {**data, "household_id": household.pk})
    assert fields.get(field) == "invalid", fields
