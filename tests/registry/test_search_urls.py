"""Full ID numbers never travel in a URL (decision 39): the household search by a full number
goes by POST and leaves a keyed hash in the URL; short searches stay GET; the API refuses a full
number in its query string."""

from __future__ import annotations

import pytest
from django.test import Client

from jkfp.registry import search

pytestmark = pytest.mark.django_db


def test_a_search_by_full_number_goes_by_post_and_the_url_keeps_a_key(users, household, client_as):
    c = client_as(users["township"])
    number = household.head.id_number
    r = c.post("/households/", {"q": number.lower(), "category": ""})
    assert r.status_code == 302
    url = r["Location"]
    assert number not in url and number.lower() not in url and "qk=" in url and "q=" not in url
    page = c.get(url).content.decode()
    assert f'href="/households/{household.pk}/"' in page
    assert number not in page.replace(f'value="{number.lower()}"', "")  # only the box echoes it
    # paging, count and export links carry the key, not the number
    assert number not in page.split('id="results"', 1)[1].replace(number.lower(), "")
    export = c.get(url.replace("/households/?", "/households/export.xlsx?"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_htmx_search_by_post_pushes_a_url_without_the_number(users, household, client_as):
    c = client_as(users["township"])
    number = household.head.id_number
    r = c.post("/households/", {"q": number}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert f'href="/households/{household.pk}/"' in r.content.decode()
    assert number not in r["HX-Push-Url"] and "qk=" in r["HX-Push-Url"]
    # while the number is typed, its first 10 digits already go by key
    r = c.post("/households/", {"q": number[:10]}, HTTP_HX_REQUEST="true")
    assert number[:10] not in r["HX-Push-Url"]


def test_short_searches_stay_in_the_url(users, household, client_as):
    c = client_as(users["township"])
    for q in (household.head.name, household.head.id_number[-4:], household.household_number):
        r = c.post("/households/", {"q": q})
        assert r.status_code == 302 and "qk=" not in r["Location"], q
        page = c.get("/households/", {"q": q}).content.decode()
        assert f'href="/households/{household.pk}/"' in page, q


def test_a_full_number_typed_into_the_url_is_refused(users, household, client_as):
    c = client_as(users["township"])
    page = c.get("/households/", {"q": household.head.id_number}).content.decode()
    assert "不能放在网址中" in page
    assert f'href="/households/{household.pk}/"' not in page
    r = c.get("/households/export.xlsx", {"q": household.head.id_number})
    assert r.status_code == 302  # back to the list, no file


def test_a_key_is_good_only_in_the_session_that_made_it(users, household, client_as):
    number = household.head.id_number
    url = client_as(users["township"]).post("/households/", {"q": number})["Location"]
    other = client_as(users["county"])  # another session, even of a user who may see it
    page = other.get(url).content.decode()
    assert "已过期" in page and f'href="/households/{household.pk}/"' not in page
    assert not Client().get(url).status_code == 200  # anonymous: to the login page


def test_the_session_keeps_only_the_last_keys(users, household, client_as):
    c = client_as(users["township"])
    for n in range(search.KEEP + 5):
        c.post("/households/", {"q": f"64032319700101{n:04d}"})
    assert len(c.session[search.SESSION_KEY]) == search.KEEP


def test_the_api_refuses_a_full_number_in_its_query(users, household, api_as, api_urlconf):
    client = api_as(users["township"])
    for path in ("/persons", "/households"):
        r = client.get(path, {"q": household.head.id_number})
        assert r.status_code == 422, path
        assert "POST /api/v1/persons/lookup" in r.content.decode()
    assert client.get("/households", {"q": household.household_number}).status_code == 200
    r = client.post("/persons/lookup", {"id_number": household.head.id_number})
    assert r.status_code == 200 and r.json()["id"] == household.head_id
