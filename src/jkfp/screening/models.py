"""Screening programmes (筛查, DOMAIN.md section 12): campaigns with a target group drawn from
the registry, a result per person, and the declared steps that follow a suspected or positive
result to a confirmation and a special-treatment case or a chronic registration (`health`).

Only `services.py` writes these models; reads go through `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Campaign(models.Model):
    """A screening campaign in a region: who is targeted and when."""

    class Kind(models.TextChoices):
        TWO_CANCERS = "two_cancers", "两癌筛查"
        NEWBORN = "newborn", "新生儿疾病筛查"
        CHRONIC_OPPORTUNISTIC = "chronic_opportunistic", "慢性病机会性筛查"
        UPPER_GI_CANCER = "upper_gi_cancer", "上消化道癌筛查"
        ECHINOCOCCOSIS = "echinococcosis", "包虫病筛查"
        KASHIN_BECK = "kashin_beck", "大骨节病监测"
        OTHER_ENDEMIC = "other_endemic", "其他地方病筛查"

    class Sex(models.TextChoices):
        ANY = "", "不限"
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    region_code = models.CharField("组织区划代码", max_length=12, db_index=True)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    target_sex = models.CharField("目标性别", max_length=1, choices=Sex.choices, blank=True)
    age_min = models.PositiveSmallIntegerField("最小年龄", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("最大年龄", null=True, blank=True)
    age_on = models.DateField("年龄计算日期")
    target_categories = models.JSONField("目标类别", default=list, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "筛查项目"
        verbose_name_plural = "筛查项目"
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")),
                                   name="campaign_end_after_start"),
            models.CheckConstraint(condition=Q(age_min__isnull=True) | Q(age_max__isnull=True)
                                   | Q(age_max__gte=models.F("age_min")),
                                   name="campaign_age_range"),
        ]

    def __str__(self) -> str:
        return self.name


class ScreeningResult(models.Model):
    """The result of one person in a campaign and where its follow-through stands."""

    class Result(models.TextChoices):
        NEGATIVE = "negative", "阴性"
        SUSPECTED = "suspected", "可疑"
        POSITIVE = "positive", "阳性"

    class Stage(models.TextChoices):
        DONE = "done", "无需后续"          # negative
        AWAITING = "awaiting", "待处理"     # suspected/positive, no step yet
        REFERRED = "referred", "已转诊"
        CONFIRMED = "confirmed", "已确诊"
        RULED_OUT = "ruled_out", "已排除"
        CASE_OPENED = "case_opened", "已纳入大病救治"
        REGISTERED = "registered", "已纳入慢病管理"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="results")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="screening_results", verbose_name="受检者")
    region_code = models.CharField("区划代码", max_length=12)
    screened_on = models.DateField("筛查日期")
    result = models.CharField("结果", max_length=10, choices=Result.choices)
    finding = models.CharField("检查所见", max_length=500, blank=True)
    stage = models.CharField("后续进展", max_length=12, choices=Stage.choices)
    referred_to = models.CharField("转诊机构", max_length=100, blank=True)
    confirmed_icd10 = models.CharField("确诊（ICD-10）", max_length=8, blank=True)
    health_ref = models.CharField("健康记录", max_length=40, blank=True)  # case:12 / chronic:7
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "筛查结果"
        verbose_name_plural = "筛查结果"
        ordering = ["-screened_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "id"], name="screening_region_id"),
            models.Index(fields=["stage", "region_code"], name="screening_stage_region"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="screening_once_per_campaign"),
        ]


class ResultStep(models.Model):
    """One declared step of a result's follow-through: who, when, what."""

    result = models.ForeignKey(ScreeningResult, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField("步骤", max_length=16)
    from_stage = models.CharField("原进展", max_length=12)
    to_stage = models.CharField("新进展", max_length=12)
    on_date = models.DateField("日期")
    comment = models.CharField("说明", max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("操作时间", auto_now_add=True)

    class Meta:
        verbose_name = "筛查后续步骤"
        verbose_name_plural = "筛查后续步骤"
        ordering = ["at", "id"]
