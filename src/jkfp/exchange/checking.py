"""The check of an upload (read → validate → link → compare) as a background job (decision
53): the page stores the file with a batch in state `checking` and queues the job; the job
fills the batch in (`services.batch_check` with the batch) and reports each step as its
progress. A file that cannot be a list leaves the batch `check_failed` with the reasons; a job
that fails or dies leaves it `checking` / `check_failed` with its job, which the user retries
from the batch's page (the file is kept until a check succeeds)."""

from __future__ import annotations

import hashlib

from django.db import transaction

from jkfp.accounts.access import require_importer, scope_prefix
from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode
from jkfp.writes import acting

from . import kinds, selectors
from .models import Batch, BatchState, BatchUpload


def batch_check_submit(
    *, user: User, kind: str, data: bytes, file_name: str, sheet: str | None = None
) -> Batch:
    """Store the upload as a batch being checked and queue its check; return the batch."""
    from jkfp.jobs.services import job_submit

    require_importer(user, kind)
    kinds.kind(kind)
    if not data:
        raise DomainError(ErrorCode.IMPORT_FILE, "文件为空", field="file")
    with transaction.atomic():
        batch = acting(
            Batch(
                kind=kind,
                file_name=file_name[:255],
                file_sha256=hashlib.sha256(data).hexdigest(),
                sheet=sheet or "",
                region_code=scope_prefix(user) or "",
                created_by=user,
                state=BatchState.CHECKING,
                message="正在后台校验",
            ),
            user,
        )
        batch.save()
        BatchUpload.objects.create(batch=batch, data=data, sheet=sheet or "")
        job = job_submit(user=user, task="exchange.check", params={"batch_id": batch.pk})
        Batch.objects.filter(pk=batch.pk).update(check_job_id=job.pk)
        batch.check_job_id = job.pk
    return batch


def batch_check_run(*, user: User, batch_id: int, progress=None) -> Batch:
    """The job's work: check the stored file into its batch. A file that is not a list of
    the kind marks the batch `check_failed` with the reasons (returned, not raised: a retry
    would read the same file); any other failure marks it `check_failed` and is raised, so
    the job fails and can be retried."""
    from . import services

    batch = selectors.batch_get(user=user, pk=batch_id)
    if batch.state != BatchState.CHECKING and batch.state != BatchState.CHECK_FAILED:
        return batch  # already checked (a retried job whose first run had finished)
    upload = BatchUpload.objects.get(batch=batch)
    Batch.objects.filter(pk=batch.pk).update(state=BatchState.CHECKING, message="正在后台校验")
    try:
        batch = services.batch_check(
            user=user,
            kind=batch.kind,
            data=bytes(upload.data),
            file_name=batch.file_name,
            sheet=upload.sheet or None,
            batch=batch,
            progress=progress,
        )
    except DomainError as exc:
        reasons = [exc, *getattr(exc, "errors", [])[1:]]
        Batch.objects.filter(pk=batch.pk).update(
            state=BatchState.CHECK_FAILED,
            message=("文件无法作为名单导入：" + "；".join(e.message for e in reasons))[:500],
            summary={"file_errors": [e.as_dict() for e in reasons]},
        )
        batch.refresh_from_db()
        return batch
    except Exception as exc:
        Batch.objects.filter(pk=batch.pk).update(
            state=BatchState.CHECK_FAILED,
            message=f"校验中断，未保存任何结果，可以重试：{str(exc)[:400]}",
        )
        raise
    BatchUpload.objects.filter(pk=upload.pk).update(data=b"")
    return batch
