"""In a real browser: every section of the main menu is in sight on an office screen (the links
wrap to a second row rather than scroll out of the window), for the user with the most links."""

from __future__ import annotations

import pytest

from jkfp.accounts.models import Role

from ..conftest import VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.e2e


def _out_of_sight(page) -> list[str]:
    """The menu links not wholly inside the window, and the menu's hidden overflow if any."""
    return page.evaluate("""() => {
        const out = [];
        const w = document.documentElement.clientWidth;
        for (const a of document.querySelectorAll('nav.nav a')) {
            const r = a.getBoundingClientRect();
            if (r.width === 0 || r.left < 0 || r.right > w) out.push(a.textContent.trim());
        }
        const inner = document.querySelector('.nav-inner');
        if (inner.scrollWidth > inner.clientWidth) out.push('overflow');
        return out;
    }""")


@pytest.mark.parametrize("width", [1366, 1024])
def test_every_menu_link_is_in_sight(e2e_regions, login, live_server, width):
    users = [UserFactory(username="e2e_nav_admin", region_id="640323", role=Role.ADMIN),
             UserFactory(username="e2e_nav_village", region_id=VILLAGE, role=Role.DATA_ENTRY)]
    for user in users:
        page = login(user)
        page.set_viewport_size({"width": width, "height": 768})
        for path in ("/", "/warnings/"):
            page.goto(live_server.url + path)
            links = page.locator("nav.nav a")
            assert links.count() >= 14, links.all_inner_texts()
            assert _out_of_sight(page) == [], (user.username, width, path)
