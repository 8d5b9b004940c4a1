"""The registry: households, persons, dated categories, support measures.

Only the services in `services.py` write these models (the change requests of admission and
exit live in `jkfp.admission`); every read of personal
data goes through `selectors.py` (DESIGN.md rules 1-3).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from jkfp.categories import CHOICES as CATEGORY_CHOICES


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class WorkAbility(models.TextChoices):
    ABLE = "able", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    UNABLE = "unable", "丧失劳动力"
    NONE = "none", "无劳动力"


class HealthStatus(models.TextChoices):
    """健康状况 as the rural-revitalisation monitoring system records it (decision 82)."""

    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


ABLE_TO_WORK = (WorkAbility.ABLE, WorkAbility.SKILLED, WorkAbility.WEAK)


class Household(models.Model):
    household_number = models.CharField("户编号", max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", verbose_name="村"
    )
    region_code = models.CharField("区划代码", max_length=12)  # indexed with id/category
    address = models.CharField("住址", max_length=200, blank=True)
    head = models.ForeignKey(
        "Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="户主",
    )
    ended_on = models.DateField("注销日期", null=True, blank=True)
    end_reason = models.CharField("注销原因", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"
        indexes = [
            models.Index(fields=["region_code", "id"], name="hh_region_id"),
        ]

    def __str__(self) -> str:
        return self.household_number


class HouseholdIncome(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField("年度")
    total_fen = models.BigIntegerField("家庭纯收入（分）")
    members = models.PositiveSmallIntegerField("计算人口")
    per_capita_fen = models.BigIntegerField("人均纯收入（分）")
    source = models.CharField("来源", max_length=100, blank=True)
    # set by the undo of the import batch that wrote it (decision 53b): kept, never shown
    void = models.BooleanField("已作废", default=False, db_default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "家庭年收入"
        verbose_name_plural = "家庭年收入"
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
        ]
        ordering = ["-year"]


class Person(models.Model):
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    id_rev = models.CharField("身份证号（倒序）", max_length=18, editable=False)
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name="家庭户"
    )
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices)
    region_code = models.CharField("区划代码", max_length=12)  # indexed with id/category
    work_ability = models.CharField(
        "劳动能力", max_length=16, choices=WorkAbility.choices, default=WorkAbility.ABLE
    )
    # as the monitoring list last reported it (decision 82); "" when no list has said
    health_status = models.CharField("健康状况", max_length=16, choices=HealthStatus.choices,
                                     blank=True, default="", db_default="")
    alive = models.BooleanField("在世", default=True)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "id_rev"])

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [
            models.Index(fields=["id_rev"], name="person_id_rev", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="person_name", opclasses=["varchar_pattern_ops"]),
            # covering on PostgreSQL: the indicators' refresh reads the persons of its villages
            # from the index alone (111,135 persons: 131 -> 36 ms; decision 103)
            models.Index(fields=["region_code", "id"], name="person_region_id",
                         include=["household_id", "alive", "death_date"]),
        ]

    def __str__(self) -> str:
        return self.name


class CategoryPeriod(models.Model):
    """A dated period in a category, for a person or a household. Ended, never overwritten."""

    category = models.CharField("类别", max_length=32, choices=CATEGORY_CHOICES)
    # indexed together with the category (period_person_cat, period_household_cat)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="categories",
        db_index=False,
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="categories",
        db_index=False,
    )
    region_code = models.CharField("区划代码", max_length=12)  # indexed with id/category
    start_date = models.DateField("起始日期")
    end_date = models.DateField("终止日期", null=True, blank=True, help_text="含当日；空为仍在")
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    source = models.CharField("来源部门", max_length=32, blank=True)
    reason = models.CharField("认定理由", max_length=300, blank=True)
    end_reason = models.CharField("终止理由", max_length=300, blank=True)
    end_way = models.CharField(
        "风险消除方式", max_length=16, blank=True,
        choices=[("aided", "帮扶消除"), ("natural", "自然消除")],
    )
    change_request = models.ForeignKey(
        "admission.ChangeRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "类别期间"
        verbose_name_plural = "类别期间"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, household__isnull=True)
                | Q(person__isnull=True, household__isnull=False),
                name="period_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="period_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["region_code", "category"], name="period_region_cat"),
            models.Index(fields=["person", "category"], name="period_person_cat"),
            models.Index(fields=["household", "category"], name="period_household_cat"),
            # the periods whose being in force depends on the date (decision 25): dated ones
            # by end date, open ones by start date (those not yet begun)
            models.Index(fields=["end_date"], name="period_dated_end",
                         condition=Q(end_date__isnull=False)),
            models.Index(fields=["start_date"], name="period_open_start",
                         condition=Q(end_date__isnull=True)),
        ]

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class SupportMeasure(models.Model):
    """A support measure (帮扶措施) recorded for a household."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", "健康帮扶"
        ASSISTANCE = "assistance", "综合保障"
        EMPLOYMENT = "employment", "就业帮扶"
        INDUSTRY = "industry", "产业帮扶"
        EDUCATION = "education", "教育帮扶"
        HOUSING = "housing", "住房保障"
        OTHER = "other", "其他"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="support_measures"
    )
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    kind = models.CharField("帮扶类型", max_length=16, choices=Kind.choices)
    description = models.CharField("帮扶内容", max_length=300)
    start_date = models.DateField("开始日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["-start_date"]


from .correction_models import IdentityCorrection  # noqa: E402,F401  (registered with the app)
