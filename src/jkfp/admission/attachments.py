"""Attachments of a change request: a home-visit record or a signed consent, scanned (PDF) or
photographed (JPEG, PNG). The file goes to disk under MEDIA_ROOT with a random name (never a
public URL: `attachment_open` is the one way out, scoped like the request); the row keeps the
original name, the type found in the content (magic bytes, not the name), size and SHA-256.
A file larger than `JKFP_ATTACHMENT_MAX_BYTES` or of another type is refused with a named error
and nothing is written."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.writes import model_create

from .models import Attachment, ChangeRequest
from .selectors import change_request_get, change_request_scope

# What the first bytes of a file say it is; the stored extension follows the content.
MAGIC = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]
TYPES = "PDF、JPEG 或 PNG"


def storage() -> FileSystemStorage:
    """The attachments' folder (MEDIA_ROOT, read at call time: tests and restores move it)."""
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None for another type."""
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


def attachment_add(
    *, user: User, request: ChangeRequest, kind: str, file: IO[bytes], name: str, size: int
) -> Attachment:
    """Attach a scanned document to a request the user may see and write; all or nothing."""
    access.require_writer(user)
    request = change_request_get(user=user, pk=request.pk)  # 404 outside the user's region
    if kind not in Attachment.Kind.values:
        raise DomainError(ErrorCode.INVALID, "材料类型无效", field="kind")
    limit = settings.JKFP_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise DomainError(
            ErrorCode.ATTACHMENT_TOO_LARGE,
            f"文件过大（{size / 1048576:.1f} MB）：附件不超过 {limit // 1048576} MB",
            field="file",
        )
    if size == 0:
        raise DomainError(ErrorCode.ATTACHMENT_TYPE, "文件为空", field="file")
    file.seek(0)
    found = sniff(file.read(16))
    if found is None:
        raise DomainError(
            ErrorCode.ATTACHMENT_TYPE,
            f"文件“{name[:60]}”不是 {TYPES}（按文件内容判断，与扩展名无关）",
            field="file",
        )
    content_type, ext = found
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    now = timezone.localtime()
    target = f"attachments/{now:%Y/%m}/{secrets.token_hex(16)}.{ext}"
    store = storage()
    stored = store.save(target, file)
    try:
        with transaction.atomic():
            return model_create(
                Attachment,
                user=user,
                request=request,
                region_code=request.region_code,
                kind=kind,
                original_name=Path(name).name[:200] or f"附件.{ext}",
                storage_name=stored,
                content_type=content_type,
                size=size,
                sha256=digest.hexdigest(),
                uploaded_by=user,
            )
    except BaseException:
        store.delete(stored)  # nothing half-written: no file without its row
        raise


def attachment_scope(*, user: User):
    return Attachment.objects.filter(request__in=change_request_scope(user=user))


def attachments_of_request(*, user: User, request: ChangeRequest) -> list[Attachment]:
    return list(attachment_scope(user=user).filter(request=request).select_related("uploaded_by"))


def attachment_get(*, user: User, pk: int) -> Attachment:
    try:
        return attachment_scope(user=user).select_related("request").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("无此附件或不在您的管辖区域内") from None


def attachment_open(*, user: User, pk: int) -> tuple[Attachment, IO[bytes]]:
    """The attachment and its file, opened for reading; 404 outside the user's region or
    when the file is missing on disk (a restore without its files)."""
    att = attachment_get(user=user, pk=pk)
    try:
        return att, storage().open(att.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("附件文件不在服务器上（可能未随备份恢复）") from None
