"""Health services of ill persons (DOMAIN.md sections 6 and 12): chronic-disease registrations
and special-treatment cases of major diseases (大病专项救治) with their steps.

A diagnosis is an ICD-10 code; the dated catalog (`health/catalog.py`, files in `catalogs/`)
decides which disease of the region's list it is on the date. Only `services.py` writes these
models; reads go through `selectors.py` (DESIGN.md rules 1-3). Every row carries the village code
of its person, so a scope is a prefix filter.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class ChronicRegistration(models.Model):
    """A person registered as a patient of a chronic disease under management (慢病登记)."""

    class EndReason(models.TextChoices):
        DIED = "died", "死亡"
        MOVED = "moved", "迁出"
        CURED = "cured", "治愈（结核病疗程结束）"
        ERROR = "error", "登记有误"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="chronic_registrations", verbose_name="患者")
    region_code = models.CharField("区划代码", max_length=12)
    disease_code = models.CharField("病种", max_length=40)
    icd10 = models.CharField("诊断（ICD-10）", max_length=8)
    diagnosed_on = models.DateField("确诊日期")
    confirmed_by = models.CharField("确诊机构", max_length=100)
    registered_on = models.DateField("登记日期")
    outpatient_certified_on = models.DateField("门诊慢病鉴定日期", null=True, blank=True)
    risk_level = models.PositiveSmallIntegerField("危险性评估等级（严重精神障碍）", null=True,
                                                  blank=True)
    treatment_start = models.DateField("疗程开始（结核病）", null=True, blank=True)
    last_visit_on = models.DateField("最近随访日期", null=True, blank=True)
    next_visit_on = models.DateField("下次随访日期", null=True, blank=True)
    ended_on = models.DateField("结束管理日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=8, choices=EndReason.choices, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "慢病登记"
        verbose_name_plural = "慢病登记"
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "id"], name="chronic_region_id"),
            models.Index(fields=["person", "disease_code"], name="chronic_person_disease"),
            models.Index(fields=["disease_code", "region_code"], name="chronic_disease_region"),
            models.Index(fields=["region_code", "next_visit_on"], name="chronic_region_next_visit",
                         condition=Q(ended_on__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "disease_code"],
                                    condition=Q(ended_on__isnull=True),
                                    name="chronic_one_open_per_disease"),
            models.CheckConstraint(condition=Q(risk_level__isnull=True) | Q(risk_level__lte=5),
                                   name="chronic_risk_level_0_5"),
        ]

    def __str__(self) -> str:
        return f"{self.disease_code} #{self.pk}"


class SpecialCase(models.Model):
    """A case of a major disease in special treatment: 发现一例、建档一例、治愈一例、销号一例."""

    class Status(models.TextChoices):
        FOUND = "found", "已发现"
        OPENED = "opened", "已建档"
        IN_TREATMENT = "in_treatment", "救治中"
        TREATED = "treated", "已救治"
        CLOSED = "closed", "已销号"

    class FoundVia(models.TextChoices):
        SCREENING = "screening", "筛查发现"
        HOSPITAL_STAY = "hospital_stay", "住院发现"
        VILLAGE_REPORT = "village_report", "村医上报"
        DEPARTMENT_LIST = "department_list", "部门名单"

    class Outcome(models.TextChoices):
        CURED = "cured", "治愈"
        IMPROVED = "improved", "好转"
        STABLE = "stable", "稳定"

    class CloseReason(models.TextChoices):
        CURED = "cured", "治愈"
        DIED = "died", "死亡"
        MOVED = "moved", "迁出"
        NOT_ELIGIBLE = "not_eligible", "不符合条件"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="special_cases", verbose_name="患者")
    region_code = models.CharField("区划代码", max_length=12)
    disease_code = models.CharField("病种", max_length=40)
    icd10 = models.CharField("诊断（ICD-10）", max_length=8)
    found_via = models.CharField("发现途径", max_length=16, choices=FoundVia.choices)
    found_on = models.DateField("发现日期")
    source_ref = models.CharField("来源记录", max_length=40, blank=True)  # e.g. screening:12
    hospital_name = models.CharField("定点医院", max_length=100, blank=True)
    treatment_plan = models.CharField("救治方案", max_length=1000, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.FOUND)
    outcome = models.CharField("救治结果", max_length=10, choices=Outcome.choices, blank=True)
    close_reason = models.CharField("销号原因", max_length=16, choices=CloseReason.choices,
                                    blank=True)
    opened_on = models.DateField("建档日期", null=True, blank=True)
    treated_on = models.DateField("救治完成日期", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "大病专项救治病例"
        verbose_name_plural = "大病专项救治病例"
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "id"], name="case_region_id"),
            models.Index(fields=["status", "disease_code"], name="case_status_disease"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "disease_code"],
                                    condition=~Q(status="closed"),
                                    name="case_one_open_per_disease"),
        ]

    def __str__(self) -> str:
        return f"{self.disease_code} #{self.pk}"


class SpecialCaseStep(models.Model):
    """One transition of a case: who, when, why (the transition table is in `rules.py`)."""

    case = models.ForeignKey(SpecialCase, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField("步骤", max_length=16)
    from_status = models.CharField("原状态", max_length=16)
    to_status = models.CharField("新状态", max_length=16)
    on_date = models.DateField("日期")
    comment = models.CharField("说明", max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name="经办人")
    at = models.DateTimeField("操作时间", auto_now_add=True)

    class Meta:
        verbose_name = "病例步骤"
        verbose_name_plural = "病例步骤"
        ordering = ["at", "id"]
