"""A region's administrator manages the accounts of the region in the app's own pages
(decision 40): list, create with an initial password, edit, deactivate/reactivate (never delete),
reset the password; every change audited; never outside the region or above their level."""

from __future__ import annotations

import pytest
from django.test import Client

from jkfp.accounts import tokens, users
from jkfp.accounts.models import Department, Role, User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors

from ..conftest import CHANGZHI_VILLAGE, OTHER_TOWNSHIP_VILLAGE, VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(make_user):
    return {
        "county": make_user("640323", Role.ADMIN, username="adm_county", full_name="县管理员"),
        "township": make_user("640323100", Role.ADMIN, username="adm_town"),
        "changzhi": make_user("1404", Role.ADMIN, username="adm_cz"),
    }


@pytest.fixture
def accounts(users, make_user):
    """Accounts at every level around VILLAGE, a superuser, and one of another township."""
    root = User.objects.create_superuser("root", password="root-pass-1234")
    other = make_user(OTHER_TOWNSHIP_VILLAGE, Role.DATA_ENTRY, username="other_town")
    cz = make_user(CHANGZHI_VILLAGE, Role.DATA_ENTRY, username="cz_village")
    return {**users, "root": root, "other_township": other, "changzhi_village": cz}


# which accounts each administrator sees (and may change)
SEES = {
    "county": {"v_user", "t_user", "c_user", "other_town", "adm_county", "adm_town"},
    "township": {"v_user", "t_user", "adm_town"},
    "changzhi": {"cz_user", "cz_village", "adm_cz"},
}


@pytest.mark.parametrize("level", list(SEES))
def test_the_scope_matrix_of_the_list_and_the_pages(level, admins, accounts, client_as):
    c = client_as(admins[level])
    listed = c.get("/users/?page=1").content.decode()
    for u in User.objects.all():
        visible = u.username in SEES[level]
        assert (f'href="/users/{u.pk}/"' in listed) == visible, (level, u.username)
        assert c.get(f"/users/{u.pk}/").status_code == (200 if visible else 404), u.username
        r = c.post(f"/users/{u.pk}/active/", {"active": "0"})
        if not visible:
            assert r.status_code == 404
    # nothing outside was deactivated
    outside = User.objects.exclude(username__in=SEES[level])
    assert all(u.is_active for u in outside)


def test_users_without_the_admin_role_get_no_user_pages(accounts, client_as):
    for name in ("village", "township", "county", "city"):
        c = client_as(accounts[name])
        assert c.get("/users/").status_code == 403, name
        assert c.get("/users/new/").status_code == 403
        assert "用户管理" not in c.get("/households/").content.decode()


def test_a_county_admin_creates_an_account_that_must_set_its_own_password(admins, client_as):
    c = client_as(admins["county"])
    assert "用户管理" in c.get("/households/").content.decode()
    r = c.post(
        "/users/new/",
        {
            "username": "new_clerk",
            "full_name": "新录入员",
            "region": VILLAGE,
            "department": Department.CIVIL_AFFAIRS,
            "role": Role.DATA_ENTRY,
        },
    )
    assert r.status_code == 200
    page = r.content.decode()
    account = User.objects.get(username="new_clerk")
    password = page.split('id="password">', 1)[1].split("<", 1)[0]
    assert account.check_password(password) and len(password) >= 10
    assert account.must_change_password and account.region_code == VILLAGE
    assert not account.is_staff and not account.is_superuser
    # the first login leads to the password page, nowhere else
    fresh = Client()
    r = fresh.post("/login/", {"username": "new_clerk", "password": password})
    assert r.status_code == 302
    assert fresh.get("/households/")["Location"].startswith("/password/")
    # the history names the administrator
    first = account.history.earliest()
    assert first.history_user == admins["county"] and first.history_change_reason == "新建账号"
    assert not hasattr(first, "password")  # the hash is never copied into the history


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("6403", ErrorCode.REGION_OUT_OF_SCOPE),  # the city: above the county administrator
        (CHANGZHI_VILLAGE, ErrorCode.REGION_OUT_OF_SCOPE),  # another county
    ],
)
def test_no_account_is_made_above_or_outside_the_region(admins, region, code):
    with pytest.raises(ValidationErrors) as exc:
        users.user_create(
            user=admins["county"],
            username="x1",
            full_name="",
            region_code=region,
            department=Department.HEALTH,
            role=Role.ADMIN,
        )
    assert {e.code for e in exc.value.errors} == {code}
    assert not User.objects.filter(username="x1").exists()


def test_the_form_does_not_offer_regions_outside_and_refuses_them(admins, client_as):
    c = client_as(admins["township"])
    form = c.get("/users/new/").content.decode()
    assert f'value="{VILLAGE}"' in form and 'value="640323"' not in form
    r = c.post(
        "/users/new/",
        {"username": "x2", "region": "640323", "department": Department.HEALTH, "role": Role.ADMIN},
    )
    assert r.status_code == 422 and not User.objects.filter(username="x2").exists()


def test_bad_input_names_each_field_and_writes_nothing(admins, accounts):
    with pytest.raises(ValidationErrors) as exc:
        users.user_create(
            user=admins["county"],
            username="v_USER",
            full_name="名" * 51,
            region_code=VILLAGE,
            department="army",
            role="king",
        )
    assert {e.field for e in exc.value.errors} == {"username", "full_name", "department", "role"}
    with pytest.raises(ValidationErrors) as exc:
        users.user_create(
            user=admins["county"],
            username="has space",
            full_name="",
            region_code="",
            department=Department.HEALTH,
            role=Role.READONLY,
        )
    assert {e.field for e in exc.value.errors} == {"username", "region"}
    assert User.objects.count() == len(accounts) + len(admins)


def test_edit_moves_an_account_within_the_region_only(admins, accounts, client_as):
    admin, clerk = admins["county"], accounts["village"]
    c = client_as(admin)
    r = c.post(
        f"/users/{clerk.pk}/",
        {
            "full_name": "王录入",
            "region": "640323100",
            "department": Department.HEALTH,
            "role": Role.REVIEWER,
        },
    )
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.region_code, clerk.role, clerk.full_name) == ("640323100", "reviewer", "王录入")
    with pytest.raises(ValidationErrors) as exc:
        users.user_update(
            user=admin,
            target=clerk,
            full_name="",
            region_code="64",
            department=Department.HEALTH,
            role=Role.ADMIN,
        )
    assert [e.code for e in exc.value.errors] == [ErrorCode.REGION_OUT_OF_SCOPE]
    clerk.refresh_from_db()
    assert clerk.region_code == "640323100" and clerk.role == "reviewer"
    # the history: who changed what, before → after
    page = c.get(f"/users/{clerk.pk}/").content.decode()
    assert "所属区划：640323100201 → 640323100" in page and "角色：数据录入 → 审核" in page
    assert "县管理员" in page


def test_an_admin_does_not_change_their_own_role_region_or_state(admins):
    admin = admins["township"]
    with pytest.raises(ValidationErrors) as exc:
        users.user_update(
            user=admin,
            target=admin,
            full_name="",
            region_code=VILLAGE,
            department=Department.HEALTH,
            role=Role.ADMIN,
        )
    assert [e.code for e in exc.value.errors] == [ErrorCode.PERMISSION]
    for call in (
        lambda: users.user_set_active(user=admin, target=admin, active=False),
        lambda: users.user_password_reset(user=admin, target=admin),
    ):
        with pytest.raises(DomainError) as e:
            call()
        assert e.value.code == ErrorCode.PERMISSION
    admin.refresh_from_db()
    assert admin.is_active and admin.region_code == "640323100"


def test_deactivate_and_reactivate_never_delete_and_end_the_tokens(admins, accounts, client_as):
    c, clerk = client_as(admins["county"]), accounts["village"]
    _, raw = tokens.api_token_issue(user=clerk)
    assert c.post(f"/users/{clerk.pk}/active/", {"active": "0"}).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active and User.objects.filter(pk=clerk.pk).exists()
    assert tokens.api_token_authenticate(raw=raw) is None
    r = Client().post("/login/", {"username": "v_user", "password": "pass-1234-word"})
    assert r.status_code == 200  # the login form again: a deactivated account cannot log in
    assert c.post(f"/users/{clerk.pk}/active/", {"active": "1"}).status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_active
    reasons = [h.history_change_reason for h in clerk.history.order_by("history_date")]
    assert reasons[-2:] == ["停用账号", "启用账号"]
    assert c.post(f"/users/{clerk.pk}/delete/").status_code == 404


def test_a_reset_password_ends_the_old_one_and_its_tokens(admins, accounts, client_as):
    c, clerk = client_as(admins["county"]), accounts["village"]
    _, raw = tokens.api_token_issue(user=clerk)
    r = c.post(f"/users/{clerk.pk}/password/")
    assert r.status_code == 200
    password = r.content.decode().split('id="password">', 1)[1].split("<", 1)[0]
    clerk.refresh_from_db()
    assert clerk.check_password(password) and not clerk.check_password("pass-1234-word")
    assert clerk.must_change_password
    assert tokens.api_token_authenticate(raw=raw) is None
    assert clerk.history.latest().history_change_reason == "重设密码"
    assert password not in (r.get("Location") or "")


def test_a_login_is_not_a_change_of_the_account(accounts):
    clerk = accounts["village"]
    before = clerk.history.count()
    r = Client().post("/login/", {"username": "v_user", "password": "pass-1234-word"})
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert clerk.last_login is not None and clerk.history.count() == before


def test_initial_passwords_pass_the_validators(accounts):
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(users.initial_password(), user=accounts["village"])
