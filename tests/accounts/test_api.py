"""Token login (through django-axes), revocation and expiry of tokens, /me."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from jkfp.accounts.models import ApiToken

from ..apiclient import JsonClient

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)

PASSWORD = "pass-1234-word"  # tests/factories.py


def login(client: JsonClient, username: str, password: str):
    return client.post("/auth/token", {"username": username, "password": password})


def test_token_login_then_calls_with_bearer(users, anon):
    r = login(anon, "v_user", PASSWORD)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["token_type"] == "Bearer" and len(body["token"]) >= 40
    # only a hash is stored, never the token
    stored = ApiToken.objects.get(user=users["village"])
    assert body["token"] not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    authed = JsonClient(Client(headers={"Authorization": f"Bearer {body['token']}"}))
    me = authed.get("/me")
    assert me.status_code == 200
    assert me.json()["username"] == "v_user"
    assert me.json()["region"]["code"] == "640323100201"
    assert me.json()["can_write"] is True and me.json()["can_see_full_identity"] is False
    stored.refresh_from_db()
    assert stored.last_used is not None
    users["village"].refresh_from_db()
    assert users["village"].last_login is not None


def test_wrong_password_is_refused_with_a_code(users, anon):
    r = login(anon, "v_user", "wrong-password")
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    assert r.json()["message"] == "用户名或密码错误"
    assert not ApiToken.objects.exists()


def test_missing_credentials_name_the_field(users, anon):
    r = anon.post("/auth/token", {"username": "v_user"})
    assert r.status_code == 422
    assert r.json()["field"] == "password" and r.json()["code"] == "required"


def test_repeated_failures_lock_the_account(users, anon):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert login(anon, "t_user", "wrong-password").status_code == 401
    r = login(anon, "t_user", "wrong-password")
    assert r.status_code == 429
    assert r.json()["code"] == "locked_out"
    assert r.headers["Content-Type"].startswith("application/json")
    # even the right password is refused while locked
    r = login(anon, "t_user", PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "locked_out"
    assert not ApiToken.objects.filter(user=users["township"]).exists()
    # another user is not affected
    assert login(anon, "c_user", PASSWORD).status_code == 201


def test_success_clears_earlier_failures(users, anon):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        login(anon, "v_user", "wrong-password")
    assert login(anon, "v_user", PASSWORD).status_code == 201
    for _ in range(limit - 1):
        assert login(anon, "v_user", "wrong-password").status_code == 401


def test_inactive_user_cannot_log_in(users, anon):
    users["village"].is_active = False
    users["village"].save()
    assert login(anon, "v_user", PASSWORD).status_code == 401


def test_revoked_token_no_longer_works(users, anon):
    token = login(anon, "v_user", PASSWORD).json()["token"]
    authed = JsonClient(Client(headers={"Authorization": f"Bearer {token}"}))
    assert authed.get("/me").status_code == 200
    assert authed.delete("/auth/token").status_code == 204
    r = authed.get("/me")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert ApiToken.objects.get().revoked is not None  # the row stays


def test_expired_token_is_refused(users, api_as):
    client = api_as(users["village"])
    ApiToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/me").status_code == 401


def test_token_of_an_inactive_user_is_refused(users, api_as):
    client = api_as(users["village"])
    users["village"].is_active = False
    users["village"].save()
    assert client.get("/me").status_code == 401




def test_a_password_change_ends_the_tokens_issued_before(users, api_as):
    client = api_as(users["village"])
    assert client.get("/me").status_code == 200
    users["village"].set_password("another-pass-2027")
    users["village"].save()
    assert client.get("/me").status_code == 401
    # a token issued under the new password works
    assert api_as(users["village"]).get("/me").status_code == 200


def test_a_user_keeps_only_a_few_live_tokens(users, settings):
    from jkfp.accounts import tokens

    settings.JKFP_API_LIVE_TOKENS = 3
    issued = [tokens.api_token_issue(user=users["village"])[0] for _ in range(5)]
    live = ApiToken.objects.filter(user=users["village"], revoked__isnull=True)
    assert sorted(live.values_list("pk", flat=True)) == sorted(t.pk for t in issued[-3:])


@pytest.mark.parametrize("password, code", [("short-pw", "password_too_short"),
                                            ("3141592653589", "password_entirely_numeric"),
                                            ("password123", "password_too_common")])
def test_weak_passwords_are_refused(users, password, code):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        validate_password(password, user=users["village"])
    assert code in {e.code for e in exc.value.error_list}
