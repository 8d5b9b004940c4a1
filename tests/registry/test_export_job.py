"""A long person list exported as a background job (issue 8, decision 105): the list's count
offers it above the count's cap, the job writes the same workbook as the direct download with
its progress, and only its submitter downloads the file."""

import io
import re

import openpyxl

from jkfp.jobs.models import Job, JobState
from jkfp.registry import export, search_views, tasks

FIRST_ROW = export.HEADER_ROWS + 2


def rows_of(data: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))


def test_the_count_offers_a_background_export_above_its_cap(client_as, users, household,
                                                            monkeypatch):
    c = client_as(users["county"])
    body = c.get("/households/?count=1&region=640323100").content.decode()
    assert 'id="export-xlsx"' not in body   # (a short list keeps the direct download link)
    monkeypatch.setattr(search_views, "capped_count", lambda qs: (10_000, True))
    body = c.get("/households/?count=1&region=640323100").content.decode()
    form = re.search(r'<form id="export-xlsx" method="post" action="([^"]+)" hx-swap-oob', body)
    assert form and form.group(1) == "/households/export/job/?region=640323100"
    assert "后台导出人员名单" in body and "共超过" in body


def test_the_job_writes_the_direct_download_s_rows_and_its_submitter_gets_them(
        client_as, users, household, member, foreign_households, run_jobs, settings, tmp_path,
        monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    seen = []
    real = tasks.export.export_write

    def spy(*args, progress=None, **kw):
        def record(done, total):
            seen.append((done, total))
            progress(done, total)
        return real(*args, progress=record if progress else None, **kw)
    monkeypatch.setattr(tasks.export, "export_write", spy)
    monkeypatch.setattr(export, "CHUNK", 1)   # a progress step a row
    county = client_as(users["county"])
    direct = rows_of(b"".join(county.get("/households/export.xlsx").streaming_content))
    with run_jobs():
        response = county.post("/households/export/job/")
    job = Job.objects.get(task="registry.export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.result["rows"] == len(direct) >= 2 and job.result["file"] is True
    assert seen == [(i, len(direct)) for i in range(1, len(direct) + 1)]
    assert (job.done, job.total) == (len(direct), len(direct))
    page = county.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/households/export/{job.pk}/"' in page and "下载文件" in page
    got = county.get(f"/households/export/{job.pk}/")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert rows_of(b"".join(got.streaming_content)) == direct
    # another user, even of the same county, does not get it
    assert client_as(users["township"]).get(f"/households/export/{job.pk}/").status_code == 404
    assert not list(tmp_path.rglob("*.part"))


def test_no_file_before_the_job_is_done(client_as, users, household, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    county = client_as(users["county"])
    county.post("/households/export/job/")   # (queued: not run in this test)
    job = Job.objects.get(task="registry.export")
    assert job.state == JobState.QUEUED
    assert county.get(f"/households/export/{job.pk}/").status_code == 404
    assert county.get("/households/export/job/").status_code == 405   # (a job only by POST)


def test_the_nightly_cleanup_removes_old_workbooks_and_unfinished_pieces(
        client_as, users, household, run_jobs, settings, tmp_path):
    import os
    import time

    from jkfp.jobs import schedule
    from jkfp.jobs import services as jobs

    settings.MEDIA_ROOT = tmp_path
    county = client_as(users["county"])
    with run_jobs():
        county.post("/households/export/job/")
    job = Job.objects.get(task="registry.export")
    fresh = tasks.export_path(job.pk)
    old = tasks.export_dir() / "persons-job-900001.xlsx"
    piece = tasks.export_dir() / "persons-job-900002.part"
    young_piece = tasks.export_dir() / "persons-job-900003.part"
    for f, days in ((old, 8), (piece, 2), (young_piece, 0.5)):
        f.write_bytes(b"x")
        when = time.time() - days * 86_400
        os.utime(f, (when, when))
    by = {s.name: s for s in schedule.schedules()}
    assert by["registry.exports_cleanup_nightly"].task == "registry.exports_cleanup"
    with run_jobs():
        cleanup = jobs.job_submit(user=None, task="registry.exports_cleanup")
    cleanup.refresh_from_db()
    assert cleanup.state == JobState.DONE and cleanup.result == {"removed": 2, "kept": 2}
    assert fresh.exists() and young_piece.exists() and not old.exists() and not piece.exists()
    assert county.get(f"/households/export/{job.pk}/").status_code == 200
    with run_jobs():
        jobs.job_submit(user=None, task="registry.exports_cleanup", params={"days": 0})
    got = county.get(f"/households/export/{job.pk}/")   # (gone: the page says so)
    assert got.status_code == 410 and "已被自动删除" in got.content.decode()
    assert f'href="/jobs/{job.pk}/"' in got.content.decode()


def test_only_the_system_or_a_superuser_cleans_up(users, run_jobs):
    from jkfp.jobs import services as jobs

    with run_jobs():
        job = jobs.job_submit(user=users["county"], task="registry.exports_cleanup")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "系统管理员" in job.error
