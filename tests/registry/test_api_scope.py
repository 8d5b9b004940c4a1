"""The scope matrix: users at village, township, county and city level (and a city of the other
region) × every person and household endpoint. A record outside the user's region is neither
visible nor changeable and answers 404 exactly like a record that does not exist; records inside
are visible, and changeable by the roles that write."""

from __future__ import annotations

import pytest

from jkfp.accounts.models import PersonalDataAccess
from jkfp.registry.models import CategoryPeriod, Household

from ..conftest import CHANGZHI_VILLAGE, OTHER_TOWNSHIP_VILLAGE, VISIBLE
from ..factories import PersonFactory, make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

RECORDS = ("inside", "same_township", "other_township", "changzhi")
WRITERS = {"village", "township", "county"}        # city users are read-only
REVEALERS = {"township", "county"}                 # reviewer and approver roles
LEVELS = list(VISIBLE)


def expected(level: str, name: str, *, write: bool = False, reveal: bool = False) -> int:
    if name not in VISIBLE[level]:
        return 404
    if write and level not in WRITERS:
        return 403
    if reveal and level not in REVEALERS:
        return 403
    return 200


def _check_404(r):
    body = r.json()
    assert body["code"] == "not_found" and "管辖区域" in body["message"]


# ---------------------------------------------------------------- persons
@pytest.mark.parametrize("level", LEVELS)
def test_person_list_and_search(level, users, records, api_as):
    client = api_as(users[level])
    ids = {p["id"] for p in client.get("/persons", {"page_size": 200}).json()["items"]}
    assert ids == {records[n].head_id for n in VISIBLE[level]}
    for name in RECORDS:
        head = records[name].head
        # a full number is looked up by POST /persons/lookup, never in the URL (decision 39)
        assert client.get("/persons", {"q": head.id_number}).status_code == 422
        for q in (head.id_number[-6:], head.name):
            found = {p["id"] for p in client.get("/persons", {"q": q}).json()["items"]}
            assert (head.pk in found) == (name in VISIBLE[level]), (name, q)
        # the same by region filter: outside the scope a region filter finds nothing
        in_region = client.get("/persons", {"region_code": head.region_code}).json()
        assert (in_region["count"] > 0) == (name in VISIBLE[level])


@pytest.mark.parametrize("level", LEVELS)
def test_person_detail_and_lookup_by_id_number(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        head = records[name].head
        for r in (client.get(f"/persons/{head.pk}"),
                  client.post("/persons/lookup", {"id_number": head.id_number}),
                  client.post("/persons/lookup", {"id_number": f"{head.id_number.lower()} "})):
            assert r.status_code == expected(level, name), (name, r.content)
            if r.status_code == 200:
                assert r.json()["id"] == head.pk
                assert r.json()["id_number_masked"] != head.id_number
                assert head.id_number not in r.content.decode()
            else:
                _check_404(r)


@pytest.mark.parametrize("level", LEVELS)
def test_person_update_and_death(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        head = records[name].head
        r = client.patch(f"/persons/{head.pk}", {"version": head.version, "phone": "13912345678"})
        assert r.status_code == expected(level, name, write=True), (name, r.content)
        head.refresh_from_db()
        assert (head.phone == "13912345678") == (r.status_code == 200)
        assert head.version == (2 if r.status_code == 200 else 1)
        if r.status_code == 403:
            assert r.json()["code"] == "permission"
        member = PersonFactory(household=records[name], relation="parent")
        r = client.post(f"/persons/{member.pk}/death",
                        {"version": 1, "death_date": "2024-03-01"})
        assert r.status_code == expected(level, name, write=True), (name, r.content)
        member.refresh_from_db()
        assert member.alive == (r.status_code != 200)


@pytest.mark.parametrize("level", LEVELS)
def test_person_reveal(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        head = records[name].head
        before = PersonalDataAccess.objects.count()
        r = client.post(f"/persons/{head.pk}/reveal", {"field": "id_number"})
        assert r.status_code == expected(level, name, reveal=True), (name, r.content)
        if r.status_code == 200:
            assert r.json() == {"field": "id_number", "value": head.id_number}
            log = PersonalDataAccess.objects.latest("at")
            assert (log.user, log.person, log.field, log.channel) == (
                users[level], head, "id_number", "api")
            assert log.path == f"/api/v1/persons/{head.pk}/reveal"
        else:
            assert head.id_number not in r.content.decode()
            assert PersonalDataAccess.objects.count() == before
            if r.status_code == 403:
                assert r.json()["code"] == "permission"


@pytest.mark.parametrize("level", LEVELS)
def test_person_history_and_categories(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        head = records[name].head
        for path in (f"/persons/{head.pk}/history", f"/persons/{head.pk}/categories"):
            r = client.get(path)
            assert r.status_code == expected(level, name), (name, path)
        # categories change only through their procedure: in scope a refusal with its code,
        # outside not found; never a period
        r = client.post(f"/persons/{head.pk}/categories",
                        {"category": "minimum_living", "start_date": "2024-01-01",
                         "reason": "绕过程序"})
        want = 404 if expected(level, name) == 404 else 403
        assert r.status_code == want, (name, r.content)
        if want == 403:
            assert r.json()["code"] == "category_by_procedure"
        assert not CategoryPeriod.objects.filter(person=head).exists()


# ---------------------------------------------------------------- households
@pytest.mark.parametrize("level", LEVELS)
def test_household_list_and_search(level, users, records, api_as):
    client = api_as(users[level])
    ids = {h["id"] for h in client.get("/households").json()["items"]}
    assert ids == {records[n].pk for n in VISIBLE[level]}
    for name in RECORDS:
        hh = records[name]
        for q in (hh.household_number, hh.head.id_number[-4:], hh.head.name):
            found = {h["id"] for h in client.get("/households", {"q": q}).json()["items"]}
            assert (hh.pk in found) == (name in VISIBLE[level]), (name, q)


@pytest.mark.parametrize("level", LEVELS)
def test_household_detail_and_subresources(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        hh = records[name]
        for path in ("", "/categories", "/history", "/incomes", "/support-measures"):
            r = client.get(f"/households/{hh.pk}{path}")
            assert r.status_code == expected(level, name), (name, path)
            if r.status_code == 404:
                _check_404(r)
        r = client.get(f"/households/{hh.pk}")
        if r.status_code == 200:
            assert [m["id"] for m in r.json()["members"]] == [hh.head_id]
            assert hh.head.id_number not in r.content.decode()


@pytest.mark.parametrize("level", LEVELS)
def test_household_writes(level, users, records, api_as):
    client = api_as(users[level])
    for name in RECORDS:
        hh = records[name]
        want = expected(level, name, write=True)
        r = client.patch(f"/households/{hh.pk}", {"version": 1, "address": "新地址"})
        assert r.status_code == want, (name, r.content)
        hh.refresh_from_db()
        assert (hh.address == "新地址") == (want == 200)
        created = 201 if want == 200 else want
        writes = [
            (f"/households/{hh.pk}/incomes",
             {"year": 2023, "total_income": "20000.00", "members": 2}),
            (f"/households/{hh.pk}/support-measures",
             {"kind": "medical", "description": "家庭医生签约", "start_date": "2024-01-01"}),
        ]
        for path, data in writes:
            r = client.post(path, data)
            assert r.status_code == created, (name, path, r.content)
        r = client.post(f"/households/{hh.pk}/categories",
                        {"category": "marginal", "start_date": "2024-01-01", "reason": "绕过"})
        assert r.status_code == (404 if want == 404 else 403), (name, r.content)
        assert not hh.categories.exists()
        assert hh.incomes.exists() == (want == 200)
        assert hh.support_measures.exists() == (want == 200)


def test_household_registration_outside_the_scope_is_refused(users, api_as):
    for village in (OTHER_TOWNSHIP_VILLAGE, CHANGZHI_VILLAGE):
        r = api_as(users["village"]).post("/households", {
            "household_number": "OUT-1", "village_code": village,
            "members": [{"id_number": make_id(village[:6]), "name": "某", "relation": "head"}]})
        assert r.status_code == 404
        assert r.json()["code"] == "region_out_of_scope" and r.json()["field"] == "village_code"
    assert not Household.objects.filter(household_number="OUT-1").exists()
