"""The indicator figures by region and period (decision 58), and the villages whose figures
are stale (decision 58c).

A figure row holds counts and sums only, never personal data: indicator, region (any level),
period (`2022`, `2022Q3`, `2022-07`), numerator and denominator (integers: persons, or fen).
"""

from django.conf import settings
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


class LiteracySurvey(models.Model):
    """A health-literacy survey of a region and year (decision 66c): its scale and the score
    at which a respondent counts as having basic health literacy."""

    year = models.PositiveSmallIntegerField("年度")
    region_code = models.CharField("调查区划代码", max_length=12)
    name = models.CharField("调查名称", max_length=100)
    scale_max = models.DecimalField("满分", max_digits=6, decimal_places=2)
    threshold = models.DecimalField("具备健康素养的得分线", max_digits=6, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "健康素养调查"
        verbose_name_plural = "健康素养调查"
        constraints = [models.UniqueConstraint(fields=["year", "region_code", "name"],
                                               name="literacy_survey_once")]


class LiteracyResult(models.Model):
    """One respondent's score (a sample number, not a registered person)."""

    survey = models.ForeignKey(LiteracySurvey, on_delete=models.CASCADE, related_name="results")
    sample = models.CharField("样本编号", max_length=40)
    region_code = models.CharField("村级区划代码", max_length=12, db_index=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = "健康素养调查结果"
        verbose_name_plural = "健康素养调查结果"
        constraints = [models.UniqueConstraint(fields=["survey", "sample"],
                                               name="literacy_sample_once")]


class EducationActivity(models.Model):
    """A health-education activity: what, where, when and how many it reached."""

    what = models.CharField("活动内容", max_length=200)
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    held_on = models.DateField("日期")
    reached = models.PositiveIntegerField("覆盖人数")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "健康教育活动"
        verbose_name_plural = "健康教育活动"
        ordering = ["-held_on"]


class RegionMap(models.Model):
    """A GeoJSON of a region's sub-divisions uploaded by its users (decision 78), one row per
    version; the highest version is the one drawn. Rows are never changed: the versions are
    the record of who loaded which file when."""

    region_code = models.CharField("区划代码", max_length=12)
    version = models.PositiveIntegerField("版本")
    geojson = models.JSONField("地图（规整后的 GeoJSON）")
    code_property = models.CharField("区划代码属性名", max_length=40)
    features = models.PositiveIntegerField("要素数")
    missing = models.JSONField("缺少地图的下级区划", default=list)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "区划地图"
        verbose_name_plural = "区划地图"
        ordering = ["region_code", "-version"]
        constraints = [models.UniqueConstraint(fields=["region_code", "version"],
                                               name="region_map_version_once")]
