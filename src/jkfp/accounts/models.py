from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class Department(models.TextChoices):
    HEALTH = "health", "卫生健康"
    MEDICAL_INSURANCE = "medical_insurance", "医疗保障"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    RURAL_REVITALISATION = "rural_revitalisation", "乡村振兴"
    HOSPITAL = "hospital", "医疗机构"


class Role(models.TextChoices):
    DATA_ENTRY = "data_entry", "数据录入"
    REVIEWER = "reviewer", "审核"
    APPROVER = "approver", "审批"
    READONLY = "readonly", "只读"
    ADMIN = "admin", "管理员"


class User(AbstractUser):
    """A user belongs to one region node, one department and one role.

    `region_code` is the scope: every read of personal data is filtered by this prefix.
    """

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True,
        related_name="users", verbose_name="所属区划",
    )
    department = models.CharField(
        "部门", max_length=32, choices=Department.choices, default=Department.HEALTH
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.READONLY)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码", default=False,
        help_text="新建账号或管理员重设密码后为真：登录后须先设置自己的密码")
    # every change of an account, by whom (decision 40); the password hash is never copied
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def region_code(self) -> str:
        """The scope prefix: the region's primary key is its natural-length code."""
        return self.region_id or ""

    @property
    def level(self) -> str | None:
        from jkfp.regions.codes import level_of

        return level_of(self.region_code).value if self.region_code else None


class PersonalDataAccess(models.Model):
    """Each showing of a full ID or phone number: who, when, whose, which field, where."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="data_accesses")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="data_accesses"
    )
    field = models.CharField("字段", max_length=32)
    channel = models.CharField("途径", max_length=16, default="web")  # web / api / export
    path = models.CharField("页面", max_length=200, blank=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at"]


class ApiToken(models.Model):
    """A bearer token of the REST API. Only the SHA-256 hash of the token is stored: the token
    itself is shown once, when it is issued (`jkfp.accounts.tokens`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="用户")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=8, help_text="令牌的前几位，用于辨认")
    created = models.DateTimeField("签发时间", auto_now_add=True)
    last_used = models.DateTimeField("最近使用", null=True, blank=True)
    expires = models.DateTimeField("过期时间")
    revoked = models.DateTimeField("吊销时间", null=True, blank=True)
    password_stamp = models.CharField("签发时的密码摘要", max_length=32, default="",
                                      editable=False)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
