"""The JSON client of the API tests, the shape of the API's error answers, and `refused`: an
answer that is an error and wrote nothing."""

from __future__ import annotations

import json

from django.test import Client

from jkfp.admission.models import ChangeRequest
from jkfp.registry.models import (
    CategoryPeriod,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)
from jkfp.settlement.models import HospitalStay

BASE = "/api/v1"


class JsonClient:
    """A Django test client speaking JSON to /api/v1 (paths are given without the prefix)."""

    def __init__(self, client: Client):
        self.client = client

    def _send(self, method: str, path: str, data=None, **extra):
        kw = {}
        if data is not None:
            kw = {"data": json.dumps(data, default=str), "content_type": "application/json"}
        return getattr(self.client, method)(BASE + path, **kw, **extra)

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(BASE + path, params or {}, **extra)

    def post(self, path: str, data=None, **extra):
        return self._send("post", path, data if data is not None else {}, **extra)

    def patch(self, path: str, data=None, **extra):
        return self._send("patch", path, data if data is not None else {}, **extra)

    def delete(self, path: str, **extra):
        return self._send("delete", path, **extra)


def error_fields(response) -> dict[str, str]:
    """{field: code} of an error answer."""
    return {e["field"]: e["code"] for e in response.json()["errors"]}


MODELS = (Household, Person, CategoryPeriod, HouseholdIncome, SupportMeasure, ChangeRequest,
          HospitalStay)


def counts() -> dict[str, int]:
    """Rows of every table an API call may write."""
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
