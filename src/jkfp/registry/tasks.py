"""Background jobs of the registry (jkfp.jobs): a person export too large for the page to wait
on runs as a job, with its progress on the job's page and the workbook to download when it is
done (issue 8, decision 105); every night the workbooks older than `JKFP_EXPORT_KEEP_DAYS`
(7) are removed."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.errors import DomainError, ErrorCode
from jkfp.jobs.schedule import periodic
from jkfp.jobs.tasks import register

from . import export


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def export_path(job_id: int) -> Path:
    """Where the workbook of export job `job_id` is kept (under MEDIA_ROOT, not served)."""
    return export_dir() / f"persons-job-{job_id}.xlsx"


@register("registry.export", title="成员名单导出")
def export_persons(ctx, *, q: str = "", category: str = "", region_code: str = "") -> dict:
    filters = export.ExportFilters(q=q, category=category, region_code=region_code)
    path = export_path(ctx.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")   # (renamed when whole: a download never reads half)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    ctx.progress(0, None, message=_("正在统计人数"))

    def progress(done: int, total: int) -> None:
        ctx.progress(done, total, message=_("正在写入第 %(n)s 行") % {"n": f"{done:,}"})

    try:
        written = export.export_write(str(part), user=ctx.user, filters=filters,
                                      title=_("家庭户成员名单（导出于 %(t)s）") % {"t": stamp},
                                      progress=progress)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    ctx.progress(written.rows, written.rows, message=_("导出完成，共 %(n)s 人") % {
        "n": f"{written.rows:,}"})
    return {"rows": written.rows, "truncated": written.truncated, "stamp": stamp,
            "file": True, "url": f"/households/export/{ctx.job_id}/"}


@register("registry.exports_cleanup", title="清理过期导出文件")
def exports_cleanup(ctx, *, days: int | None = None) -> dict:
    """Remove the export workbooks older than `days` (the setting `JKFP_EXPORT_KEEP_DAYS`, 7)
    and pieces of writes that never finished (`.part`, a day old): personal data, even masked,
    is not kept longer than the user needs to fetch it. A job's page then says the file was
    cleaned up."""
    if ctx.user is not None and not ctx.user.is_superuser:
        raise DomainError(ErrorCode.PERMISSION, "清理导出文件只由系统定时执行或由系统管理员提交")
    keep = days if days is not None else int(getattr(settings, "JKFP_EXPORT_KEEP_DAYS", 7))
    now = time.time()
    removed = kept = 0
    for f in sorted(export_dir().glob("persons-job-*")):
        age = now - f.stat().st_mtime
        if age > (86_400 if f.suffix == ".part" else keep * 86_400):
            f.unlink(missing_ok=True)
            removed += 1
        else:
            kept += 1
    ctx.progress(1, 1, message=_("已清理 %(n)s 个过期导出文件") % {"n": removed})
    return {"removed": removed, "kept": kept}


periodic("registry.exports_cleanup_nightly", cron="50 1 * * *", task="registry.exports_cleanup")
