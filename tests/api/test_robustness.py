"""Hostile input through the API (found by schemathesis and by hand): every refusal is a 4xx
with the error body `{code, message, field, errors}` and a Chinese message, never a 500 and never
a database error, on SQLite and on PostgreSQL alike; and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jkfp.api.common import MAX_PAGE
from jkfp.registry.models import (
    CategoryPeriod,
    ChangeRequest,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)
from jkfp.settlement.models import HospitalStay

from ..apiclient import BASE, error_fields
from ..conftest import VILLAGE
from ..factories import make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

BIG = 2**63  # one past the largest 64-bit integer
MODELS = (Household, Person, CategoryPeriod, HouseholdIncome, SupportMeasure, ChangeRequest,
          HospitalStay)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def assert_error_body(r, status: int) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"code", "message", "field", "errors"}
    assert body["errors"] and all(e["code"] and e["message"] for e in body["errors"])
    assert (body["code"], body["field"]) == (body["errors"][0]["code"], body["errors"][0]["field"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


def refused(client, method: str, path: str, data=None, *, status: int = 422) -> dict[str, str]:
    """Send, assert the error answer and that nothing was written; return {field: code}."""
    before = counts()
    r = getattr(client, method)(path, data)
    assert_error_body(r, status)
    assert counts() == before
    return error_fields(r)


@pytest.fixture
def village(users, api_as):
    return api_as(users["village"])


@pytest.fixture
def county(users, api_as):
    return api_as(users["county"])


@pytest.fixture
def period(village, household) -> dict:
    r = village.post(f"/households/{household.pk}/categories",
                     {"category": "marginal", "start_date": "2024-01-01"})
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def proposed(village, household) -> dict:
    """A proposed admission of the household to the monitored category."""
    today = timezone.localdate()
    r = village.post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
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


@pytest.mark.parametrize("path", ["/persons", "/households"])
@pytest.mark.parametrize("q", ["' OR 1=1 --", "%", "_", "\\", "６４０３２３", "'; DROP TABLE x; --"])
def test_sql_like_and_wildcard_search_text_is_just_text(county, household, path, q):
    r = county.get(path, {"q": q})
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 0


def test_search_text_longer_than_allowed(county):
    assert refused(county, "get", "/persons", {"q": "王" * 51}) == {"q": "invalid"}


# ---------------------------------------------------------------- path parameters
@pytest.mark.parametrize("path", [
    "/persons/-1", "/persons/0", f"/persons/{BIG}", f"/households/{BIG}/history",
    "/households/-7", f"/statements/{BIG}", "/change-requests/-1", "/regions/%00",
    "/regions/" + "6" * 300, "/regions/６４０３２３",
])
def test_unknown_or_absurd_ids_in_the_path_are_not_found(county, path):
    assert_error_body(county.get(path), 404)


@pytest.mark.parametrize("number", ["1' OR '1'='1", "a" * 400, "%00", "640323198503091234%00",
                                    "-1", "　"])
def test_malformed_id_number_lookup(county, number):
    assert refused(county, "get", f"/persons/by-id-number/{number}") == {"id_number": "id_format"}


def test_id_number_in_full_width_characters_is_normalised(county, household):
    number = household.head.id_number
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())  # full-width digits, ｘ
    r = county.get(f"/persons/by-id-number/{wide}")
    assert r.status_code == 200, r.content
    assert r.json()["id"] == household.head_id
    new = make_id("640323", dt.date(1990, 1, 2), "F")
    r = county.post(f"/households/{household.pk}/members", {
        "id_number": "".join(chr(ord(c) + 0xFEE0) for c in new), "name": "全角",
        "relation": "child"})
    assert r.status_code == 201, r.content
    assert Person.objects.get(pk=r.json()["id"]).id_number == new


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


# ---------------------------------------------------------------- too long
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
    ("request", {"action": "admit", "category": "marginal", "reason": "理" * 501,
                 "effective_date": "2024-01-01", "channel": "visit"}, "reason"),
    ("request", {"action": "admit", "category": "marginal", "reason": "理",
                 "comparison_note": "比" * 301, "effective_date": "2024-01-01",
                 "channel": "visit"}, "comparison_note"),
    ("stay", {"hospital_name": "院" * 101, "hospital_grade": 1, "location": "county",
              "admission_date": "2025-01-01", "discharge_date": "2025-01-02",
              "total_cost": "1", "in_policy_cost": "1"}, "hospital_name"),
])
def test_text_longer_than_the_column_names_the_field(village, household, path_key, data, field):
    # PostgreSQL would refuse the value ("value too long for type character varying")
    paths = {"households": "/households", "income": f"/households/{household.pk}/incomes",
             "measure": f"/households/{household.pk}/support-measures",
             "category": f"/households/{household.pk}/categories",
             "request": "/change-requests", "stay": f"/persons/{household.head_id}/stays"}
    if path_key == "request":
        data = {**data, "household_id": household.pk}
    fields = refused(village, "post", paths[path_key], data)
    assert fields.get(field) == "invalid", fields


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("amount", ["1e30", 10**40, "99999999999999999999.99",
                                    "1000000000000.00", "-1000000000000", "NaN", "Infinity"])
def test_absurd_income_amount(county, household, amount):
    # "1e30" was 500 (decimal.InvalidOperation), 20 digits 500 ("bigint out of range")
    fields = refused(county, "post", f"/households/{household.pk}/incomes",
                     {"year": 2024, "total_income": amount, "members": 1})
    assert fields == {"total_income": "income_invalid"}


def test_largest_income_amount_is_accepted(county, household):
    r = county.post(f"/households/{household.pk}/incomes",
                    {"year": 2024, "total_income": "999999999999.99", "members": 3})
    assert r.status_code == 201, r.content
    assert r.json()["total_income"] == "999999999999.99"


@pytest.mark.parametrize("members", [BIG, 100, 32768])
def test_absurd_income_members(county, household, members):
    # was 500: "smallint out of range"
    fields = refused(county, "post", f"/households/{household.pk}/incomes",
                     {"year": 2024, "total_income": "100.00", "members": members})
    assert fields == {"members": "invalid"}


@pytest.mark.parametrize("cost", ["99999999999999999999", "1e30", 10**40])
def test_absurd_stay_cost(county, household, cost):
    fields = refused(county, "post", f"/persons/{household.head_id}/stays", {
        "hospital_name": "县人民医院", "hospital_grade": 1, "location": "county",
        "admission_date": "2025-01-01", "discharge_date": "2025-01-03",
        "total_cost": cost, "in_policy_cost": "1.00"})
    assert fields["total_cost"] == "income_invalid"


@pytest.mark.parametrize("version", [BIG, 10**30])
def test_huge_version_is_a_conflict(village, household, version):
    fields = refused(village, "patch", f"/households/{household.pk}",
                     {"version": version, "address": "x"}, status=409)
    assert fields == {"version": "stale_version"}


@pytest.mark.parametrize("field", ["household_id", "person_id", "period_id"])
@pytest.mark.parametrize("value", [BIG, 0, -1])
def test_change_request_ids_out_of_range(village, household, field, value):
    data = {"action": "admit", "category": "marginal", "household_id": household.pk,
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


@pytest.mark.parametrize("days", [10**12, 61])
def test_absurd_notice_length(village, proposed, days):
    # 10**12 was 500: timedelta overflow
    fields = refused(village, "post", f"/change-requests/{proposed['id']}/notice",
                     {"version": proposed["version"], "notice_start": "2024-01-01",
                      "notice_days": days})
    assert fields == {"notice_days": "invalid"}


# ---------------------------------------------------------------- phone numbers
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
