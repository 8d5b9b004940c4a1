"""Family-doctor teams, yearly contracts and follow-up visits (签约服务, DOMAIN.md sections 7 and
12). Teams follow the 1+1+X model; a follow-up belongs to a chronic registration (`health`) and
is made by a member of the team the patient signed with.

Only `services.py` writes these models; reads go through `selectors.py`. Rows about a person
carry the person's village code (`region_code`); a team carries the code of the township (or
village) it belongs to, and the villages it serves as rows of `TeamVillage`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Team(models.Model):
    """A family-doctor team (家庭医生团队)."""

    name = models.CharField("团队名称", max_length=100)
    region_code = models.CharField("所属区划代码", max_length=12, db_index=True)
    institution = models.CharField("牵头机构", max_length=100)
    active = models.BooleanField("在用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "家庭医生团队"
        verbose_name_plural = "家庭医生团队"
        ordering = ["region_code", "name"]

    def __str__(self) -> str:
        return self.name


class TeamVillage(models.Model):
    """A village a team serves."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="villages")
    village_code = models.CharField("服务村代码", max_length=12, db_index=True)

    class Meta:
        verbose_name = "团队服务村"
        verbose_name_plural = "团队服务村"
        constraints = [models.UniqueConstraint(fields=["team", "village_code"],
                                               name="team_village_once")]


class TeamMember(models.Model):
    """A member of a team: 1 (village or township doctor) + 1 (nurse or public-health) + X."""

    class Role(models.TextChoices):
        VILLAGE_DOCTOR = "village_doctor", "乡村医生"
        TOWNSHIP_DOCTOR = "township_doctor", "乡镇医生"
        NURSE = "nurse", "护士"
        PUBLIC_HEALTH = "public_health", "公共卫生人员"
        SPECIALIST = "specialist", "上级医院专科医生"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    institution = models.CharField("所在机构", max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="team_memberships",
                             verbose_name="系统账号")
    start_date = models.DateField("加入日期")
    end_date = models.DateField("离开日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "团队成员"
        verbose_name_plural = "团队成员"
        ordering = ["team", "role", "name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """A yearly family-doctor contract of one person (签约)."""

    class Package(models.TextChoices):
        BASIC = "basic", "基础服务包"
        PERSONALISED = "personalised", "个性化服务包"

    class FeePayer(models.TextChoices):
        PUBLIC_HEALTH = "public_health", "基本公共卫生经费"
        MEDICAL_INSURANCE = "medical_insurance", "医保基金"
        LOCAL_FINANCE = "local_finance", "地方财政"
        SELF = "self", "个人"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="contracts", verbose_name="签约居民")
    region_code = models.CharField("区划代码", max_length=12)
    year = models.PositiveSmallIntegerField("签约年度")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contracts",
                             verbose_name="签约团队")
    signed_on = models.DateField("签约日期")
    package = models.CharField("服务包", max_length=16, choices=Package.choices,
                               default=Package.BASIC)
    fee_fen = models.BigIntegerField("签约服务费（分）", default=0)
    fee_payer = models.CharField("服务费承担", max_length=20, choices=FeePayer.choices,
                                 default=FeePayer.PUBLIC_HEALTH)
    renewal_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="续签自")
    ended_on = models.DateField("解约日期", null=True, blank=True)
    end_reason = models.CharField("解约原因", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "签约"
        verbose_name_plural = "签约"
        ordering = ["-year", "-signed_on", "-id"]
        indexes = [
            models.Index(fields=["region_code", "year"], name="contract_region_year"),
            models.Index(fields=["team", "year"], name="contract_team_year"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], condition=Q(ended_on__isnull=True),
                                    name="contract_one_per_person_year"),
            models.CheckConstraint(condition=Q(fee_fen__gte=0), name="contract_fee_not_negative"),
        ]


class ServiceDelivery(models.Model):
    """A service of the package delivered under a contract (履约), other than a follow-up visit
    (follow-ups count by themselves)."""

    class Kind(models.TextChoices):
        HEALTH_CHECK = "health_check", "健康体检"
        MEDICATION_GUIDANCE = "medication_guidance", "用药指导"
        HEALTH_EDUCATION = "health_education", "健康教育"
        REFERRAL = "referral", "转诊"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deliveries")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    kind = models.CharField("服务项目", max_length=24, choices=Kind.choices)
    delivered_on = models.DateField("服务日期")
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="+",
                               verbose_name="服务人员")
    note = models.CharField("说明", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "履约服务"
        verbose_name_plural = "履约服务"
        ordering = ["-delivered_on", "-id"]


class FollowUp(models.Model):
    """A follow-up visit of a chronic patient (随访), by a member of the patient's team."""

    class Way(models.TextChoices):
        CLINIC = "clinic", "门诊"
        HOME = "home", "家庭"
        PHONE = "phone", "电话"

    class Classification(models.TextChoices):
        CONTROLLED = "controlled", "控制满意"
        NOT_CONTROLLED = "not_controlled", "控制不满意"
        ADVERSE = "adverse", "药物不良反应"
        REFERRED = "referred", "并发症/转诊"

    class Adherence(models.TextChoices):
        REGULAR = "regular", "规律"
        INTERMITTENT = "intermittent", "间断"
        NONE = "none", "不服药"

    registration = models.ForeignKey("health.ChronicRegistration", on_delete=models.PROTECT,
                                     related_name="followups", verbose_name="慢病登记")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="followups")
    region_code = models.CharField("区划代码", max_length=12)
    visited_on = models.DateField("随访日期")
    way = models.CharField("随访方式", max_length=8, choices=Way.choices)
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="followups",
                               verbose_name="随访医生")
    systolic = models.PositiveSmallIntegerField("收缩压（mmHg）", null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField("舒张压（mmHg）", null=True, blank=True)
    fasting_glucose = models.DecimalField("空腹血糖（mmol/L）", max_digits=4, decimal_places=1,
                                          null=True, blank=True)
    weight_kg = models.DecimalField("体重（kg）", max_digits=4, decimal_places=1, null=True,
                                    blank=True)
    adherence = models.CharField("服药依从性", max_length=16, choices=Adherence.choices,
                                 blank=True)
    risk_level = models.PositiveSmallIntegerField("危险性评估（0-5级）", null=True, blank=True)
    doses_due = models.PositiveSmallIntegerField("应服药次数（结核病）", null=True, blank=True)
    doses_taken = models.PositiveSmallIntegerField("实服药次数（结核病）", null=True, blank=True)
    classification = models.CharField("随访分类", max_length=16, choices=Classification.choices)
    next_visit_on = models.DateField("下次随访日期", null=True, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    # set by the undo of the import batch that wrote it (decision 53): kept, never counted
    void = models.BooleanField("已作废", default=False, db_default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "随访"
        verbose_name_plural = "随访"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["registration", "visited_on"], name="followup_reg_date"),
            models.Index(fields=["region_code", "visited_on"], name="followup_region_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(risk_level__isnull=True) | Q(risk_level__lte=5),
                                   name="followup_risk_level_0_5"),
            models.CheckConstraint(
                condition=Q(doses_taken__isnull=True) | Q(doses_due__isnull=True)
                | Q(doses_taken__lte=models.F("doses_due")),
                name="followup_doses_taken_le_due"),
        ]
