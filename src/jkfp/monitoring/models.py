"""Warnings of poverty through illness, their steps and the scans that found them.

A `RiskWarning` is keyed by rule, subject (a person or a household, as the rule says) and period
(`2026` for a yearly rule, `2026Q4` for a quarterly one, `2026-11` for a monthly one): a rescan
finds the same key and neither duplicates an open warning nor re-opens a closed one unless its
facts changed (`facts_hash`, then `facts_changed_on` says so). Its life (the transition table is
in `rules.py`): found → pushed → verified (home visit) → confirmed | dismissed (reason) →
acted on (linked to what was done) → closed. Every step is a `WarningStep` row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class WarningStatus(models.TextChoices):
    FOUND = "found", "已发现"
    PUSHED = "pushed", "已推送"
    VERIFIED = "verified", "已入户核实"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "已排除"
    ACTED = "acted", "已处置"
    CLOSED = "closed", "已办结"


OPEN_STATUSES = (WarningStatus.FOUND, WarningStatus.PUSHED, WarningStatus.VERIFIED,
                 WarningStatus.CONFIRMED, WarningStatus.ACTED)


class SubjectKind(models.TextChoices):
    PERSON = "person", "个人"
    HOUSEHOLD = "household", "家庭"


class ActionKind(models.TextChoices):
    ADMISSION = "admission", "纳入防返贫监测"
    MINIMUM_LIVING = "minimum_living", "转介低保"
    EXTREME_POOR = "extreme_poor", "转介特困供养"
    MEDICAL_ASSISTANCE = "medical_assistance", "医疗救助"
    SUPPORT_MEASURE = "support_measure", "落实帮扶措施"


class RiskWarning(models.Model):
    rule_id = models.CharField("预警规则", max_length=40)
    subject_kind = models.CharField("对象", max_length=10, choices=SubjectKind.choices)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="risk_warnings", verbose_name="人员")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="risk_warnings", verbose_name="家庭户")
    region_code = models.CharField("区划代码", max_length=12)
    period = models.CharField("期间", max_length=10)
    status = models.CharField("状态", max_length=12, choices=WarningStatus.choices,
                              default=WarningStatus.FOUND)
    found_on = models.DateField("发现日期")
    due_on = models.DateField("核实期限")
    amount_fen = models.BigIntegerField("触发金额（分）", null=True, blank=True)
    threshold_fen = models.BigIntegerField("阈值（分）", null=True, blank=True)
    evidence = models.JSONField("依据", default=dict)
    facts_hash = models.CharField("依据摘要", max_length=64)
    facts_changed_on = models.DateField("依据变化日期", null=True, blank=True)
    departments = models.JSONField("推送部门", default=list)
    uses_examples = models.BooleanField("含示例参数", default=False)
    pushed_on = models.DateField("推送日期", null=True, blank=True)
    verified_on = models.DateField("核实日期", null=True, blank=True)
    visited_by = models.CharField("核实人", max_length=100, blank=True)
    findings = models.CharField("核实情况", max_length=1000, blank=True)
    decided_on = models.DateField("认定日期", null=True, blank=True)
    decision_reason = models.CharField("认定理由", max_length=500, blank=True)
    action_kind = models.CharField("处置方式", max_length=20, choices=ActionKind.choices,
                                   blank=True)
    action_ref = models.CharField("处置记录", max_length=40, blank=True)  # e.g. admission:12
    change_request = models.ForeignKey("admission.ChangeRequest", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="risk_warnings",
                                       verbose_name="纳入申请")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    scan = models.ForeignKey("ScanRun", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="warnings", verbose_name="发现它的扫描")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["evidence"])

    class Meta:
        verbose_name = "监测预警"
        verbose_name_plural = "监测预警"
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "status"], name="warning_region_status"),
            models.Index(fields=["status", "due_on"], name="warning_status_due"),
            models.Index(fields=["household", "rule_id"], name="warning_household_rule"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rule_id", "person", "period"],
                                    condition=Q(subject_kind="person"),
                                    name="warning_one_per_rule_person_period"),
            models.UniqueConstraint(fields=["rule_id", "household", "period"],
                                    condition=Q(subject_kind="household"),
                                    name="warning_one_per_rule_household_period"),
            models.CheckConstraint(condition=Q(subject_kind="household") | Q(person__isnull=False),
                                   name="warning_person_rule_has_person"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.period} #{self.pk}"


class WarningStep(models.Model):
    """One step of a warning: who, when, why. `user` is empty for a scheduled scan's steps."""

    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField("步骤", max_length=16)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12)
    on_date = models.DateField("日期")
    comment = models.CharField("说明", max_length=1000, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name="经办人")
    at = models.DateTimeField("操作时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警步骤"
        verbose_name_plural = "预警步骤"
        ordering = ["at", "id"]


class ScanRun(models.Model):
    """One scan (full or incremental) of a region on a date: what it found, for the record."""

    class Mode(models.TextChoices):
        FULL = "full", "全面扫描"
        INCREMENTAL = "incremental", "增量检查"

    mode = models.CharField("方式", max_length=12, choices=Mode.choices)
    region_code = models.CharField("区划代码", max_length=12)
    on_date = models.DateField("扫描日期")
    rules = models.JSONField("规则", default=list)
    counts = models.JSONField("结果（规则 → 新增/仍存在/依据变化）", default=dict)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name="发起人")

    class Meta:
        verbose_name = "预警扫描"
        verbose_name_plural = "预警扫描"
        ordering = ["-started_at"]


class Push(models.Model):
    """What one recipient received on one date (decision 57b): the township (`department` is
    "township", `region_code` the township's code) or a county department (its code, the county's).
    Its warnings are the `PushItem` rows; the Excel export of a push is what that recipient gets."""

    TOWNSHIP = "township"

    department = models.CharField("接收部门", max_length=24)
    region_code = models.CharField("接收单位区划", max_length=12)
    pushed_on = models.DateField("推送日期")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name="推送人")

    class Meta:
        verbose_name = "预警推送"
        verbose_name_plural = "预警推送"
        ordering = ["-pushed_on", "department", "region_code"]
        constraints = [models.UniqueConstraint(fields=["department", "region_code", "pushed_on"],
                                               name="push_one_per_recipient_day")]
        indexes = [models.Index(fields=["region_code", "pushed_on"], name="push_region_date")]

    def __str__(self) -> str:
        return f"{self.department} {self.region_code} {self.pushed_on}"


class PushItem(models.Model):
    push = models.ForeignKey(Push, on_delete=models.PROTECT, related_name="items")
    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, related_name="push_items")

    class Meta:
        verbose_name = "推送明细"
        verbose_name_plural = "推送明细"
        constraints = [models.UniqueConstraint(fields=["push", "warning"],
                                               name="push_item_once")]
