"""Import batches of other departments' lists, their rows and what each apply wrote.

A `Batch` is one file as it came (checked, linked and compared when uploaded); a `BatchRow` one
row of it with its parsed values, its link to a registry person, its status in the summary and,
for a doubtful row, the decision a person took (who and when). A `Change` is the provenance of
every registry row an apply wrote (batch, model, object id, action, the values before), so the
registry does not depend on this app and a batch can be undone.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class BatchState(models.TextChoices):
    CHECKED = "checked", "已校验待导入"
    APPLIED = "applied", "已导入"
    UNDONE = "undone", "已撤销"
    FAILED = "failed", "导入失败"
    CHECKING = "checking", "正在校验"  # the check runs as a background job (decision 53)
    CHECK_FAILED = "check_failed", "校验失败"


class RowStatus(models.TextChoices):
    """Every row counts in exactly one of these (the summary adds up to the rows)."""

    CREATED = "created", "新增"
    UPDATED = "updated", "更新"
    ENDED = "ended", "终止"
    UNCHANGED = "unchanged", "无变化"
    IGNORED = "ignored", "忽略"
    ERROR = "error", "错误"
    DOUBTFUL = "doubtful", "待人工确认"


STATUS_KEYS = ("created", "updated", "ended", "unchanged", "ignored", "errors", "doubtful")


class Decision(models.TextChoices):
    LINK = "link", "确认为同一人"
    NEW = "new", "不是登记中的人"
    IGNORE = "ignore", "忽略此行"


class Batch(models.Model):
    kind = models.CharField("名单种类", max_length=32)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_line = models.PositiveIntegerField("表头行", default=1)
    columns = models.JSONField("列（字段 → 表头）", default=dict)
    region_code = models.CharField("导入范围", max_length=12)
    state = models.CharField(
        "状态", max_length=16, choices=BatchState.choices, default=BatchState.CHECKED
    )
    summary = models.JSONField("汇总", default=dict)
    comparison = models.JSONField("比对（登记中有而名单中无等）", default=dict)
    message = models.CharField("说明", max_length=500, blank=True)
    apply_job_id = models.BigIntegerField("导入任务编号", null=True, blank=True)
    check_job_id = models.BigIntegerField("校验任务编号", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入人",
    )
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="撤销人",
    )
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "名单导入批次"
        verbose_name_plural = "名单导入批次"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "id"], name="batch_region_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.file_name}"


class BatchUpload(models.Model):
    """The file of a batch whose check runs as a background job, kept until the check has
    read it (then emptied); apart from `Batch` so its history does not copy the file."""

    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="upload")
    data = models.BinaryField("文件内容")
    sheet = models.CharField("工作表", max_length=100, blank=True)

    class Meta:
        verbose_name = "待校验的文件"
        verbose_name_plural = "待校验的文件"


class BatchRow(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="rows")
    line = models.PositiveIntegerField("行号")
    data = models.JSONField("解析后的值", default=dict)
    region_code = models.CharField("区划代码", max_length=12, blank=True)
    status = models.CharField("状态", max_length=16, choices=RowStatus.choices)
    reason = models.CharField("说明", max_length=500, blank=True)
    errors = models.JSONField("错误", default=list)
    link_status = models.CharField("关联结果", max_length=16, blank=True)
    score = models.FloatField("匹配分", null=True, blank=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="关联人员",
    )
    candidates = models.JSONField("候选人员", default=list)
    changes = models.JSONField("变化（前 → 后）", default=list)
    decision = models.CharField("人工决定", max_length=8, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定人",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    applied = models.BooleanField("已导入", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "名单行"
        verbose_name_plural = "名单行"
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="batchrow_line")]
        indexes = [models.Index(fields=["batch", "status"], name="batchrow_status")]


class Change(models.Model):
    """One registry row written by an apply (provenance), with what it was before."""

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        END = "end", "终止"

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="changes")
    line = models.PositiveIntegerField("行号", null=True)
    model = models.CharField("表", max_length=64)
    object_id = models.BigIntegerField("记录编号")
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    before = models.JSONField("修改前", default=dict)
    after = models.JSONField("修改后", default=dict)
    undone = models.BooleanField("已撤销", default=False)

    class Meta:
        verbose_name = "导入写入记录"
        verbose_name_plural = "导入写入记录"
        indexes = [models.Index(fields=["model", "object_id"], name="change_object")]


class EnrolmentStatus(models.TextChoices):
    """A person's medical-insurance enrolment in a year, as the department's list says it
    (its own labels are mapped to these in policies/exchange/kinds.yaml)."""

    INSURED = "insured", "参保"
    NOT_INSURED = "not_insured", "未参保"
    SUSPENDED = "suspended", "停保"


class Enrolment(models.Model):
    """One person's enrolment in the basic medical insurance of one year, from the medical
    insurance list (kind `enrolment`). One row per person and year; an import writes it with
    the batch it came from; an undo marks a row the batch created `void` (nothing deleted)."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name="人员",
    )
    year = models.PositiveSmallIntegerField("参保年度")
    status = models.CharField("参保状态", max_length=16, choices=EnrolmentStatus.choices)
    subsidy_category = models.CharField("资助类别", max_length=100, blank=True)
    subsidy_fen = models.BigIntegerField("资助金额（分）", null=True, blank=True)
    region_code = models.CharField("区划代码", max_length=12)
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="enrolments", verbose_name="导入批次"
    )
    void = models.BooleanField("已作废（撤销导入）", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "参保记录"
        verbose_name_plural = "参保记录"
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="enrolment_person_year")
        ]
        indexes = [models.Index(fields=["region_code", "year"], name="enrolment_region_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.status}"


class SettlementStage(models.Model):
    """One row of a settlement batch (kind `insurance_settlements`, decision 76) that has no
    error, is in the user's county and is linked by its ID number: kept here, typed, instead of
    a `BatchRow` with its JSON. Written by one `COPY` at the check, planned by SQL (`status`,
    `reason`, `first_line`, `stay_id`) and written to `settlement.ExternalSettlement` by
    `INSERT … SELECT` at the apply (`record_id`: the id the record gets, reserved at the check
    on PostgreSQL). The other rows of the batch (errors, other counties, doubtful or unknown
    persons) stay `BatchRow`s. No foreign keys: a million rows go in without a check per row;
    `person_id` is a registry person of the user's scope when the row was linked."""

    batch_id = models.BigIntegerField("导入批次")
    line = models.PositiveIntegerField("行号")
    person_id = models.BigIntegerField("关联人员")
    name = models.CharField("姓名", max_length=100)
    id_number = models.CharField("证件号码", max_length=20)
    record_number = models.CharField("结算流水号", max_length=40)
    insurance_type = models.CharField("险种", max_length=40)
    person_type = models.CharField("人员类别", max_length=40)
    visit_type = models.CharField("就诊类型", max_length=12)
    institution_name = models.CharField("医疗机构", max_length=100)
    hospital_grade = models.PositiveSmallIntegerField("医院等级", null=True)
    location = models.CharField("就医地", max_length=10)
    admission_date = models.DateField("入院（就诊）日期")
    discharge_date = models.DateField("出院（结算）日期")
    total_fen = models.BigIntegerField()
    fully_self_fen = models.BigIntegerField()
    over_limit_self_fen = models.BigIntegerField()
    pre_self_fen = models.BigIntegerField()
    in_policy_fen = models.BigIntegerField()
    deductible_fen = models.BigIntegerField()
    basic_fen = models.BigIntegerField()
    critical_fen = models.BigIntegerField()
    assistance_fen = models.BigIntegerField()
    other_fund_fen = models.BigIntegerField()
    fund_total_fen = models.BigIntegerField()
    hospital_share_fen = models.BigIntegerField()
    personal_fen = models.BigIntegerField()
    account_fen = models.BigIntegerField()
    cash_fen = models.BigIntegerField()
    status = models.CharField("状态", max_length=16, choices=RowStatus.choices,
                              default=RowStatus.CREATED)
    reason = models.CharField("说明", max_length=500, blank=True, default="")
    first_line = models.PositiveIntegerField("同一记录的首行", null=True)
    stay_id = models.BigIntegerField("本系统住院记录", null=True)
    record_id = models.BigIntegerField("结算记录编号", null=True)

    class Meta:
        verbose_name = "结算名单行（暂存）"
        verbose_name_plural = "结算名单行（暂存）"
        constraints = [
            models.UniqueConstraint(fields=["batch_id", "line"], name="settlementstage_line")
        ]


def change_counts(changes, **keys: tuple) -> dict[str, int]:
    """A record kind's summary keys: for each key, how many of `changes` are of its
    (model, action); an action of None counts every action."""
    return {key: sum(c.model == model and (action is None or c.action == action)
                     for c in changes) for key, (model, action) in keys.items()}
