"""The check of an upload as a background job (decision 53): progress by step, a file that is
not a list leaves the batch `check_failed` with the reason, a job that dies leaves it
`check_failed` and its retry finishes the check."""

from __future__ import annotations

import pytest

from jkfp.exchange import services
from jkfp.exchange.models import Batch, BatchState, BatchUpload
from jkfp.jobs import services as job_services
from jkfp.jobs.models import Job

from .files import xlsx

HEADER = ["姓名", "身份证号", "类别", "开始日期"]


def _upload(civil, data, name="名单.xlsx"):
    return services.batch_check_submit(user=civil, kind="civil_affairs", data=data,
                                       file_name=name)


def test_check_runs_as_a_job(civil, people, run_jobs):
    head = people["head"]
    with run_jobs():
        batch = _upload(civil, xlsx(HEADER, [[head.name, head.id_number, "低保", "2024-01-01"]]))
        assert batch.state == BatchState.CHECKING and batch.check_job_id
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECKED and batch.header_line == 3
    assert (batch.summary["rows"], batch.summary["created"]) == (1, 1)
    job = Job.objects.get(pk=batch.check_job_id)
    assert (job.state, job.done, job.total) == ("done", 4, 4)
    assert job.result["url"] == f"/exchange/{batch.pk}/"
    assert bytes(BatchUpload.objects.get(batch=batch).data) == b""  # file not kept
    services.batch_apply(user=civil, batch=batch)
    assert Batch.objects.get(pk=batch.pk).state == BatchState.APPLIED


def test_not_a_list_leaves_check_failed(civil, people, run_jobs):
    with run_jobs():
        batch = _upload(civil, b"%PDF-1.4\x00\x00", name="x.pdf")
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECK_FAILED
    assert "不是电子表格" in batch.message
    assert not batch.rows.exists()


def test_a_job_that_dies_can_be_retried(civil, people, run_jobs, monkeypatch):
    head = people["head"]
    real = services.batch_check

    def broken(**kw):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(services, "batch_check", broken)
    with run_jobs():
        batch = _upload(civil, xlsx(HEADER, [[head.name, head.id_number, "低保", "2024-01-01"]]))
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECK_FAILED and "可以重试" in batch.message
    assert Job.objects.get(pk=batch.check_job_id).state == "failed"
    assert not batch.rows.exists()
    monkeypatch.setattr(services, "batch_check", real)
    with run_jobs():
        job_services.job_retry(user=civil, job_id=batch.check_job_id)
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECKED and batch.summary["created"] == 1


def test_only_the_owner_department_may_submit(make_user, people):
    from jkfp.accounts.models import Department, Role
    from jkfp.errors import DomainError

    with pytest.raises(DomainError):
        services.batch_check_submit(
            user=make_user("640323", Role.REVIEWER, Department.HEALTH), kind="civil_affairs",
            data=b"x", file_name="x.csv")
    assert not Batch.objects.exists()


def test_page_shows_the_check_while_it_runs(civil, people, client_as):
    """Submitted and not yet run (the test's transaction never commits): the batch page shows
    the job's progress and polls itself until the check is done."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = people["head"]
    c = client_as(civil)
    data = xlsx(HEADER, [[head.name, head.id_number, "低保", "2024-01-01"]])
    r = c.post("/exchange/", {"kind": "civil_affairs",
                              "file": SimpleUploadedFile("名单.xlsx", data)})
    assert r.status_code == 302
    html = c.get(r["Location"]).content.decode()
    assert 'id="check-progress"' in html and "排队中" in html
    assert 'hx-trigger="every 2s"' in html and "正在校验" in html
    assert 'id="apply"' not in html  # nothing to apply before the check
