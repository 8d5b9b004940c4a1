"""Counts by village and key, kept current by the services (decision 25).

One table for every summary: a row is (summary name, village code, key, count). It holds
counts only, never personal data; the key is the summary's one dimension beside the region
(a category code, or "" for a summary without one).
"""

from django.db import models


class RegionCount(models.Model):
    summary = models.CharField("汇总", max_length=64)
    region_code = models.CharField("区划代码", max_length=12)
    key = models.CharField("分组", max_length=32, default="", blank=True)
    n = models.BigIntegerField("计数", default=0)

    class Meta:
        verbose_name = "汇总计数"
        verbose_name_plural = "汇总计数"
        constraints = [
            # also the index of every read: summary = … AND region_code in a code range
            models.UniqueConstraint(fields=["summary", "region_code", "key"],
                                    name="regioncount_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.summary} {self.region_code} {self.key}={self.n}"
