"""Admission and exit of categories (准入/退出): change requests and their steps.

Only `services.py` writes these models; reads go through `selectors.py` (DESIGN.md rules 1-3).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from jkfp.categories import CHOICES as CATEGORY_CHOICES

OPEN = Q(status="proposed") | Q(status="notice") | Q(status="township_approved")


class ChangeRequest(models.Model):
    """An admission, change or exit of a category, following DOMAIN.md section 5."""

    class Action(models.TextChoices):
        ADMIT = "admit", "纳入"
        CHANGE = "change", "变更"
        EXIT = "exit", "退出"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "已提出（待公示）"
        NOTICE = "notice", "公示中"
        TOWNSHIP_APPROVED = "township_approved", "乡镇审核通过（待县级审定）"
        APPROVED = "approved", "县级审定通过"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    class Channel(models.TextChoices):
        APPLICATION = "application", "农户自主申报"
        VISIT = "visit", "基层干部排查"
        DEPARTMENT = "department", "部门筛查预警"
        SUPERVISION = "supervision", "监督渠道"
        PLATFORM = "platform", "平台分析"

    action = models.CharField("事项", max_length=8, choices=Action.choices)
    category = models.CharField("类别", max_length=32, choices=CATEGORY_CHOICES)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="change_requests"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True,
        related_name="change_requests"
    )
    period = models.ForeignKey(
        "registry.CategoryPeriod", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="变更或终止的期间",
    )
    region_code = models.CharField("区划代码", max_length=12)  # indexed with id/category
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    channel = models.CharField("线索来源", max_length=16, choices=Channel.choices)
    reason = models.CharField("理由", max_length=500)
    effective_date = models.DateField("生效日期")
    end_way = models.CharField(
        "风险消除方式", max_length=16, blank=True,
        choices=[("aided", "帮扶消除"), ("natural", "自然消除")],
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    home_visit_on = models.DateField("入户核实日期", null=True, blank=True)
    consent_on = models.DateField("农户书面同意日期", null=True, blank=True)
    comparison_note = models.CharField("部门数据比对结果", max_length=300, blank=True)
    village_review_on = models.DateField("村民主评议日期", null=True, blank=True)
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示结束", null=True, blank=True)
    notice_text = models.TextField("公示内容", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    # the tables keep the names they had when these models lived in the registry app
    history = HistoricalRecords(table_name="registry_historicalchangerequest")

    class Meta:
        db_table = "registry_changerequest"
        verbose_name = "纳入/退出申请"
        verbose_name_plural = "纳入/退出申请"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region_code", "status"], name="cr_region_status")]
        # one open request per subject and category, also under concurrent proposals (the
        # statuses as ORs of equalities: PostgreSQL reads such a predicate back exactly as
        # written, so a bulk load that drops and re-creates the index leaves it the same)
        constraints = [
            models.UniqueConstraint(
                fields=["household", "category"], name="cr_one_open_per_household",
                condition=Q(person__isnull=True) & OPEN),
            models.UniqueConstraint(
                fields=["person", "category"], name="cr_one_open_per_person",
                condition=Q(person__isnull=False) & OPEN),
        ]


class ChangeRequestStep(models.Model):
    """One step of a change request: who, when, what, why."""

    class Step(models.TextChoices):
        PROPOSE = "propose", "提出"
        NOTICE = "notice", "村级公示"
        TOWNSHIP_REVIEW = "township_review", "乡镇审核"
        COUNTY_DECISION = "county_decision", "县级审定"
        WITHDRAW = "withdraw", "撤回"

    class Decision(models.TextChoices):
        SUBMIT = "submit", "提交"
        APPROVE = "approve", "通过"
        REJECT = "reject", "不通过"

    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField("环节", max_length=20, choices=Step.choices)
    decision = models.CharField("结论", max_length=10, choices=Decision.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_region_code = models.CharField("经办区划", max_length=12)
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        db_table = "registry_changerequeststep"
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["at", "id"]


class Attachment(models.Model):
    """A scanned document of a request (home-visit record, signed consent): the file on disk
    under MEDIA_ROOT (`storage_name`), never at a public URL; read only through the scoped
    download view. Nothing is deleted; the history keeps who attached what and when."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "入户核实记录"
        CONSENT = "consent", "农户书面同意书"
        OTHER = "other", "其他材料"

    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT,
                                related_name="attachments")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)  # the request's
    kind = models.CharField("材料类型", max_length=16, choices=Kind.choices)
    original_name = models.CharField("原文件名", max_length=200)
    storage_name = models.CharField("存储路径", max_length=200, unique=True)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "申请附件"
        verbose_name_plural = "申请附件"
        ordering = ["uploaded_at", "id"]
