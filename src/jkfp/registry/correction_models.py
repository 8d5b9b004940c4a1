"""Corrections of a person's identity (ID number, and the sex and birth date it encodes):
a request with its evidence, decided by a reviewer who did not propose it (four eyes).
Imported by `models.py`; written only by `corrections.py`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class IdentityCorrection(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="identity_corrections",
        verbose_name="人员",
    )
    region_code = models.CharField("区划代码", max_length=12)
    old_id_number = models.CharField("原身份证号", max_length=18)
    old_sex = models.CharField("原性别", max_length=1)
    old_birth_date = models.DateField("原出生日期")
    new_id_number = models.CharField("更正后身份证号", max_length=18)
    new_sex = models.CharField("更正后性别", max_length=1)
    new_birth_date = models.DateField("更正后出生日期")
    evidence = models.TextField("证明材料说明", max_length=1000)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=300, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "身份信息更正"
        verbose_name_plural = "身份信息更正"
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["region_code", "status"], name="idcorr_region_status")]
        constraints = [
            # one open correction per person, also under concurrent proposals
            models.UniqueConstraint(
                fields=["person"], name="idcorr_one_open_per_person", condition=Q(status="proposed")
            ),
        ]

    def __str__(self) -> str:
        return f"身份信息更正 #{self.pk}"
