"""How API callers authenticate (src/jkfp/api/auth.py): without or with a bad bearer token 401;
the browser's session, whose writes need the CSRF token; the history records the token's user."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from ..apiclient import JsonClient

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer not-a-token", "Token abc"])
def test_no_or_bad_credentials_answer_401(users, header):
    client = JsonClient(Client(headers={"Authorization": header} if header else {}))
    r = client.get("/persons")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_browser_session_works_and_writes_need_csrf(users, household):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["village"])
    client = JsonClient(browser)
    assert client.get("/me").json()["username"] == "v_user"
    data = {"version": household.version, "address": "新住址"}
    r = client.patch(f"/households/{household.pk}", data)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    household.refresh_from_db()
    assert household.address != "新住址"
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    r = client.patch(f"/households/{household.pk}", data, HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 200, r.content
    assert r.json()["address"] == "新住址"


def test_history_records_the_api_user(users, household, api_as):
    api_as(users["village"]).patch(f"/households/{household.pk}",
                                   {"version": 1, "address": "改过的住址"})
    last = household.history.order_by("-history_date").first()
    assert last.history_user == users["village"]
