"""The demo accounts: one per level and department that the demo needs. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from jkfp.accounts.models import Department, Role, User
from jkfp.regions.models import Region

PASSWORD = "jkfp-demo-2026"
FIRST_VILLAGE_HUAMACHI = "640323100201"  # the first generated village of 花马池镇


@dataclass(frozen=True)
class DemoAccount:
    username: str
    region: str | None
    department: str
    role: str
    full_name: str
    superuser: bool = False


ACCOUNTS = [
    DemoAccount("admin", None, Department.HEALTH, Role.ADMIN, "系统管理员（演示）", superuser=True),
    DemoAccount("city_cz", "1404", Department.HEALTH, Role.READONLY, "长治市卫健委（演示）"),
    DemoAccount("county_cz", "140403", Department.HEALTH, Role.APPROVER, "潞州区卫健局（演示）"),
    DemoAccount("county_yc", "640323", Department.HEALTH, Role.APPROVER, "盐池县卫健局（演示）"),
    DemoAccount("township_yc", "640323100", Department.HEALTH, Role.REVIEWER,
                "花马池镇卫生院（演示）"),
    DemoAccount("village_yc", FIRST_VILLAGE_HUAMACHI, Department.HEALTH, Role.DATA_ENTRY,
                "村医（演示）"),
    DemoAccount("city_wz", "6403", Department.RURAL_REVITALISATION, Role.READONLY,
                "吴忠市乡村振兴局（演示）"),
    DemoAccount("insurance_yc", "640323", Department.MEDICAL_INSURANCE, Role.READONLY,
                "盐池县医保局（演示）"),
    # settles hospital stays (settlement decision 38: hospital and insurance staff who write)
    DemoAccount("hospital_yc", "640323", Department.HOSPITAL, Role.DATA_ENTRY,
                "盐池县人民医院结算窗口（演示）"),
    DemoAccount("civil_yc", "640323", Department.CIVIL_AFFAIRS, Role.REVIEWER,
                "盐池县民政局（演示）"),
    # import their departments' lists (exchange: the owning department at county level,
    # reviewer or approver) — the monitoring export and the insurance enrolment list
    DemoAccount("rural_yc", "640323", Department.RURAL_REVITALISATION, Role.REVIEWER,
                "盐池县乡村振兴局（演示）"),
    DemoAccount("enrol_yc", "640323", Department.MEDICAL_INSURANCE, Role.REVIEWER,
                "盐池县医保局参保科（演示）"),
    # proposes for the villages without a village account, so that the township reviewer
    # never reviews a request of their own (four eyes)
    DemoAccount("entry_yc", "640323100", Department.HEALTH, Role.DATA_ENTRY,
                "花马池镇信息员（演示）"),
]


@dataclass(frozen=True)
class AccountRow:
    user: User
    created: bool


def demo_accounts_ensure() -> list[AccountRow]:
    """get_or_create each demo account; an existing account is left as it is.

    The password is hashed once and the hash shared: every demo account has the same,
    published password, and hashing each one would cost seconds.
    """
    missing = sorted({a.region for a in ACCOUNTS if a.region}
                     - set(Region.objects.filter(code__in=[a.region for a in ACCOUNTS
                                                            if a.region])
                           .values_list("code", flat=True)))
    if missing:
        raise ValueError(f"demo accounts: regions missing: {', '.join(missing)}")
    existing = set(User.objects.filter(username__in=[a.username for a in ACCOUNTS])
                   .values_list("username", flat=True))
    encoded = make_password(PASSWORD) if len(existing) < len(ACCOUNTS) else None
    rows = []
    for a in ACCOUNTS:
        user, created = User.objects.get_or_create(username=a.username, defaults={
            "password": encoded, "region_id": a.region, "department": a.department,
            "role": a.role, "full_name": a.full_name, "is_superuser": a.superuser,
            "is_staff": a.superuser})
        rows.append(AccountRow(user, created))
    return rows


def demo_users() -> dict[str, User]:
    """The demo accounts that exist, by username."""
    return {u.username: u for u in User.objects.filter(
        username__in=[a.username for a in ACCOUNTS])}
