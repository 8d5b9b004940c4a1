"""The region pages: outside the user's scope they answer 404."""

from __future__ import annotations

from ..conftest import VILLAGE


def test_region_page_outside_the_scope_is_404(users, client_as):
    c = client_as(users["village"])
    assert c.get(f"/regions/{VILLAGE}/").status_code == 200
    assert c.get("/regions/640323100/").status_code == 404
    assert c.get("/regions/1404/").status_code == 404
    assert client_as(users["county"]).get("/regions/640323100/").status_code == 200
