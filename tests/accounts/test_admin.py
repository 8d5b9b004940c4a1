"""Django admin only for administrators: role 管理员 with staff status, or superusers."""

from __future__ import annotations

from jkfp.accounts.models import Role


def test_admin_refused_for_other_users(users, client_as):
    for level, user in users.items():
        r = client_as(user).get("/admin/")
        assert r.status_code == 302 and "/admin/login/" in r["Location"], level


def test_admin_refused_for_staff_without_the_admin_role(make_user, client_as):
    staff = make_user("640323", Role.APPROVER, username="staff_approver", is_staff=True)
    r = client_as(staff).get("/admin/")
    assert r.status_code == 302
    assert client_as(staff).get("/admin/registry/person/").status_code == 302


def test_admin_open_to_administrators_and_scoped(make_user, client_as, household,
                                                 foreign_households):
    admin = make_user("640323100", Role.ADMIN, username="t_admin", is_staff=True)
    c = client_as(admin)
    assert c.get("/admin/").status_code == 200
    page = c.get("/admin/registry/household/").content.decode()
    assert household.household_number in page
    assert foreign_households["same_township"].household_number in page
    assert foreign_households["other_township"].household_number not in page
    assert foreign_households["changzhi"].household_number not in page
    persons = c.get("/admin/registry/person/").content.decode()
    assert household.head.id_number not in persons  # masked in the admin too
    # registry records are read-only in the admin: writes go through the services
    assert c.get("/admin/registry/household/add/").status_code == 403


def test_admin_open_to_superusers(db, client_as):
    from jkfp.accounts.models import User

    su = User.objects.create_superuser("root", password="x" * 12)
    assert client_as(su).get("/admin/").status_code == 200


def test_admin_menu_link_only_for_administrators(users, make_user, client_as):
    assert "系统管理" not in client_as(users["county"]).get("/").content.decode()
    admin = make_user("640323", Role.ADMIN, username="c_admin", is_staff=True)
    assert 'href="/admin/"' in client_as(admin).get("/").content.decode()


def test_superuser_without_region_sees_every_page(db, client_as, household):
    """The demo's `admin` has no region: its scope is everything, pages must not break."""
    from jkfp.accounts.models import User

    su = User.objects.create_superuser("root_all", password="x" * 12)
    c = client_as(su)
    for url in ("/", "/households/", f"/households/{household.pk}/",
                f"/persons/{household.head_id}/", "/todo/", "/requests/",
                "/households/export.xlsx"):
        assert c.get(url).status_code == 200, url
