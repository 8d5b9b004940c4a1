"""The API under /api/v1/exchange/ and the pages: upload, read, decide, apply as a job, undo;
another county answers 404; a department that does not own the list is refused (403)."""

from __future__ import annotations

import pytest
from django.test import Client

from jkfp.accounts.models import Department, Role
from jkfp.exchange import views
from jkfp.exchange.models import Batch
from jkfp.registry.models import CategoryPeriod

from .files import xlsx

HEADER = ["姓名", "身份证号", "类别", "开始日期"]


@pytest.fixture
def upload(people):
    head = people["head"]
    return xlsx(
        HEADER,
        [[head.name, head.id_number, "低保", "2023-01-01"], ["坏", "123", "低保", "2023-01-01"]],
    )


def _api_upload(client: Client, data: bytes, kind="civil_affairs"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/exchange/batches", {"kind": kind, "file": SimpleUploadedFile("名单.xlsx", data)}
    )


@pytest.mark.usefixtures("api_urlconf")
def test_api_round_trip(civil, upload, make_user, run_jobs):
    from jkfp.accounts import tokens

    _, raw = tokens.api_token_issue(user=civil)
    c = Client(headers={"Authorization": f"Bearer {raw}"})
    r = _api_upload(c, upload)
    assert r.status_code == 201, r.content
    batch = r.json()
    assert batch["summary"]["created"] == 1 and batch["summary"]["errors"] == 1
    rows = c.get(f"/api/v1/exchange/batches/{batch['id']}/rows", {"status": "error"}).json()
    assert rows[0]["line"] == 5 and rows[0]["errors"][0]["code"] == "id_format"
    assert "*" in c.get(f"/api/v1/exchange/batches/{batch['id']}/rows").json()[0]["id_masked"]
    r = c.post(f"/api/v1/exchange/batches/{batch['id']}/apply", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "import_batch_state"
    with run_jobs():
        r = c.post(
            f"/api/v1/exchange/batches/{batch['id']}/apply",
            {"skip_invalid": True},
            content_type="application/json",
        )
    assert r.status_code == 202
    job = c.get(f"/api/v1/jobs/{r.json()['job_id']}").json()
    assert job["state"] == "done", job
    assert CategoryPeriod.objects.count() == 1
    r = c.post(f"/api/v1/exchange/batches/{batch['id']}/undo")
    assert r.status_code == 200 and r.json()["state"] == "undone"
    # another county's importer does not find the batch
    other = make_user("140403", Role.REVIEWER, Department.CIVIL_AFFAIRS)
    _, raw2 = tokens.api_token_issue(user=other)
    c2 = Client(headers={"Authorization": f"Bearer {raw2}"})
    assert c2.get(f"/api/v1/exchange/batches/{batch['id']}").status_code == 404


@pytest.mark.usefixtures("api_urlconf")
def test_api_refuses_another_department(make_user, upload):
    from jkfp.accounts import tokens

    health = make_user("640323", Role.APPROVER, Department.HEALTH)
    _, raw = tokens.api_token_issue(user=health)
    r = _api_upload(Client(headers={"Authorization": f"Bearer {raw}"}), upload)
    assert r.status_code == 403 and r.json()["code"] == "permission"


def test_pages(civil, upload, client_as, make_user, run_jobs):
    c = client_as(civil)
    page = c.get("/exchange/")
    assert page.status_code == 200 and "上传名单" in page.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with run_jobs():  # the check runs as a background job (decision 53)
        r = c.post(
            "/exchange/",
            {"kind": "civil_affairs", "file": SimpleUploadedFile("名单.xlsx", upload)},
        )
    assert r.status_code == 302
    detail = c.get(r["Location"])
    html = detail.content.decode()
    assert "不能为空" in html or "格式不正确" in html
    assert 'id="count-created">1<' in html
    assert 'id="apply"' in html
    with run_jobs():  # the valid row only; afterwards there is nothing left to apply
        c.post(r["Location"] + "apply/", {"skip_invalid": "on"})
    applied = c.get(r["Location"]).content.decode()
    assert "已导入" in applied and 'id="apply"' not in applied and 'id="undo"' in applied
    report = c.get(r["Location"] + "report.xlsx")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd")
    with run_jobs():
        bad = c.post(
            "/exchange/",
            {"kind": "civil_affairs", "file": SimpleUploadedFile("x.pdf", b"%PDF\x00\x00")},
        )
    failed = c.get(bad["Location"]).content.decode()
    assert "校验失败" in failed and "不是电子表格" in failed
    other = client_as(make_user("140403", Role.REVIEWER, Department.CIVIL_AFFAIRS))
    assert other.get(r["Location"]).status_code == 404
    reader = client_as(make_user("640323", Role.READONLY, Department.CIVIL_AFFAIRS))
    assert "上传名单" not in reader.get("/exchange/").content.decode()


def test_batch_list_says_when_it_shows_only_the_latest(civil, client_as, monkeypatch):
    old, new = (Batch.objects.create(kind="civil_affairs", file_name=f"{n}.xlsx",
                                     file_sha256=n * 64, region_code="640323", created_by=civil)
                for n in "ab")
    c = client_as(civil)
    assert "此处只显示前" not in c.get("/exchange/").content.decode()
    monkeypatch.setattr(views, "BATCH_ROWS", 1)
    page = c.get("/exchange/").content.decode()
    assert f'href="/exchange/{new.pk}/"' in page and f'href="/exchange/{old.pk}/"' not in page
    assert "共 2 条，此处只显示前 1 条。" in page
