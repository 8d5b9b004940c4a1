"""The OpenAPI document loads, lists the endpoints and documents the error answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jkfp.api.main import api

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

ENDPOINTS = {
    ("/api/v1/auth/token", "post"), ("/api/v1/auth/token", "delete"), ("/api/v1/me", "get"),
    ("/api/v1/regions/{code}", "get"), ("/api/v1/regions/{code}/children", "get"),
    ("/api/v1/households", "get"), ("/api/v1/households", "post"),
    ("/api/v1/households/{household_id}", "get"), ("/api/v1/households/{household_id}", "patch"),
    ("/api/v1/households/{household_id}/members", "post"),
    ("/api/v1/households/{household_id}/incomes", "post"),
    ("/api/v1/households/{household_id}/categories", "post"),
    ("/api/v1/households/{household_id}/support-measures", "post"),
    ("/api/v1/households/{household_id}/history", "get"),
    ("/api/v1/persons", "get"), ("/api/v1/persons/lookup", "post"),
    ("/api/v1/persons/{person_id}", "get"), ("/api/v1/persons/{person_id}", "patch"),
    ("/api/v1/persons/{person_id}/death", "post"), ("/api/v1/persons/{person_id}/reveal", "post"),
    ("/api/v1/persons/{person_id}/history", "get"),
    ("/api/v1/persons/{person_id}/categories", "get"),
    ("/api/v1/category-periods/{period_id}/end", "post"),
    ("/api/v1/change-requests", "get"), ("/api/v1/change-requests", "post"),
    ("/api/v1/change-requests/inbox", "get"), ("/api/v1/change-requests/{request_id}", "get"),
    ("/api/v1/change-requests/{request_id}/notice", "post"),
    ("/api/v1/change-requests/{request_id}/township-review", "post"),
    ("/api/v1/change-requests/{request_id}/county-decision", "post"),
    ("/api/v1/change-requests/{request_id}/withdraw", "post"),
}


@pytest.fixture
def schema(db):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_openapi_lists_the_endpoints(schema):
    listed = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert ENDPOINTS <= listed
    assert schema["info"]["title"].startswith("jkfp")


def test_openapi_documents_errors_and_security(schema):
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "BrowserSession"}
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "field", "errors"}
    create = schema["paths"]["/api/v1/households"]["post"]
    for status in ("201", "401", "403", "404", "409", "422"):
        assert status in create["responses"], status
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorOut")
    # the login is the only operation without authentication
    login = schema["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in login
    assert schema["paths"]["/api/v1/persons"]["get"]["security"]


def test_openapi_money_is_a_string(schema):
    income = schema["components"]["schemas"]["IncomeOut"]["properties"]
    assert income["total_income"]["type"] == "string"
    income_in = schema["components"]["schemas"]["IncomeIn"]["properties"]
    assert income_in["total_income"]["type"] == "string"


def test_docs_page_loads(db):
    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content


def test_every_operation_is_documented():
    schema = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (path, method)
            assert "422" in op["responses"], (path, method)
