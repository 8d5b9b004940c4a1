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


def test_admin_open_to_superusers(db, client_as):
    from jkfp.accounts.models import User

    su = User.objects.create_superuser("root", password="x" * 12)
    assert client_as(su).get("/admin/").status_code == 200


def test_admin_menu_link_only_for_administrators(users, make_user, client_as):
    assert "系统管理" not in client_as(users["county"]).get("/").content.decode()
    admin = make_user("640323", Role.ADMIN, username="c_admin", is_staff=True)
    assert 'href="/admin/"' in client_as(admin).get("/").content.decode()


