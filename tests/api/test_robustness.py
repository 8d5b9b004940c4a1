"""Hostile input through the API (found by schemathesis and by hand): every refusal is a 4xx
with the error body `{code, message, field, errors}` and a Chinese message, never a 500 and never
a database error, on SQLite and on PostgreSQL alike; and nothing is written.

Here what src/jkfp/api/ guarantees for every router: paging, record ids, control characters,
dates, money, bodies that are not JSON, unknown paths. What one app's schemas bound (lengths,
phone numbers, notice days) is in tests/<app>/test_api_robustness.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jkfp.admission.models import ChangeRequest
from jkfp.api.common import MAX_PAGE

from ..apiclient import BASE, assert_error_body, counts, refused
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


@pytest.fixture
def period(corrector, household) -> dict:
    r = corrector.post(f"/households/{household.pk}/categories",
                       {"category": "marginal", "start_date": "2024-01-01", "reason": "更正"})
    assert r.status_code == 201, r.content
    return r.json()


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


LISTS = ["/persons", "/households", "/change-requests", "/change-requests/inbox"]


# ---------------------------------------------------------------- pagination and filters
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", [BIG - 1, 2**61, MAX_PAGE + 1])
def test_huge_page_number_is_refused_not_an_offset_overflow(county, household, path, page):
    # was 500: OFFSET past a 64-bit integer ("bigint out of range" / "datatype mismatch")
    fields = refused(county, "get", path, {"page": page, "page_size": 200})
    assert fields == {"page": "invalid"}


@pytest.mark.parametrize("path", LISTS)
def test_last_allowed_page_is_empty(county, household, path):
    r = county.get(path, {"page": MAX_PAGE, "page_size": 200})
    assert r.status_code == 200, r.content
    assert r.json()["items"] == [] and r.json()["page"] == MAX_PAGE


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("params", "field"), [
    ({"page_size": 0}, "page_size"), ({"page_size": 10**9}, "page_size"),
    ({"page": 0}, "page"), ({"page": -1}, "page"), ({"page": "１"}, "page"),
    ({"page": "1.5"}, "page"),
])
def test_out_of_range_paging(county, path, params, field):
    assert refused(county, "get", path, params) == {field: "invalid"}


@pytest.mark.parametrize("param", ["household_id", "person_id"])
@pytest.mark.parametrize("value", [BIG, 0, -5])
def test_change_request_filter_ids_out_of_range(county, param, value):
    # was 500 on SQLite: "Python int too large to convert to SQLite INTEGER"
    assert refused(county, "get", "/change-requests", {param: value}) == {param: "invalid"}


@pytest.mark.parametrize("path", ["/persons", "/households"])
def test_nul_byte_in_search_text(county, path):
    # was 500 on PostgreSQL: text cannot contain NUL
    fields = refused(county, "get", path, {"q": "王\x00"})
    assert fields == {"q": "invalid"}


# ---------------------------------------------------------------- path parameters
@pytest.mark.parametrize("path", [
    "/persons/-1", "/persons/0", f"/persons/{BIG}", f"/households/{BIG}/history",
    "/households/-7", f"/statements/{BIG}", "/change-requests/-1", "/regions/%00",
    "/regions/" + "6" * 300, "/regions/６４０３２３",
])
def test_unknown_or_absurd_ids_in_the_path_are_not_found(county, path):
    assert_error_body(county.get(path), 404)


# ---------------------------------------------------------------- control characters in text
def _bodies(household, person, period, proposed):
    member = {"id_number": make_id("640323", dt.date(1985, 3, 9), "M"), "name": "王某",
              "relation": "head"}
    stay = {"hospital_name": "县人民医院", "hospital_grade": 1, "location": "county",
            "admission_date": "2025-01-01", "discharge_date": "2025-01-03",
            "total_cost": "100.00", "in_policy_cost": "50.00"}
    h, p = household.pk, person.pk
    return [
        ("post", "/households", {"household_number": "N\x00", "village_code": VILLAGE,
                                 "members": [member]}, "household_number"),
        ("post", "/households", {"household_number": "N-1", "village_code": VILLAGE,
                                 "address": "一组\x00", "members": [member]}, "address"),
        ("post", "/households", {"household_number": "N-1", "village_code": VILLAGE + "\x00",
                                 "members": [member]}, "village_code"),
        ("post", "/households", {"household_number": "N-1", "village_code": VILLAGE,
                                 "members": [{**member, "name": "王\x00"}]}, "members[0].name"),
        ("patch", f"/households/{h}", {"version": 1, "address": "a\x00b"}, "address"),
        ("patch", f"/persons/{p}", {"version": 1, "name": "王\x00"}, "name"),
        ("patch", f"/persons/{p}", {"version": 1, "phone": "139\x0012345678"}, "phone"),
        ("post", f"/households/{h}/members", {**member, "relation": "child", "name": "\x1b[31m"},
         "name"),
        ("post", f"/households/{h}/incomes", {"year": 2024, "total_income": "100.00",
                                             "members": 1, "source": "\x00"}, "source"),
        ("post", f"/households/{h}/support-measures", {"kind": "medical", "description": "\x00",
                                                      "start_date": "2024-01-01"}, "description"),
        ("post", f"/households/{h}/categories", {"category": "unstable_lifted",
                                                "start_date": "2024-01-01", "reason": "因\x00病"},
         "reason"),
        ("post", f"/category-periods/{period['id']}/end", {"end_date": "2024-06-01",
                                                          "end_reason": "x\x00"}, "end_reason"),
        ("post", "/change-requests", {"action": "admit", "category": "unstable_lifted",
                                      "household_id": h, "reason": "x\x00",
                                      "effective_date": "2024-01-01", "channel": "visit"},
         "reason"),
        ("post", f"/change-requests/{proposed['id']}/withdraw",
         {"version": proposed["version"], "comment": "\x00"}, "comment"),
        ("post", f"/change-requests/{proposed['id']}/notice",
         {"version": proposed["version"], "notice_start": "2024-01-01\x00"}, "notice_start"),
        ("post", f"/persons/{p}/stays", {**stay, "hospital_name": "县\x00医院"}, "hospital_name"),
    ]


def test_control_characters_in_text_are_refused_naming_the_field(village, household, period,
                                                                 proposed):
    # NUL was 500 on PostgreSQL ("text fields cannot contain NUL"); stored as is on SQLite
    for method, path, data, field in _bodies(household, household.head, period, proposed):
        fields = refused(village, method, path, data)
        assert field in fields, (path, fields)
        assert fields[field] == "invalid", (path, fields)
    cr = ChangeRequest.objects.get(pk=proposed["id"])
    assert cr.status == "proposed" and cr.version == proposed["version"]


def test_control_character_message_names_the_character(village, household):
    r = village.patch(f"/households/{household.pk}", {"version": 1, "address": "a\x00b"})
    body = assert_error_body(r, 422)
    assert body["field"] == "address" and "U+0000" in body["message"]


def test_tabs_and_line_breaks_are_allowed(village, household):
    r = village.post(f"/households/{household.pk}/support-measures", {
        "kind": "medical", "description": "第一行\n第二行\t（附注）\r\n", "start_date": "2024-01-01"})
    assert r.status_code == 201, r.content


def test_nul_byte_in_the_login_name(anon, users):
    # was 500 on PostgreSQL: the lockout check looks the name up
    fields = refused(anon, "post", "/auth/token", {"username": "v_user\x00", "password": "x"})
    assert fields == {"username": "invalid"}


def test_lone_surrogate_in_json_text(village, household):
    r = village.client.patch(f"{BASE}/households/{household.pk}",
                             '{"version": 1, "address": "\\ud800"}',
                             content_type="application/json")
    body = assert_error_body(r, 422)
    assert body["field"] == "address" and "无效的字符" in body["message"]


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("amount", ["1e30", 10**40, "99999999999999999999.99",
                                    "1000000000000.00", "-1000000000000", "NaN", "Infinity"])
def test_absurd_income_amount(county, household, amount):
    # "1e30" was 500 (decimal.InvalidOperation), 20 digits 500 ("bigint out of range")
    fields = refused(county, "post", f"/households/{household.pk}/incomes",
                     {"year": 2024, "total_income": amount, "members": 1})
    assert fields == {"total_income": "amount_invalid"}


def test_largest_income_amount_is_accepted(county, household):
    r = county.post(f"/households/{household.pk}/incomes",
                    {"year": 2024, "total_income": "999999999999.99", "members": 3})
    assert r.status_code == 201, r.content
    assert r.json()["total_income"] == "999999999999.99"


@pytest.mark.parametrize("cost", ["99999999999999999999", "1e30", 10**40])
def test_absurd_stay_cost(county, household, cost):
    fields = refused(county, "post", f"/persons/{household.head_id}/stays", {
        "hospital_name": "县人民医院", "hospital_grade": 1, "location": "county",
        "admission_date": "2025-01-01", "discharge_date": "2025-01-03",
        "total_cost": cost, "in_policy_cost": "1.00"})
    assert fields["total_cost"] == "amount_invalid"


@pytest.mark.parametrize("field", ["household_id", "person_id", "period_id"])
@pytest.mark.parametrize("value", [BIG, 0, -1])
def test_change_request_ids_out_of_range(village, household, field, value):
    data = {"action": "admit", "category": "sudden_hardship", "household_id": household.pk,
            "reason": "x", "effective_date": "2024-01-01", "channel": "visit", field: value}
    assert refused(village, "post", "/change-requests", data) == {field: "invalid"}


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("day", ["0001-01-01", "1879-12-31", "2100-01-01", "9999-12-31"])
def test_dates_outside_the_calendar_range(village, household, period, proposed, day):
    h, p = household.pk, household.head_id
    cases = [
        ("post", f"/households/{h}/support-measures",
         {"kind": "medical", "description": "x", "start_date": day}, "start_date"),
        ("post", f"/households/{h}/categories",
         {"category": "unstable_lifted", "start_date": day}, "start_date"),
        ("post", f"/households/{h}/categories",
         {"category": "unstable_lifted", "start_date": "2024-01-01", "end_date": day},
         "end_date"),
        ("post", f"/category-periods/{period['id']}/end", {"end_date": day, "end_reason": "x"},
         "end_date"),
        ("post", f"/persons/{p}/death", {"version": 1, "death_date": day}, "death_date"),
        ("patch", f"/persons/{p}", {"version": 1, "birth_date": day}, "birth_date"),
        ("post", "/change-requests", {"action": "admit", "category": "unstable_lifted",
                                      "household_id": h, "reason": "x", "effective_date": day,
                                      "channel": "visit"}, "effective_date"),
        # was 500 for 9999-12-30: the notice's end left the calendar (OverflowError)
        ("post", f"/change-requests/{proposed['id']}/notice",
         {"version": proposed["version"], "notice_start": day}, "notice_start"),
        ("post", f"/persons/{p}/stays", {
            "hospital_name": "县人民医院", "hospital_grade": 1, "location": "county",
            "admission_date": "2025-01-01", "discharge_date": day, "total_cost": "1",
            "in_policy_cost": "1"}, "discharge_date"),
    ]
    for method, path, data, field in cases:
        fields = refused(village, method, path, data)
        assert fields.get(field) == "invalid", (path, fields)


def test_dates_at_the_ends_of_the_range_are_accepted(village, household):
    for day in ("1880-01-01", "2099-12-31"):
        r = village.post(f"/households/{household.pk}/support-measures",
                         {"kind": "medical", "description": "x", "start_date": day})
        assert r.status_code == 201, r.content


# ---------------------------------------------------------------- request bodies
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_multipart_without_a_boundary_on_login(db, content_type):
    # was 500: the login's lockout check reads the form (MultiPartParserError)
    r = Client().post(f"{BASE}/auth/token", '{"username": "x", "password": "y"}',
                      content_type=content_type)
    body = assert_error_body(r, 400)
    assert body["code"] == "bad_request" and "JSON" in body["message"]


def test_body_larger_than_allowed(settings, village, household):
    # was 500: RequestDataTooBig
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    before = counts()
    r = village.patch(f"/households/{household.pk}", {"version": 1, "address": "x" * 2000})
    body = assert_error_body(r, 413)
    assert body["code"] == "request_too_large"
    assert counts() == before


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"not json", "application/json", 400),
    (b"\xff\xfe", "application/json", 400),
    (b"{\"version\": 1, ", "application/json", 400),
    (b"", "application/json", 422),
    (b"[1, 2]", "application/json", 422),
    (b"null", "application/json", 422),
    (b"a=1&b=2", "application/x-www-form-urlencoded", 400),
    (b"<x/>", "text/xml", 400),
])
def test_bodies_that_are_not_a_json_object(village, household, body, content_type, status):
    before = counts()
    r = village.client.patch(f"{BASE}/households/{household.pk}", body,
                             content_type=content_type)
    assert_error_body(r, status)
    assert counts() == before


# ---------------------------------------------------------------- the document
def test_openapi_documents_the_bounds(db):
    schema = Client().get(f"{BASE}/openapi.json").json()
    params = {p["name"]: p["schema"] for p in
              schema["paths"]["/api/v1/persons"]["get"]["parameters"]}
    assert params["page"]["maximum"] == MAX_PAGE
    assert (params["page_size"]["minimum"], params["page_size"]["maximum"]) == (1, 200)
    cr = {p["name"]: p["schema"] for p in
          schema["paths"]["/api/v1/change-requests"]["get"]["parameters"]}
    assert cr["household_id"]["anyOf"][0]["maximum"] == 2**63 - 1
    income = schema["components"]["schemas"]["IncomeIn"]["properties"]
    assert income["members"]["maximum"] == 99
    create = schema["paths"]["/api/v1/households"]["post"]["responses"]
    assert create["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_unknown_api_paths_answer_json_404(client, settings):
    settings.ROOT_URLCONF = "jkfp.config.urls"  # the real one, with the catch-all
    for url in ("/api/v1/nothing-here", "/api/v2/persons", "/api/"):
        r = client.get(url)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", url
        assert r.json()["code"] == "not_found"
