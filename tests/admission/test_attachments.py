"""Attachments of a request (issue 7, Pages): on disk outside the database, downloaded only
through a scoped view, size and type checked by content, history kept, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.admission import services as workflow
from jkfp.admission.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cr(users, household):
    today = timezone.localdate()
    return workflow.change_request_propose(
        user=users["village"],
        action="admit",
        category="marginal",
        household=household,
        reason="因病支出骤增",
        effective_date=today,
        channel="visit",
        home_visit_on=today,
        consent_on=today,
        village_review_on=today - dt.timedelta(days=0),
        comparison_note="",
    )


def upload(client, cr, content: bytes, name: str, kind: str = "consent"):
    return client.post(
        f"/requests/{cr.pk}/attachments/", {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_upload_and_scoped_download(users, client_as, cr, media, make_user):
    v = client_as(users["village"])
    r = upload(v, cr, PDF, "同意书.pdf")
    assert r.status_code == 302
    att = Attachment.objects.get()
    assert (att.original_name, att.content_type, att.size, att.kind) == (
        "同意书.pdf",
        "application/pdf",
        len(PDF),
        "consent",
    )
    assert att.region_code == cr.region_code and att.uploaded_by == users["village"]
    [stored] = files(media)
    assert stored.read_bytes() == PDF and stored.name != "同意书.pdf"  # a random name on disk
    assert att.history.count() == 1 and att.history.first().history_user == users["village"]
    page = client_as(users["county"]).get(f"/requests/{cr.pk}/").content.decode()
    assert f'href="/attachments/{att.pk}/"' in page and "同意书.pdf" in page
    r = client_as(users["county"]).get(f"/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith(
        "attachment"
    )
    assert r["Cache-Control"] == "no-store, private" and r["X-Content-Type-Options"] == "nosniff"
    # outside the request's region: not found; no public URL either
    for outsider in (users["changzhi_city"], make_user("640323101", Role.REVIEWER)):
        assert client_as(outsider).get(f"/attachments/{att.pk}/").status_code == 404
    assert v.get("/media/" + att.storage_name).status_code == 404


def test_type_is_checked_by_content_not_by_name(users, client_as, cr, media):
    v = client_as(users["village"])
    r = upload(v, cr, b"<html><script>alert(1)</script></html>", "扫描件.pdf")
    assert r.status_code == 422
    html = r.content.decode()
    assert "不是 PDF、JPEG 或 PNG" in html and 'data-code="attachment_type"' in html
    assert not Attachment.objects.exists() and files(media) == []
    # a photo named .pdf is a photo
    assert upload(v, cr, JPEG, "入户照片.pdf", "home_visit").status_code == 302
    assert upload(v, cr, PNG, "scan", "home_visit").status_code == 302
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "image/jpeg",
        "image/png",
    ]
    assert sorted(p.suffix for p in files(media)) == [".jpg", ".png"]


def test_size_is_limited(users, client_as, cr, media, settings):
    settings.JKFP_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    r = upload(client_as(users["village"]), cr, big, "大文件.pdf")
    assert r.status_code == 422
    assert "文件过大" in r.content.decode() and "不超过 1 MB" in r.content.decode()
    assert not Attachment.objects.exists() and files(media) == []
    assert upload(client_as(users["village"]), cr, b"", "空.pdf").status_code == 422


def test_read_only_users_cannot_attach(users, client_as, cr, media):
    r = upload(client_as(users["city"]), cr, PDF, "同意书.pdf")
    assert r.status_code in (403, 422)
    assert not Attachment.objects.exists() and files(media) == []
    page = client_as(users["city"]).get(f"/requests/{cr.pk}/").content.decode()
    assert "上传附件" not in page


def test_a_failed_row_leaves_no_file(users, cr, media, monkeypatch):
    from jkfp.admission import attachments

    def fail(**kw):
        raise RuntimeError("database down")

    monkeypatch.setattr(attachments, "model_create", lambda *a, **kw: fail())
    with pytest.raises(RuntimeError):
        attachments.attachment_add(
            user=users["village"],
            request=cr,
            kind="consent",
            file=SimpleUploadedFile("a.pdf", PDF),
            name="a.pdf",
            size=len(PDF),
        )
    assert files(media) == []
