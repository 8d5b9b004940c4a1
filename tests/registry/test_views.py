"""Each registry page renders for an in-scope user (and a region-less superuser), in Chinese,
with masked numbers; the htmx fragments, reveal and history."""

from __future__ import annotations

import pytest

from jkfp.registry import idnumber
from jkfp.registry.models import HealthStatus, Person

from ..conftest import VILLAGE


@pytest.mark.parametrize("level", ["village", "township", "county", "city"])
def test_every_page_renders_for_an_in_scope_user(users, household, member, client_as, level):
    c = client_as(users[level])
    for url in ("/", f"/regions/{VILLAGE}/", "/households/", f"/households/{household.pk}/",
                f"/persons/{member.pk}/", "/todo/", "/requests/"):
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert member.id_number not in html, url  # masked everywhere
        assert member.phone not in html, url
    detail = c.get(f"/households/{household.pk}/").content.decode()
    assert idnumber.mask(member.id_number) in detail
    assert idnumber.mask_phone(member.phone) in detail
    assert "变更记录" in detail and "家庭成员" in detail


def test_register_page_only_for_writers(users, client_as):
    assert client_as(users["village"]).get("/households/new/").status_code == 200
    assert client_as(users["city"]).get("/households/new/").status_code == 403


def test_household_list_htmx_fragment(users, household, client_as):
    c = client_as(users["township"])
    r = c.get("/households/", {"q": household.head.id_number[-4:]}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert f'href="/households/{household.pk}/"' in html
    full = c.get("/households/", {"q": household.head.id_number[-4:]}).content.decode()
    assert "<html" in full


def test_household_list_capped_count(users, household, foreign_households, client_as):
    r = client_as(users["county"]).get("/households/", {"count": "1"})
    assert "共 3 户" in r.content.decode()


def test_household_list_pages_without_count(users, client_as, regions):
    from ..factories import HouseholdFactory

    for _ in range(55):
        HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    c = client_as(users["village"])
    first = c.get("/households/").content.decode()
    assert "下一页" in first and 'rel="next"' in first
    second = c.get("/households/", {"page": 2}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_reveal_logs_the_showing(users, member, client_as):
    from jkfp.accounts.models import PersonalDataAccess

    c = client_as(users["township"])  # a reviewer: allowed
    page = c.get(f"/persons/{member.pk}/").content.decode()
    assert "显示完整身份证号" in page
    r = c.post(f"/persons/{member.pk}/reveal/", {"field": "id_number"}, HTTP_HX_REQUEST="true")
    assert member.id_number in r.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.person, row.field, row.channel) == (
        users["township"], member, "id_number", "web")
    r = c.post(f"/persons/{member.pk}/reveal/", {"field": "phone"})  # without htmx: the page
    assert member.phone in r.content.decode()
    assert PersonalDataAccess.objects.count() == 2


def test_roles_not_allowed_do_not_see_the_button(users, member, client_as):
    page = client_as(users["village"]).get(f"/persons/{member.pk}/").content.decode()
    assert "显示完整身份证号" not in page  # data entry
    page = client_as(users["city"]).get(f"/persons/{member.pk}/").content.decode()
    assert "显示完整身份证号" not in page  # read-only


def test_history_shows_who_and_before_after(users, household, client_as):
    c = client_as(users["village"])
    c.post(f"/households/{household.pk}/address/", {"address": "新住址", "version": 1})
    html = c.get(f"/households/{household.pk}/").content.decode()
    i = html.index('id="hh-history"')
    history = html[i:]
    assert "v_user" in history and "演示地址" in history and "新住址" in history
    assert "修改前" in history and "修改后" in history


def test_superuser_without_region_sees_every_page(db, client_as, household):
    """The demo's `admin` has no region: its scope is everything, pages must not break."""
    from jkfp.accounts.models import User

    su = User.objects.create_superuser("root_all", password="x" * 12)
    c = client_as(su)
    for url in ("/", "/households/", f"/households/{household.pk}/",
                f"/persons/{household.head_id}/", "/todo/", "/requests/",
                "/households/export.xlsx"):
        assert c.get(url).status_code == 200, url


def test_person_page_says_when_the_monitoring_list_reported_no_health_status(
        users, member, client_as):
    c = client_as(users["village"])

    def identity_row() -> str:
        page = c.get(f"/persons/{member.pk}/").content.decode()
        return page.split("<dt>健康状况</dt>", 1)[1].split("</div>", 1)[0]

    assert "监测名单未报" in identity_row()
    Person.objects.filter(pk=member.pk).update(health_status=HealthStatus.CHRONIC)
    row = identity_row()
    assert "长期慢性病" in row and "（监测名单所报）" in row and "未报" not in row
