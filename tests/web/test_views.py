"""The pages of jkfp.web: login, logout, lockout, the home page and the language switch."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from jkfp.registry import services

from ..conftest import VILLAGE


def test_pages_need_login(db):
    c = Client()
    for url in ("/", "/households/", "/households/1/", "/persons/1/", "/todo/", "/requests/",
                "/households/new/", "/regions/6403/"):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url


def test_login_page_is_chinese(db):
    r = Client().get("/login/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'lang="zh-CN"' in html
    assert "用户登录" in html and "健康扶贫动态管理系统" in html


def test_login_and_logout(users):
    c = Client()
    r = c.post("/login/", {"username": "t_user", "password": "pass-1234-word"})
    assert r.status_code == 302 and r["Location"] == "/"
    home = c.get("/").content.decode()
    assert "花马池镇" in home  # the header names the user's region …
    assert "卫生健康" in home and "审核" in home  # … department and role
    r = c.post("/logout/")
    assert r.status_code == 302
    assert c.get("/").status_code == 302


def test_wrong_password_is_refused_in_chinese(users):
    r = Client().post("/login/", {"username": "t_user", "password": "wrong-password"})
    assert r.status_code == 200
    assert "请输入一个正确的" in r.content.decode()


def test_lockout_page_after_repeated_failures(users, settings):
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        c.post("/login/", {"username": "t_user", "password": "wrong-password"})
    r = c.post("/login/", {"username": "t_user", "password": "pass-1234-word"})
    assert r.status_code == 429
    html = r.content.decode()
    assert "账号已暂时锁定" in html and "分钟后再试" in html


def test_home_shows_counts_by_category_and_the_demo_tag(users, household, client_as):
    services.category_period_add(user=users["village"], category="marginal",
                                 household=household, start_date=dt.date(2024, 1, 1))
    html = client_as(users["township"]).get("/").content.decode()
    assert "测试村花一" in html and "演示" in html
    assert "边缘易致贫户" in html
    assert f'href="/households/?region={VILLAGE}"' in html


def test_english_translation(users, client_as):
    c = client_as(users["township"])
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get("/households/").content.decode()
    assert "Find households" in html and 'lang="en"' in html
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "家庭户查询" in c.get("/households/").content.decode()


def test_pages_and_answers_are_not_cached_and_carry_a_content_security_policy(client_as,
                                                                                users):
    c = client_as(users["village"])
    for path in ("/", "/households/", "/households/export.xlsx", "/api/v1/me"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert r["Cache-Control"] == "no-store, private", path
        assert "script-src 'self'" in r["Content-Security-Policy"], path
        assert "unsafe-inline" not in r["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert r["X-Frame-Options"] == "DENY"


def test_a_user_with_an_initial_password_must_set_their_own_first(client_as, users):
    from jkfp.accounts.models import User

    user = users["village"]
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    c = client_as(User.objects.get(pk=user.pk))
    r = c.get("/households/")
    assert r.status_code == 302 and r["Location"] == "/password/"
    r = c.post("/password/", {"old_password": "pass-1234-word", "new_password1": "1234567890",
                              "new_password2": "1234567890"})
    assert r.status_code == 200 and "password_entirely_numeric" in r.content.decode()
    assert User.objects.get(pk=user.pk).must_change_password  # refused, still the initial one
    r = c.post("/password/", {"old_password": "pass-1234-word",
                              "new_password1": "县里的新口令-2027", "new_password2": "县里的新口令-2027"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("县里的新口令-2027")
    assert c.get("/households/").status_code == 200  # the session survives the change
