"""Hostile input to the registry API (search text, ID numbers, phone numbers, text lengths,
numbers, versions): every refusal is a 4xx error body naming the field, nothing is written; text
that only looks hostile is just text."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.registry.models import Person

from ..apiclient import refused
from ..conftest import VILLAGE
from ..factories import make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

BIG = 2**63  # one past the largest 64-bit integer


@pytest.fixture
def village(users, api_as):
    return api_as(users["village"])


@pytest.fixture
def county(users, api_as):
    return api_as(users["county"])


@pytest.mark.parametrize("path", ["/persons", "/households"])
@pytest.mark.parametrize("q", ["' OR 1=1 --", "%", "_", "\\", "６４０３２３", "'; DROP TABLE x; --"])
def test_sql_like_and_wildcard_search_text_is_just_text(county, household, path, q):
    r = county.get(path, {"q": q})
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 0


def test_search_text_longer_than_allowed(county):
    assert refused(county, "get", "/persons", {"q": "王" * 51}) == {"q": "invalid"}


@pytest.mark.parametrize("number", ["1' OR '1'='1", "a" * 400, "%00", "640323198503091234%00",
                                    "-1", "　"])
def test_malformed_id_number_lookup(county, number):
    assert refused(county, "post", "/persons/lookup", {"id_number": number}) == {
        "id_number": "id_format"}


def test_id_number_in_full_width_characters_is_normalised(county, household):
    number = household.head.id_number
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())  # full-width digits, ｘ
    r = county.post("/persons/lookup", {"id_number": wide})
    assert r.status_code == 200, r.content
    assert r.json()["id"] == household.head_id
    new = make_id("640323", dt.date(1990, 1, 2), "F")
    r = county.post(f"/households/{household.pk}/members", {
        "id_number": "".join(chr(ord(c) + 0xFEE0) for c in new), "name": "全角",
        "relation": "child"})
    assert r.status_code == 201, r.content
    assert Person.objects.get(pk=r.json()["id"]).id_number == new


@pytest.mark.parametrize("members", [BIG, 100, 32768])
def test_absurd_income_members(county, household, members):
    # was 500: "smallint out of range"
    fields = refused(county, "post", f"/households/{household.pk}/incomes",
                     {"year": 2024, "total_income": "100.00", "members": members})
    assert fields == {"members": "invalid"}


@pytest.mark.parametrize("version", [BIG, 10**30])
def test_huge_version_is_a_conflict(village, household, version):
    fields = refused(village, "patch", f"/households/{household.pk}",
                     {"version": version, "address": "x"}, status=409)
    assert fields == {"version": "stale_version"}


@pytest.mark.parametrize("phone", ["13٩١٢٣٤٥٦٧٨", "1３٩١٢٣٤٥٦٧٨", "031١-12345678"])
def test_phone_with_digits_of_other_scripts_is_refused(village, household, phone):
    # was stored as typed: `\d` matched Arabic-Indic (and any other script's) digits
    head = household.head
    fields = refused(village, "patch", f"/persons/{head.pk}", {"version": 1, "phone": phone})
    assert fields == {"phone": "phone_format"}
    fields = refused(village, "post", f"/households/{household.pk}/members", {
        "id_number": make_id(), "name": "乙", "relation": "child", "phone": phone})
    assert fields == {"phone": "phone_format"}


@pytest.mark.parametrize(("typed", "stored"), [("13９１２３４５６７８", "13912345678"),
                                               ("０３１１－１２３４５６７８", "0311-12345678")])
def test_phone_in_full_width_digits_is_normalised(village, household, typed, stored):
    # was stored as typed, full-width digits and all
    head = household.head
    r = village.patch(f"/persons/{head.pk}", {"version": 1, "phone": typed})
    assert r.status_code == 200, r.content
    head.refresh_from_db()
    assert head.phone == stored
    r = village.post(f"/households/{household.pk}/members", {
        "id_number": make_id(), "name": "乙", "relation": "child", "phone": typed})
    assert r.status_code == 201, r.content
    assert Person.objects.get(pk=r.json()["id"]).phone == stored


@pytest.mark.parametrize(("path_key", "data", "field"), [
    ("households", {"household_number": "号" * 33, "village_code": VILLAGE, "members": []},
     "household_number"),
    ("households", {"household_number": "N", "village_code": VILLAGE, "address": "址" * 201,
                    "members": []}, "address"),
    ("households", {"household_number": "N", "village_code": VILLAGE, "members": [
        {"id_number": "6" * 31, "name": "名" * 51, "relation": "head", "phone": "1" * 21}]},
     "members[0].name"),
    ("income", {"year": 2024, "total_income": "1", "members": 1, "source": "源" * 101}, "source"),
    ("measure", {"kind": "medical", "description": "帮" * 301, "start_date": "2024-01-01"},
     "description"),
    ("category", {"category": "marginal", "start_date": "2024-01-01", "source": "部" * 33},
     "source"),
    ("category", {"category": "marginal", "start_date": "2024-01-01", "reason": "理" * 301},
     "reason"),
])
def test_text_longer_than_the_column_names_the_field(village, household, path_key, data, field):
    # PostgreSQL would refuse the value ("value too long for type character varying")
    paths = {"households": "/households", "income": f"/households/{household.pk}/incomes",
             "measure": f"/households/{household.pk}/support-measures",
             "category": f"/households/{household.pk}/categories"}
    fields = refused(village, "post", paths[path_key], data)
    assert fields.get(field) == "invalid", fields
