"""The indicator figures by region and period (decision 58), and the villages whose figures
are stale (decision 58c).

A figure row holds counts and sums only, never personal data: indicator, region (any level),
period (`2022`, `2022Q3`, `2022-07`), numerator and denominator (integers: persons, or fen).
"""

from django.db import models


class Figure(models.Model):
    indicator = models.CharField("指标", max_length=64)
    region_code = models.CharField("区划代码", max_length=12)
    period = models.CharField("期间", max_length=8)
    numerator = models.BigIntegerField("分子", default=0)
    denominator = models.BigIntegerField("分母", default=0)

    class Meta:
        verbose_name = "指标值"
        verbose_name_plural = "指标值"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period", "region_code"],
                                    name="indicator_figure_one_row"),
        ]
        indexes = [models.Index(fields=["period", "region_code"], name="figure_period_region")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_code} {self.period}: {self.numerator}/{self.denominator}"


class DirtyVillage(models.Model):
    """A village whose figures must be recomputed (marked after a committed change)."""

    region_code = models.CharField("村级区划代码", max_length=12, primary_key=True)
    marked_at = models.DateTimeField("标记时间", auto_now=True)

    class Meta:
        verbose_name = "待刷新村"
        verbose_name_plural = "待刷新村"
