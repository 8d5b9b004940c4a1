"""An integer is not a date in the API (issue 7, Production): Pydantic would read 1704067200 as
2024-01-01 and 0 as 1970-01-01; a date in a request is text YYYY-MM-DD, else 422 naming the
field, and nothing is written."""

from __future__ import annotations

import pytest

from ..apiclient import refused

pytestmark = pytest.mark.usefixtures("api_urlconf")


@pytest.fixture
def village(users, api_as):
    return api_as(users["village"])


NOT_DATES = [1704067200, 0, 20240101, 1.7e9, "1704067200", "20240101", True]


@pytest.mark.parametrize("value", NOT_DATES, ids=repr)
def test_a_number_is_refused_where_a_date_is_expected(village, household, value):
    h, p = household.pk, household.head_id
    cases = [
        (
            "post",
            f"/households/{h}/support-measures",
            {"kind": "medical", "description": "x", "start_date": value},
            "start_date",
        ),
        ("post", f"/persons/{p}/death", {"version": 1, "death_date": value}, "death_date"),
        ("patch", f"/persons/{p}", {"version": 1, "birth_date": value}, "birth_date"),
        (
            "post",
            "/change-requests",
            {
                "action": "admit",
                "category": "unstable_lifted",
                "household_id": h,
                "reason": "x",
                "effective_date": value,
                "channel": "visit",
            },
            "effective_date",
        ),
    ]
    for method, path, data, field in cases:
        fields = refused(village, method, path, data)
        assert fields.get(field) == "invalid", (path, value, fields)


def test_the_message_says_what_a_date_looks_like(village, household):
    r = village.post(
        f"/households/{household.pk}/support-measures",
        {"kind": "medical", "description": "x", "start_date": 1704067200},
    )
    assert r.status_code == 422
    body = r.json()
    assert any(
        e.get("field") == "start_date" and "YYYY-MM-DD" in e["message"] for e in body["errors"]
    ), body


def test_iso_text_is_still_a_date(village, household):
    r = village.post(
        f"/households/{household.pk}/support-measures",
        {"kind": "medical", "description": "x", "start_date": "2024-01-31"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["start_date"] == "2024-01-31"
