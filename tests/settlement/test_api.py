"""Settling a stay and reading statements through the API."""

from __future__ import annotations

import pytest

from ..apiclient import refused

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)


def test_api_settles_and_reads(client, users, settler, poor_household):
    client.force_login(settler)
    person = poor_household.head
    r = client.post(f"/api/v1/persons/{person.pk}/stays", {
        "hospital_name": "盐池县人民医院", "hospital_grade": 2, "location": "county",
        "referred": False, "admission_date": "2019-03-01", "discharge_date": "2019-03-10",
        "total_cost": "80000", "in_policy_cost": "70000"}, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["self_pay"] == "5000.00" and body["reimbursed_total"] == "75000.00"
    r = client.get(f"/api/v1/statements/{body['id']}")
    assert r.status_code == 200 and r.json()["tiers"] == body["tiers"]
    r = client.get(f"/api/v1/persons/{person.pk}/statements")
    assert [s["id"] for s in r.json()] == [body["id"]]
    client.force_login(users["changzhi_city"])
    assert client.get(f"/api/v1/statements/{body['id']}").status_code == 404


def test_hospital_name_longer_than_the_column_names_the_field(users, settler, household, api_as):
    # PostgreSQL would refuse the value ("value too long for type character varying")
    fields = refused(api_as(settler), "post", f"/persons/{household.head_id}/stays", {
        "hospital_name": "院" * 101, "hospital_grade": 1, "location": "county",
        "admission_date": "2025-01-01", "discharge_date": "2025-01-02", "total_cost": "1",
        "in_policy_cost": "1"})
    assert fields.get("hospital_name") == "invalid", fields
