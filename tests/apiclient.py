"""The JSON client of the API tests and the shape of the API's error answers."""

from __future__ import annotations

import json

from django.test import Client

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
