"""Institutions, their departments, the villages they serve, staff, posts and gaps.

Dates: a record is in force from its start date (inclusive) until its end date (exclusive):
the end date is the day a post ends or an institution closes — the day a gap can open.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class InstitutionKind(models.TextChoices):
    COUNTY_HOSPITAL = "county_hospital", "县级医院"
    TOWNSHIP_CENTRE = "township_centre", "乡镇卫生院"
    VILLAGE_CLINIC = "village_clinic", "村卫生室"


#: the region level an institution of each kind sits in (code length)
KIND_LEVEL = {InstitutionKind.COUNTY_HOSPITAL: 6, InstitutionKind.TOWNSHIP_CENTRE: 9,
              InstitutionKind.VILLAGE_CLINIC: 12}


class CentreStandard(models.TextChoices):
    NONE = "", "未达标"
    BASIC = "basic", "达到基本标准"
    RECOMMENDED = "recommended", "达到推荐标准"


class Institution(models.Model):
    name = models.CharField("机构名称", max_length=100)
    kind = models.CharField("机构类型", max_length=16, choices=InstitutionKind.choices)
    region_code = models.CharField("所在区划代码", max_length=12, db_index=True)
    opened_on = models.DateField("开业日期")
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    # county hospitals
    grade = models.PositiveSmallIntegerField("医院等级", null=True, blank=True,
                                             choices=[(1, "一级"), (2, "二级"), (3, "三级")])
    is_tcm = models.BooleanField("中医医院", default=False)
    second_grade_capacity = models.BooleanField("达到二级医院服务能力", default=False)
    # township health centres
    centre_standard = models.CharField("服务能力标准", max_length=12, blank=True,
                                       choices=CentreStandard.choices)
    tcm_corner = models.BooleanField("设有中医馆", default=False)
    fever_clinic = models.BooleanField("设有发热诊室", default=False)
    # village clinics
    standardised = models.BooleanField("标准化村卫生室", default=False)
    void = models.BooleanField("作废", default=False,
                               help_text="撤销导入批次时作废：各列表、空白点和指标均不再计入")
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "医疗机构"
        verbose_name_plural = "医疗机构"
        ordering = ["region_code", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(closed_on__isnull=True)
                                   | Q(closed_on__gt=F("opened_on")),
                                   name="institution_closed_after_opened"),
        ]

    def __str__(self) -> str:
        return self.name


class HospitalDepartment(models.Model):
    """A clinical department of a county hospital (三合格: each has a qualified licensed doctor)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="departments", verbose_name="医院")
    name = models.CharField("科室", max_length=50)
    opened_on = models.DateField("设立日期")
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "临床科室"
        verbose_name_plural = "临床科室"
        ordering = ["institution", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"],
                                               name="department_name_once")]

    def __str__(self) -> str:
        return self.name


class Coverage(models.Model):
    """A village served by another village's clinic (a clinic shared with a neighbour)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="coverages", verbose_name="服务机构")
    village_code = models.CharField("服务村代码", max_length=12, db_index=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    void = models.BooleanField("作废", default=False,
                               help_text="撤销导入批次时作废：各列表、空白点和指标均不再计入")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "村卫生室共享服务"
        verbose_name_plural = "村卫生室共享服务"
        ordering = ["village_code", "start_date"]


class Qualification(models.TextChoices):
    LICENSED_DOCTOR = "licensed_doctor", "执业医师"
    ASSISTANT_DOCTOR = "assistant_doctor", "执业助理医师"
    GENERAL_PRACTITIONER = "general_practitioner", "全科医生"
    VILLAGE_DOCTOR = "village_doctor", "乡村医生（持证）"
    NURSE = "nurse", "护士"
    NONE = "none", "无执业资格"


class Staff(models.Model):
    name = models.CharField("姓名", max_length=50)
    qualification = models.CharField("执业资格", max_length=24, choices=Qualification.choices)
    region_code = models.CharField("所属县（区）代码", max_length=12, db_index=True)
    certificate_number = models.CharField("执业证书编号", max_length=40, blank=True)
    void = models.BooleanField("作废", default=False,
                               help_text="撤销导入批次时作废：各列表、空白点和指标均不再计入")
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "卫生人员"
        verbose_name_plural = "卫生人员"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A staff member's post in an institution (one full-time post at a time)."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="posts",
                              verbose_name="人员")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="posts", verbose_name="机构")
    department = models.ForeignKey(HospitalDepartment, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="posts", verbose_name="科室")
    region_code = models.CharField("机构区划代码", max_length=12, db_index=True)
    full_time = models.BooleanField("全职", default=True)
    start_date = models.DateField("到岗日期")
    end_date = models.DateField("离岗日期", null=True, blank=True)
    void = models.BooleanField("作废", default=False,
                               help_text="撤销导入批次时作废：各列表、空白点和指标均不再计入")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True)
                                   | Q(end_date__gt=F("start_date")),
                                   name="post_end_after_start"),
        ]


class VillageService(models.Model):
    """A township doctor posted to a village (派驻) or serving it by rotation (巡诊)."""

    class Mode(models.TextChoices):
        POSTED = "posted", "派驻"
        ROTATION = "rotation", "巡诊"

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="village_services",
                             verbose_name="岗位")
    village_code = models.CharField("服务村代码", max_length=12, db_index=True)
    mode = models.CharField("方式", max_length=10, choices=Mode.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "派驻或巡诊"
        verbose_name_plural = "派驻或巡诊"
        ordering = ["village_code", "start_date"]


class GapKind(models.TextChoices):
    COUNTY_NO_HOSPITAL = "county_no_hospital", "县无县级公立医院"
    TOWNSHIP_NO_CENTRE = "township_no_centre", "乡镇无政府办卫生院"
    VILLAGE_NO_CLINIC = "village_no_clinic", "村无卫生室且无人服务"
    CLINIC_NO_DOCTOR = "clinic_no_doctor", "村卫生室无合格村医"
    CENTRE_NO_DOCTOR = "centre_no_doctor", "卫生院无执业（助理）医师或全科医生"
    CENTRE_NO_GP = "centre_no_gp", "贫困县卫生院无全科医生"
    DEPARTMENT_NO_DOCTOR = "department_no_doctor", "县医院临床科室无执业医师"


class Gap(models.Model):
    """A gap (空白点) over a span of dates: derived from the records above, kept as history."""

    kind = models.CharField("空白点类型", max_length=24, choices=GapKind.choices)
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="gaps", verbose_name="机构")
    department = models.ForeignKey(HospitalDepartment, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="gaps", verbose_name="科室")
    opened_on = models.DateField("出现日期")
    closed_on = models.DateField("清零日期", null=True, blank=True)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "空白点"
        verbose_name_plural = "空白点"
        ordering = ["opened_on", "region_code"]
        indexes = [models.Index(fields=["closed_on", "region_code"], name="gap_open_region")]
