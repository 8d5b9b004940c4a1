"""Hospital stays and their one-stop statements (一单制结算单), stored per person.

Amounts are integer fen. A statement keeps the engine's full explanation (JSON) next to the
figures that lists and indicators need as columns.

A stay has one *current* statement at most (a partial unique index). A correction, a stay
entered late or a reversal re-settles the person's year: the statements it replaces are kept,
marked superseded and linked to their successor (`superseded_by`); a reversed (冲销) statement
is kept too and its stay has no current statement (decision 37).
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from jkfp.categories import CHOICES as CATEGORY_CHOICES
from jkfp.policy.schema import GRADE_CHOICES, LOCATION_CHOICES  # the policy's vocabulary


class HospitalStay(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="stays",
                               verbose_name="患者")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    county_code = models.CharField("参保县（区）代码", max_length=6)
    hospital_name = models.CharField("医疗机构", max_length=100)
    hospital_grade = models.PositiveSmallIntegerField("医院等级", choices=GRADE_CHOICES)
    location = models.CharField("就医地", max_length=10, choices=LOCATION_CHOICES)
    referred = models.BooleanField("已转诊", default=False)
    admission_date = models.DateField("入院日期")
    discharge_date = models.DateField("出院日期")
    total_fen = models.BigIntegerField("医疗总费用（分）")
    in_policy_fen = models.BigIntegerField("政策范围内费用（分）")
    category = models.CharField("结算身份", max_length=32, choices=CATEGORY_CHOICES)
    diagnosis_icd10 = models.CharField("主要诊断（ICD-10）", max_length=8, blank=True)
    admission_number = models.CharField("住院号", max_length=30, blank=True, db_default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "住院记录"
        verbose_name_plural = "住院记录"
        ordering = ["-admission_date", "-id"]
        indexes = [models.Index(fields=["person", "admission_date"], name="stay_person_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(in_policy_fen__lte=models.F("total_fen"))
                                   & models.Q(in_policy_fen__gte=0),
                                   name="stay_in_policy_within_total"),
            models.CheckConstraint(condition=models.Q(discharge_date__gte=models.F("admission_date")),
                                   name="stay_discharge_after_admission"),
        ]


class StatementStatus(models.TextChoices):
    CURRENT = "current", "有效"
    SUPERSEDED = "superseded", "已被重算替代"
    REVERSED = "reversed", "已冲销"


class Statement(models.Model):
    stay = models.ForeignKey(HospitalStay, on_delete=models.PROTECT, related_name="statements")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="statements")
    region_code = models.CharField("区划代码", max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField("结算年度")
    policy = models.CharField("政策版本", max_length=80)
    reimbursed_fen = models.BigIntegerField("报销合计（分）")
    self_pay_fen = models.BigIntegerField("个人自付（分）")
    tier_amounts = models.JSONField("各项支付（分）", default=dict)
    fund_amounts = models.JSONField("各基金支付（分）", default=dict)
    accumulators_after = models.JSONField("年度累计（分）", default=dict)
    detail = models.JSONField("结算说明")
    deposit_waived = models.BooleanField("免住院押金", default=False)
    uses_examples = models.BooleanField("含示例参数", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("结算时间", auto_now_add=True)
    status = models.CharField("状态", max_length=12, choices=StatementStatus.choices,
                              default=StatementStatus.CURRENT, db_default=StatementStatus.CURRENT)
    reason = models.CharField("结算原因", max_length=200, blank=True, db_default="")
    operation = models.UUIDField("经办批次", null=True, blank=True, db_index=True,
                                 help_text="同一次登记、更正或冲销所写的结算单有同一批次")
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="supersedes", verbose_name="替代它的结算单")
    reversed_at = models.DateTimeField("冲销时间", null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reverse_reason = models.CharField("冲销原因", max_length=200, blank=True, db_default="")
    history = HistoricalRecords(excluded_fields=["detail", "tier_amounts", "fund_amounts",
                                                 "accumulators_after"])

    class Meta:
        verbose_name = "结算单"
        verbose_name_plural = "结算单"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "year"], name="statement_person_year"),
                   models.Index(fields=["status", "region_code"], name="statement_status_region")]
        constraints = [
            models.UniqueConstraint(fields=["stay"], condition=models.Q(status="current"),
                                    name="statement_one_current_per_stay"),
        ]

    @property
    def is_current(self) -> bool:
        return self.status == StatementStatus.CURRENT


class VisitType(models.TextChoices):
    INPATIENT = "inpatient", "住院"
    OUTPATIENT = "outpatient", "门诊"


class ExternalSettlement(models.Model):
    """A stay or outpatient visit settled on the national medical-insurance platform (医保平台结算记录).

    Imported from medical insurance's settlement export (exchange kind `insurance_settlements`,
    DOMAIN.md §8 last paragraph and §11), with each fund's amount as the platform reported it:
    the year's personal medical expense of every person is then known without re-settling.
    `stay` is jkfp's own stay describing the same admission when one is found (same person,
    admission and discharge date), so that a stay is counted once and the two settlements can be
    compared tier by tier. An undone import marks its records `voided_at`; nothing is deleted.
    """

    # no index of its own on person or a `LIKE` twin on region_code: (person, discharge_date)
    # serves the person's reads, the scope's range the plain b-tree (a million-row import
    # maintained two indexes less, decision 98)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_index=False,
                               related_name="external_settlements", verbose_name="患者")
    region_code = models.CharField("区划代码", max_length=12)
    county_code = models.CharField("参保县（区）代码", max_length=6)
    record_number = models.CharField("结算流水号", max_length=40, blank=True, db_default="")
    insurance_type = models.CharField("险种", max_length=40, blank=True, db_default="")
    person_type = models.CharField("人员类别", max_length=40, blank=True, db_default="")
    visit_type = models.CharField("就诊类型", max_length=12, choices=VisitType.choices)
    institution_name = models.CharField("医疗机构", max_length=100, blank=True, db_default="")
    hospital_grade = models.PositiveSmallIntegerField("医院等级", choices=GRADE_CHOICES,
                                                      null=True, blank=True)
    location = models.CharField("就医地", max_length=10, choices=LOCATION_CHOICES, blank=True,
                                db_default="")
    admission_date = models.DateField("入院（就诊）日期")
    discharge_date = models.DateField("出院（结算）日期", db_index=True)
    total_fen = models.BigIntegerField("医疗费总额（分）")
    fully_self_fen = models.BigIntegerField("全自费金额（分）", default=0)
    over_limit_self_fen = models.BigIntegerField("超限价自费（分）", default=0)
    pre_self_fen = models.BigIntegerField("先行自付（分）", default=0)
    in_policy_fen = models.BigIntegerField("符合政策范围金额（分）", default=0)
    deductible_fen = models.BigIntegerField("实际支付起付线（分）", default=0)
    basic_fen = models.BigIntegerField("基本医疗保险统筹基金支出（分）", default=0)
    critical_fen = models.BigIntegerField("大病保险支出（分）", default=0)
    assistance_fen = models.BigIntegerField("医疗救助基金支出（分）", default=0)
    other_fund_fen = models.BigIntegerField("其他基金支出（分）", default=0)
    fund_total_fen = models.BigIntegerField("基金支付总额（分）", default=0)
    hospital_share_fen = models.BigIntegerField("医院负担金额（分）", default=0)
    personal_fen = models.BigIntegerField("个人负担总金额（分）")
    account_fen = models.BigIntegerField("个人账户支出（分）", default=0)
    cash_fen = models.BigIntegerField("个人现金支出（分）", default=0)
    stay = models.ForeignKey(HospitalStay, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="external_settlements", verbose_name="本系统住院记录")
    batch_id = models.BigIntegerField("导入批次", null=True, blank=True, db_index=True)
    #: the line of the batch's file the record came from: with `batch_id`, its provenance
    #: (no `exchange.Change` row per record, decision 98)
    batch_line = models.PositiveIntegerField("导入行号", null=True, blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    voided_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "医保平台结算记录"
        verbose_name_plural = "医保平台结算记录"
        ordering = ["-discharge_date", "-id"]
        indexes = [models.Index(fields=["person", "discharge_date"], name="extsettle_person_date"),
                   models.Index(fields=["region_code"], name="extsettle_region")]
        constraints = [
            models.CheckConstraint(condition=models.Q(discharge_date__gte=models.F("admission_date")),
                                   name="extsettle_discharge_after_admission"),
            models.CheckConstraint(condition=models.Q(personal_fen__gte=0)
                                   & models.Q(total_fen__gte=0),
                                   name="extsettle_amounts_not_negative"),
        ]
