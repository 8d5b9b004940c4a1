"""A background job: what was asked, by whom, how far it got and how it ended (decision 48).

The row is the truth the pages, the API and `jkfp job wait` read; the queue (procrastinate on
PostgreSQL, a thread on SQLite) only carries the job's id to a worker. State changes go
through `jobs.services` (history keeps each one); progress is written by the running job on a
connection of its own (`jobs.context`), as a plain UPDATE without history.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


#: states a job does not leave by itself (retry starts a new attempt of a failed or cancelled job)
FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class Job(models.Model):
    task = models.CharField(_("任务"), max_length=100)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("提交人"),
    )  # None: a scheduled system job
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    done = models.BigIntegerField(_("已完成"), default=0)
    total = models.BigIntegerField(_("总数"), null=True, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True, default="")
    result = models.JSONField(_("结果"), null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("错误"), blank=True, default="")  # for administrators; no traceback
    attempts = models.PositiveIntegerField(_("执行次数"), default=0)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    queue_id = models.BigIntegerField(_("队列任务号"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["done", "total", "heartbeat_at"])

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_created"),
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.task} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def percent(self) -> int | None:
        """0-100, or None while the total is unknown."""
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 // self.total)))
