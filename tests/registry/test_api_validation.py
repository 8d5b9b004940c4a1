"""Bad input through the API: each refusal names the field and carries a code, and nothing is
written. Also the reshaped request-shape errors and the optimistic-locking conflict."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.admission.models import ChangeRequest
from jkfp.registry import idnumber
from jkfp.registry.models import CategoryPeriod, Household, HouseholdIncome, Person, SupportMeasure

from ..apiclient import error_fields
from ..conftest import VILLAGE
from ..factories import make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

BIRTH = dt.date(1985, 3, 9)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Household, Person, CategoryPeriod,
                                                    HouseholdIncome, SupportMeasure,
                                                    ChangeRequest)} | {
        "history": Household.history.count() + Person.history.count()
        + CategoryPeriod.history.count()}


@pytest.fixture
def village(users, api_as):
    return api_as(users["village"])


def member(**kw) -> dict:
    m = {"id_number": make_id("640323", BIRTH, "M"), "name": "王某", "relation": "head"}
    m.update(kw)
    return m


def household_payload(*members, **kw) -> dict:
    data = {"household_number": "API-0001", "village_code": VILLAGE, "address": "一组",
            "members": list(members) or [member()]}
    data.update(kw)
    return data


def refused(client, path, data, *, status=422, method="post"):
    """Send, assert the refusal shape, return {field: code}; nothing may be written."""
    before = counts()
    r = getattr(client, method)(path, data)
    assert r.status_code == status, r.content
    body = r.json()
    assert set(body) == {"code", "message", "field", "errors"}
    assert body["errors"] and all(e["code"] and e["message"] for e in body["errors"])
    assert body["code"] == body["errors"][0]["code"]
    assert body["field"] == body["errors"][0]["field"]
    assert counts() == before
    return error_fields(r)


def test_a_valid_household_is_registered(village):
    spouse = member(id_number=make_id("640323", BIRTH, "F"), name="李某", relation="spouse",
                    sex="F", birth_date=str(BIRTH), phone="13912345678")
    r = village.post("/households", household_payload(member(), spouse))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["household_number"] == "API-0001" and body["version"] == 1
    assert body["head"]["name"] == "王某"
    assert [m["relation"] for m in body["members"]] == ["head", "spouse"]
    assert body["members"][1]["phone_masked"] == "139****5678"
    assert Person.objects.get(name="李某").sex == "F"


@pytest.mark.parametrize(("number", "code"), [
    ("130402198207290622", "id_checksum"),   # DOMAIN.md: its check should be 4
    ("1304021982072906", "id_format"),
    ("13040219820729062A", "id_format"),
    ("130402198213290624", "id_birth_date"),
])
def test_invalid_id_number(village, number, code):
    fields = refused(village, "/households", household_payload(member(id_number=number)))
    assert fields == {"members[0].id_number": code}


def test_birth_date_and_sex_contradicting_the_id(village):
    fields = refused(village, "/households", household_payload(
        member(birth_date="1985-03-10", sex="F")))
    assert fields == {"members[0].birth_date": "id_birth_mismatch",
                      "members[0].sex": "id_sex_mismatch"}


def test_duplicate_id_number(village, household):
    taken = household.head.id_number
    fields = refused(village, "/households", household_payload(member(id_number=taken)))
    assert fields == {"members[0].id_number": "id_duplicate"}
    # twice in the same request
    twice = make_id("640323", BIRTH, "M")
    fields = refused(village, "/households", household_payload(
        member(id_number=twice), member(id_number=twice, relation="child", name="重")))
    assert fields == {"members[1].id_number": "id_duplicate"}
    # adding a member with a registered number
    fields = refused(village, f"/households/{household.pk}/members",
                     member(id_number=taken.lower(), relation="child"))
    assert fields == {"id_number": "id_duplicate"}


def test_household_without_head(village):
    fields = refused(village, "/households", household_payload(member(relation="child")))
    assert fields == {"members": "household_no_head"}
    fields = refused(village, "/households", household_payload(members=[]))
    assert fields == {"members": "household_no_head"}


def test_household_with_two_heads(village):
    fields = refused(village, "/households", household_payload(
        member(), member(id_number=make_id("640323", BIRTH, "F"), name="李某")))
    assert fields == {"members": "household_two_heads"}


@pytest.mark.parametrize(("code", "error"), [
    ("640323100299", "region_unknown"),
    ("999999999999", "region_unknown"),
    ("abc", "region_unknown"),
])
def test_unknown_region_code(village, code, error):
    fields = refused(village, "/households", household_payload(village_code=code))
    assert fields == {"village_code": error}


def test_region_that_is_not_a_village(users, api_as):
    fields = refused(api_as(users["township"]), "/households",
                     household_payload(village_code="640323100"))
    assert fields == {"village_code": "region_not_village"}


def test_all_problems_are_reported_at_once(village, household):
    fields = refused(village, "/households", {
        "household_number": household.household_number, "village_code": "640323100299",
        "members": [member(relation="child", id_number="130402198207290622"),
                    member(relation="child", id_number=make_id(), phone="12345")]})
    assert fields == {"household_number": "household_number_duplicate",
                      "village_code": "region_unknown", "members": "household_no_head",
                      "members[0].id_number": "id_checksum", "members[1].phone": "phone_format"}


def test_overlapping_category_period(corrector, household):
    path = f"/households/{household.pk}/categories"
    r = corrector.post(path, {"category": "marginal", "start_date": "2024-01-01",
                              "reason": "因病"})
    assert r.status_code == 201, r.content
    assert r.json()["category_label"] == "边缘易致贫户" and r.json()["is_current"]
    fields = refused(corrector, path,
                     {"category": "marginal", "start_date": "2024-06-01", "reason": "更正"})
    assert fields == {"start_date": "category_overlap"}
    # a closed earlier period that ends after the new start also overlaps
    head = household.head
    ppath = f"/persons/{head.pk}/categories"
    assert corrector.post(ppath, {"category": "minimum_living", "start_date": "2022-01-01",
                                  "end_date": "2022-12-31", "reason": "更正"}).status_code == 201
    fields = refused(corrector, ppath,
                     {"category": "minimum_living", "start_date": "2022-12-31", "reason": "更正"})
    assert fields == {"start_date": "category_overlap"}
    assert corrector.post(ppath, {"category": "minimum_living", "start_date": "2023-01-01",
                                  "reason": "更正"}).status_code == 201


def test_category_rules(corrector, household):
    head = household.head
    fields = refused(corrector, f"/persons/{head.pk}/categories",
                     {"category": "marginal", "start_date": "2024-01-01", "reason": "更正"})
    assert fields == {"category": "category_level"}
    fields = refused(corrector, f"/households/{household.pk}/categories",
                     {"category": "lifted_out", "start_date": "2021-01-01", "reason": "更正"})
    assert fields == {"exit_year": "required"}
    fields = refused(corrector, f"/households/{household.pk}/categories",
                     {"category": "marginal", "start_date": "2024-01-01",
                      "end_date": "2023-01-01", "reason": "更正"})
    assert fields == {"end_date": "category_dates"}
    fields = refused(corrector, f"/households/{household.pk}/categories",
                     {"category": "poor", "start_date": "2024-01-01", "reason": "更正"})
    assert fields == {"category": "invalid"}


def test_person_update_contradicting_the_id(village, household):
    head = household.head
    other_sex = "F" if head.sex == "M" else "M"
    fields = refused(village, f"/persons/{head.pk}",
                     {"version": 1, "sex": other_sex, "birth_date": "1901-01-01",
                      "phone": "123"}, method="patch")
    assert fields == {"sex": "id_sex_mismatch", "birth_date": "id_birth_mismatch",
                      "phone": "phone_format"}
    head.refresh_from_db()
    assert head.version == 1


def test_lookup_with_a_malformed_id_number(village):
    r = village.post("/persons/lookup", {"id_number": "130402198207290622"})
    assert r.status_code == 422 and error_fields(r) == {"id_number": "id_checksum"}
    r = village.post("/persons/lookup", {"id_number": "12345"})
    assert r.status_code == 422 and error_fields(r) == {"id_number": "id_format"}
    r = village.post("/persons/lookup", {"id_number": idnumber.make("640323", BIRTH, 555)})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_income_is_money_in_yuan_strings(village, household):
    path = f"/households/{household.pk}/incomes"
    r = village.post(path, {"year": 2023, "total_income": "18000.5", "members": 4,
                            "source": "入户调查"})
    assert r.status_code == 201, r.content
    assert r.json() == {"year": 2023, "total_income": "18000.50", "members": 4,
                        "per_capita_income": "4500.13", "source": "入户调查"}
    assert HouseholdIncome.objects.get().total_fen == 1800050
    assert village.post(path, {"year": 2022, "total_income": 9000, "members": 3}
                        ).json()["per_capita_income"] == "3000.00"
    assert refused(village, path, {"year": 2021, "total_income": 18000.5, "members": 4}) == {
        "total_income": "amount_invalid"}
    assert refused(village, path, {"year": 2021, "total_income": "18000.555", "members": 4}) == {
        "total_income": "amount_invalid"}
    assert refused(village, path, {"year": 2021, "total_income": "一万", "members": 4}) == {
        "total_income": "amount_invalid"}
    assert refused(village, path, {"year": 2021, "total_income": "100", "members": 0}) == {
        "members": "income_invalid"}
    assert refused(village, path, {"year": 1990, "total_income": "100", "members": 1}) == {
        "year": "income_invalid"}
    detail = village.get(f"/households/{household.pk}").json()
    assert [i["total_income"] for i in detail["incomes"]] == ["18000.50", "9000.00"]


def test_request_shape_errors_name_the_field(village, household):
    fields = refused(village, "/households", {
        "household_number": 12, "members": [{"name": "某", "relation": "boss",
                                              "birth_date": "1990-13-01"}], "extra": 1})
    assert fields == {"household_number": "invalid", "village_code": "required",
                      "members[0].id_number": "required", "members[0].relation": "invalid",
                      "members[0].birth_date": "invalid", "extra": "invalid"}
    r = village.post("/households", {"members": []})  # no number: the village's rule numbers
    body = r.json()
    assert body["code"] == "required" and body["field"] == "village_code"
    assert "必填" in body["message"]
    # query parameters and path parameters too
    r = village.get("/persons", {"page": "x", "category": "nope", "region_code": "64a"})
    assert r.status_code == 422
    assert error_fields(r) == {"page": "invalid", "category": "invalid", "region_code": "invalid"}
    r = village.get("/households/abc")
    assert r.status_code == 422 and error_fields(r) == {"household_id": "invalid"}
    # a body that is not JSON
    r = village.client.post("/api/v1/households", data="{oops", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_read_only_role_cannot_write(users, api_as, household):
    city = api_as(users["city"])
    before = counts()
    for method, path, data in (
        ("post", "/households", household_payload()),
        ("patch", f"/households/{household.pk}", {"version": 1, "address": "x"}),
        ("post", f"/households/{household.pk}/members", member(relation="child")),
        ("patch", f"/persons/{household.head_id}", {"version": 1, "name": "新名"}),
    ):
        r = getattr(city, method)(path, data)
        assert r.status_code == 403, (path, r.content)
        assert r.json()["code"] == "permission" and "只读" in r.json()["message"]
    assert counts() == before


# ---------------------------------------------------------------- optimistic locking
def test_stale_household_save_is_a_conflict_and_the_first_save_is_kept(users, api_as,
                                                                       household):
    first, second = api_as(users["village"]), api_as(users["township"])
    version = first.get(f"/households/{household.pk}").json()["version"]
    r1 = first.patch(f"/households/{household.pk}", {"version": version, "address": "第一次"})
    assert r1.status_code == 200 and r1.json()["version"] == version + 1
    r2 = second.patch(f"/households/{household.pk}", {"version": version, "address": "第二次"})
    assert r2.status_code == 409
    assert r2.json()["code"] == "stale_version" and r2.json()["field"] == "version"
    assert "已被他人修改" in r2.json()["message"]
    household.refresh_from_db()
    assert (household.address, household.version) == ("第一次", version + 1)
    # with the fresh version the second user succeeds
    r3 = second.patch(f"/households/{household.pk}",
                      {"version": version + 1, "address": "第二次"})
    assert r3.status_code == 200 and r3.json()["version"] == version + 2


def test_stale_person_save_is_a_conflict(users, api_as, household):
    head = household.head
    first, second = api_as(users["village"]), api_as(users["county"])
    assert first.patch(f"/persons/{head.pk}", {"version": 1, "name": "甲"}).status_code == 200
    r = second.patch(f"/persons/{head.pk}", {"version": 1, "name": "乙"})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = second.post(f"/persons/{head.pk}/death", {"version": 1, "death_date": "2024-01-01"})
    assert r.status_code == 409
    head.refresh_from_db()
    assert (head.name, head.version, head.alive) == ("甲", 2, True)


def test_missing_version_is_required(village, household):
    r = village.patch(f"/households/{household.pk}", {"address": "x"})
    assert r.status_code == 422 and error_fields(r) == {"version": "required"}


def test_a_full_id_number_is_looked_up_from_the_body_not_the_url(village, household):
    number = household.head.id_number
    from django.urls import Resolver404, resolve

    assert resolve("/api/v1/persons/lookup", urlconf="tests.api_urls")
    with pytest.raises(Resolver404):  # the old route with the number in the path is gone
        resolve(f"/api/v1/persons/by-id-number/{number}", urlconf="tests.api_urls")
    r = village.post("/persons/lookup", {"id_number": number})
    assert r.status_code == 200 and r.json()["id"] == household.head_id
    assert number not in r.content.decode()  # and the answer shows it masked
