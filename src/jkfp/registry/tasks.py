"""Background jobs of the registry (jkfp.jobs): a person export too large for the page to wait
on runs as a job, with its progress on the job's page and the workbook to download when it is
done (issue 8, decision 105)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.jobs.tasks import register

from . import export


def export_path(job_id: int) -> Path:
    """Where the workbook of export job `job_id` is kept (under MEDIA_ROOT, not served)."""
    return Path(settings.MEDIA_ROOT) / "exports" / f"persons-job-{job_id}.xlsx"


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
