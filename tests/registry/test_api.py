"""Households, persons, categories, history and reveal through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import PersonalDataAccess, Role
from jkfp.registry import services

from ..conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from ..factories import HouseholdFactory, PersonFactory, UserFactory, make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)


def test_household_detail_holds_members_categories_incomes_and_measures(users, household,
                                                                       api_as):
    client = api_as(users["village"])
    spouse = PersonFactory(household=household, relation="spouse", phone="13800001111")
    services.household_income_record(user=users["village"], household=household, year=2023,
                                     total_yuan="12000", members=2)
    services.support_measure_add(user=users["village"], household=household, kind="medical",
                                 description="签约", start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["village"], household=household, category="marginal",
                                 start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["village"], person=spouse, category="extreme_poor",
                                 start_date=dt.date(2024, 2, 1))
    body = client.get(f"/households/{household.pk}").json()
    assert [m["id"] for m in body["members"]] == [household.head_id, spouse.pk]
    assert body["members"][1]["phone_masked"] == "138****1111"
    assert "13800001111" not in str(body)
    assert {(c["category"], c["subject"]) for c in body["categories"]} == {
        ("marginal", "household"), ("extreme_poor", "person")}
    assert body["incomes"] == [{"year": 2023, "total_income": "12000.00", "members": 2,
                                "per_capita_income": "6000.00", "source": ""}]
    assert body["support_measures"][0]["kind_label"] == "健康帮扶"
    assert body["support_measures"][0]["created_by"] == "v_user"
    # the person sees their own periods and their household's
    cats = client.get(f"/persons/{spouse.pk}/categories").json()
    assert {c["category"] for c in cats} == {"marginal", "extreme_poor"}
    # filters by category
    found = client.get("/persons", {"category": "extreme_poor"}).json()["items"]
    assert [p["id"] for p in found] == [spouse.pk]
    found = client.get("/households", {"category": "marginal"}).json()["items"]
    assert [h["id"] for h in found] == [household.pk]
    assert client.get("/households", {"category": "lifted_out"}).json()["count"] == 0


def test_add_member_and_record_death(users, household, api_as, corrector):
    client = api_as(users["village"])
    number = make_id("640323", dt.date(2010, 7, 1), "F")
    r = client.post(f"/households/{household.pk}/members", {
        "id_number": number[:17] + number[17].lower() if number[17] == "X" else number,
        "name": "小红", "relation": "child", "work_ability": "none"})
    assert r.status_code == 201, r.content
    child = r.json()
    assert (child["sex"], child["birth_year"]) == ("F", 2010)  # the year only: decision 39
    assert child["household_number"] == household.household_number
    r = corrector.post(f"/persons/{child['id']}/categories",
                       {"category": "minimum_living", "start_date": "2023-01-01",
                        "reason": "民政名单补录"})
    assert r.status_code == 201
    r = client.post(f"/persons/{child['id']}/death",
                    {"version": child["version"], "death_date": "2024-02-03"})
    assert r.status_code == 200, r.content
    assert (r.json()["alive"], r.json()["death_date"]) == (False, "2024-02-03")
    assert r.json()["categories"][0]["end_date"] == "2024-02-03"
    r = client.post(f"/persons/{child['id']}/death",
                    {"version": r.json()["version"], "death_date": "2024-02-03"})
    assert r.status_code == 422 and r.json()["code"] == "person_deceased"
    r = client.post(f"/persons/{household.head_id}/death",
                    {"version": 1, "death_date": "1800-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "death_date"


def test_end_a_category_period(users, household, api_as, corrector):
    client = corrector
    period = client.post(f"/households/{household.pk}/categories",
                         {"category": "minimum_living", "start_date": "2023-01-01",
                          "reason": "民政名单补录"}).json()
    r = client.post(f"/category-periods/{period['id']}/end",
                    {"end_date": "2023-12-31", "end_reason": "收入超过低保标准"})
    assert r.status_code == 200, r.content
    assert (r.json()["end_date"], r.json()["is_current"]) == ("2023-12-31", False)
    r = client.post(f"/category-periods/{period['id']}/end",
                    {"end_date": "2024-01-31", "end_reason": "x"})
    assert r.status_code == 422 and r.json()["code"] == "category_not_held"
    # outside the scope: not found
    other = api_as(UserFactory(region_id="640323101", role=Role.REVIEWER))
    r = other.post(f"/category-periods/{period['id']}/end",
                   {"end_date": "2024-01-31", "end_reason": "x"})
    assert r.status_code == 404


def test_history_shows_who_when_and_masked_before_after(users, household, api_as):
    head = household.head
    client = api_as(users["village"])
    client.patch(f"/persons/{head.pk}", {"version": 1, "phone": "13900001234", "name": "新名字"})
    client.patch(f"/persons/{head.pk}", {"version": 2, "phone": "13900005678"})
    history = client.get(f"/persons/{head.pk}/history").json()
    latest = history[0]
    assert latest["action"] == "~" and latest["user"] == "v_user"
    assert {"field": "联系电话", "before": "139****1234", "after": "139****5678"} in latest[
        "changes"]
    second = history[1]
    assert {c["field"] for c in second["changes"]} == {"姓名", "联系电话"}
    assert history[-1]["action"] == "+"
    assert "13900001234" not in str(history) and head.id_number not in str(history)
    hh_history = client.get(f"/households/{household.pk}/history").json()
    assert any(e["subject"] == "成员 新名字" for e in hh_history)


def test_reveal_the_phone_is_logged(users, household, api_as):
    head = household.head
    head.phone = "13712345678"
    head.save()
    r = api_as(users["township"]).post(f"/persons/{head.pk}/reveal", {"field": "phone"})
    assert r.json() == {"field": "phone", "value": "13712345678"}
    assert PersonalDataAccess.objects.filter(person=head, field="phone", channel="api").count() == 1
    r = api_as(users["township"]).post(f"/persons/{head.pk}/reveal", {"field": "bank"})
    assert r.status_code == 422 and r.json()["field"] == "field"


def test_pagination_and_search(users, api_as):
    for _ in range(5):
        HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    hh = HouseholdFactory(village_id=OTHER_VILLAGE_SAME_TOWNSHIP,
                          region_code=OTHER_VILLAGE_SAME_TOWNSHIP)
    client = api_as(users["township"])
    page = client.get("/households", {"page_size": 2, "page": 3}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (6, 3, 2, 2)
    assert client.get("/households", {"page": 9}).json()["items"] == []
    assert client.get("/households", {"page_size": 500}).status_code == 422
    by_number = client.get("/households", {"q": hh.household_number}).json()["items"]
    assert [h["id"] for h in by_number] == [hh.pk]
    by_region = client.get("/households", {"region_code": OTHER_VILLAGE_SAME_TOWNSHIP}).json()
    assert [h["id"] for h in by_region["items"]] == [hh.pk]
    persons = client.get("/persons", {"q": hh.head.id_number[-4:]}).json()["items"]
    assert hh.head_id in [p["id"] for p in persons]


def test_category_labels(users, api_as):
    labels = {c["code"]: c for c in api_as(users["city"]).get("/categories").json()}
    assert labels["marginal"] == {"code": "marginal", "label": "边缘易致贫户",
                                  "level": "household"}
    assert len(labels) == 11


def test_superuser_sees_everything_and_a_user_without_region_nothing(
        users, household, foreign_households, api_as):
    admin = UserFactory(region_id=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    assert api_as(admin).get("/households").json()["count"] == 4
    nobody = UserFactory(region_id=None, role=Role.DATA_ENTRY)
    client = api_as(nobody)
    assert client.get("/households").json()["count"] == 0
    assert client.get(f"/households/{household.pk}").status_code == 404
    assert client.get("/regions/640323").status_code == 404
    assert client.get("/me").json()["scope_prefix"] is None


