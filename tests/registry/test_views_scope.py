"""The scope matrix of the pages: users at village, township, county and city level × every
page that shows or changes a person or a household. A record outside the user's region answers
404 (never 403), in pages, search, reveal and edit alike."""

from __future__ import annotations

import pytest

from jkfp.accounts.models import PersonalDataAccess
from jkfp.registry import idnumber
from jkfp.registry.models import Household, Person

from ..conftest import (
    CHANGZHI_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)

VISIBLE = {
    "village": {VILLAGE},
    "township": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP},
    "county": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE},
    "city": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE},
    "changzhi_city": {CHANGZHI_VILLAGE},
}
LEVELS = list(VISIBLE)


@pytest.fixture
def all_households(household, foreign_households):
    return [household, *foreign_households.values()]


@pytest.mark.parametrize("level", LEVELS)
def test_person_and_household_pages(users, all_households, client_as, level):
    c = client_as(users[level])
    for hh in all_households:
        expected = 200 if hh.region_code in VISIBLE[level] else 404
        assert c.get(f"/households/{hh.pk}/").status_code == expected, hh.region_code
        assert c.get(f"/persons/{hh.head_id}/").status_code == expected, hh.region_code


@pytest.mark.parametrize("level", LEVELS)
def test_list_and_search(users, all_households, client_as, level):
    c = client_as(users[level])
    listed = c.get("/households/").content.decode()
    for hh in all_households:
        visible = hh.region_code in VISIBLE[level]
        link = f'href="/households/{hh.pk}/"'
        assert (link in listed) == visible
        head = hh.head
        assert head.id_number not in listed  # lists show masked numbers only
        for q in (head.id_number, head.id_number[-6:], head.name, hh.household_number):
            if q == head.id_number:  # a full number goes by POST (decision 39)
                page = c.post("/households/", {"q": q}, follow=True).content.decode()
            else:
                page = c.get("/households/", {"q": q}).content.decode()
            assert (link in page) == visible, (level, q)
            assert (idnumber.mask(head.id_number) in page) == visible, (level, q)


@pytest.mark.parametrize("level", LEVELS)
def test_region_filter_outside_the_scope_shows_nothing(users, all_households, client_as,
                                                        level):
    c = client_as(users[level])
    for hh in all_households:
        page = c.get("/households/", {"region": hh.region_code})
        assert page.status_code == 200
        assert (f'href="/households/{hh.pk}/"' in page.content.decode()) == (
            hh.region_code in VISIBLE[level])


@pytest.mark.parametrize("level", LEVELS)
def test_reveal(users, all_households, client_as, level):
    user = users[level]
    c = client_as(user)
    allowed_role = user.role in ("reviewer", "approver", "admin")
    for hh in all_households:
        before = PersonalDataAccess.objects.count()
        r = c.post(f"/persons/{hh.head_id}/reveal/", {"field": "id_number"})
        if hh.region_code not in VISIBLE[level]:
            assert r.status_code == 404
        elif allowed_role:
            assert r.status_code == 200
            assert hh.head.id_number in r.content.decode()
        else:
            assert r.status_code == 403
        logged = PersonalDataAccess.objects.count() - before
        assert logged == (1 if r.status_code == 200 else 0)


@pytest.mark.parametrize("level", LEVELS)
def test_edit(users, all_households, client_as, level):
    user = users[level]
    c = client_as(user)
    for hh in all_households:
        head = hh.head
        r = c.post(f"/persons/{head.pk}/edit/", {
            "name": "改名", "phone": "", "relation": "head", "work_ability": "able",
            "version": head.version})
        r2 = c.post(f"/households/{hh.pk}/address/", {"address": "改址", "version": hh.version})
        visible = hh.region_code in VISIBLE[level]
        if not visible:
            assert (r.status_code, r2.status_code) == (404, 404)
        elif user.role == "readonly":
            assert (r.status_code, r2.status_code) == (422, 422)
            assert "只读" in r.content.decode()
        else:
            assert (r.status_code, r2.status_code) == (302, 302)
        changed = Person.objects.get(pk=head.pk).name == "改名"
        assert changed == (visible and user.role != "readonly")
        assert (Household.objects.get(pk=hh.pk).address == "改址") == changed


@pytest.mark.parametrize("level", LEVELS)
def test_other_writes_out_of_scope_are_404(users, foreign_households, client_as, level):
    c = client_as(users[level])
    hh = next(h for h in foreign_households.values() if h.region_code not in VISIBLE[level])
    for url, data in [
        (f"/households/{hh.pk}/members/", {}),
        (f"/households/{hh.pk}/incomes/", {}),
        (f"/households/{hh.pk}/measures/", {}),
        (f"/households/{hh.pk}/requests/", {}),
        (f"/persons/{hh.head_id}/death/", {}),
    ]:
        assert c.post(url, data).status_code == 404, url


