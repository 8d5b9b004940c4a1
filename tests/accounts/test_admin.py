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




def test_an_account_made_by_an_administrator_must_change_its_password_and_is_never_deleted(
        regions):
    from django.test import Client

    from jkfp.accounts.models import Role, User

    from ..factories import UserFactory

    root = UserFactory(username="root3", is_superuser=True, is_staff=True, region_id=None,
                       role=Role.ADMIN)
    c = Client()
    c.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    r = c.post("/admin/accounts/user/add/", {
        "username": "new_doctor", "password1": "初始口令-abc-123", "password2": "初始口令-abc-123",
        "usable_password": "true", "full_name": "新村医", "region": "640323100201",
        "department": "health", "role": "data_entry"})
    assert r.status_code == 302, r.content.decode()[:2000]
    new = User.objects.get(username="new_doctor")
    assert new.must_change_password
    r = c.get(f"/admin/accounts/user/{new.pk}/delete/")
    assert r.status_code == 403


def test_the_admin_user_list_is_scoped_and_its_changes_name_the_administrator(
        users, make_user, client_as):
    admin = make_user("640323100", Role.ADMIN, username="t_admin", is_staff=True)
    c = client_as(admin)
    page = c.get("/admin/accounts/user/")
    assert page.status_code == 200
    listed = page.content.decode()
    assert "v_user" in listed and "t_user" in listed and "c_user" not in listed
    r = c.post(f"/admin/accounts/user/{users['village'].pk}/password/",
               {"password1": "Another-pass-2026", "password2": "Another-pass-2026",
                "usable_password": "true"})
    assert r.status_code == 302
    latest = users["village"].history.latest()
    assert latest.history_user == admin and latest.history_change_reason == "重设密码"
