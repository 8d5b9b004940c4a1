"""With DEBUG off (as `make demo` and a production server run): friendly Chinese 404 and 500
pages, no debug page, and static files served by whitenoise (issue 7, Pages)."""

from __future__ import annotations

from django.test import Client


def test_404_is_a_friendly_chinese_page(users, client_as, settings):
    settings.DEBUG = False
    r = client_as(users["village"]).get("/households/999999/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "未找到" in html and "不在您的管辖区域内" in html and "返回首页" in html
    assert "Traceback" not in html and "Page not found" not in html
    r = Client().get("/no-such-page/")
    assert r.status_code == 404 and "未找到" in r.content.decode()


def test_500_is_a_friendly_chinese_page_without_details(db, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.web.crash_urls"
    r = Client(raise_request_exception=False).get("/boom/")
    assert r.status_code == 500
    html = r.content.decode()
    assert "系统出错了" in html and "返回首页" in html
    assert "RuntimeError" not in html and "a bug" not in html and "Traceback" not in html


def test_static_files_are_served_with_debug_off(db, settings):
    settings.DEBUG = False
    r = Client().get("/static/web/jkfp.css")
    assert r.status_code == 200 and "text/css" in r["Content-Type"]
    assert b".stat" in b"".join(r.streaming_content if r.streaming else [r.content])


def test_demo_hosts_are_allowed_by_default(db, settings):
    from jkfp.config import settings as project

    assert {"127.0.0.1", "localhost"} <= set(project.ALLOWED_HOSTS)
    settings.DEBUG = False
    assert Client(HTTP_HOST="localhost").get("/login/").status_code == 200
    assert Client(HTTP_HOST="evil.example").get("/login/").status_code == 400
