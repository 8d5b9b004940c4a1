from django.db import models

from .codes import LEVEL_LABELS, Level


class Region(models.Model):
    """A node of the administrative division tree, keyed by its natural-length code."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField(
        "层级", max_length=10, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in Level]
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name="上级",
    )
    is_generated = models.BooleanField(
        "演示生成", default=False, help_text="名称与代码由演示数据生成，非官方区划"
    )
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def display_name(self) -> str:
        return f"{self.name}（演示）" if self.is_generated else self.name


class RegionCodeAlias(models.Model):
    """A code no longer in force that still appears inside ID numbers, mapped to today's region.

    E.g. 140421 长治县 → 140404 上党区 (长治 reform of 2018-2019).
    """

    code = models.CharField("旧区划代码", max_length=12, primary_key=True)
    name = models.CharField("旧名称", max_length=64)
    current = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="aliases", verbose_name="现区划"
    )
    valid_until = models.DateField("停用日期", null=True, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "历史区划代码"
        verbose_name_plural = "历史区划代码"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）→ {self.current.name}"
