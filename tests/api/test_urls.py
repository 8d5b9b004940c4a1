"""The API mounted in the project's urls (jkfp.config.urls), not only alone."""

from __future__ import annotations

import pytest
from django.test import Client

from ..apiclient import JsonClient


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_api_is_mounted_in_the_project_urls(settings, db, path):
    settings.ROOT_URLCONF = "jkfp.config.urls"
    assert Client().get(path).status_code == 200


def test_api_answers_json_in_the_project_urls(settings, users, household):
    settings.ROOT_URLCONF = "jkfp.config.urls"
    from jkfp.accounts import tokens

    _, raw = tokens.api_token_issue(user=users["village"])
    client = JsonClient(Client(headers={"Authorization": f"Bearer {raw}"}))
    assert client.get(f"/households/{household.pk}").status_code == 200
    assert client.get("/households/999999").json()["code"] == "not_found"
