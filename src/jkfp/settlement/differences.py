"""The difference report between the platform's settlement of a stay and jkfp's own
(decision 52): for every imported record (not voided) linked to a stay of ours with a current
statement, fund by fund, the platform's amount, ours and the difference (platform − ours), and
the totals of the differences per fund. Amounts are integer fen.

The platform reports funds, not our tiers: each of our tiers is counted in the fund its policy
file names (`Statement.fund_amounts`, keys of `policy.schema.FUNDS`); supplementary insurance,
local guarantees and other funds are compared with the platform's 其他基金支出; the personal
share is our `self_pay_fen` against the platform's 个人负担总金额.

Reads go through `access.scoped` (the user's region); who may read it is
`can_read_differences`: medical insurance at any level, health at county level or above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jkfp.accounts.access import COUNTY_LEN, level_length, scoped
from jkfp.accounts.models import Department, User
from jkfp.errors import DomainError, ErrorCode

from .models import ExternalSettlement, Statement, StatementStatus

#: (key, heading, platform field, our funds)
FUNDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("basic", "基本医疗保险", "basic_fen", ("basic_insurance",)),
    ("critical", "大病保险", "critical_fen", ("critical_illness_insurance",)),
    ("assistance", "医疗救助", "assistance_fen", ("medical_assistance",)),
    ("other", "其他基金（补充保险、地方兜底保障等）", "other_fund_fen",
     ("supplementary_insurance", "local_guarantee", "other")),
)
PERSONAL = ("personal", "个人负担", "personal_fen")
KEYS = tuple(f[0] for f in FUNDS) + (PERSONAL[0],)
HEADINGS = {f[0]: f[1] for f in FUNDS} | {PERSONAL[0]: PERSONAL[1]}


def can_read_differences(user: User) -> bool:
    if user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    if user.department == Department.MEDICAL_INSURANCE:
        return True
    return user.department == Department.HEALTH and level_length(user) <= COUNTY_LEN


def require_difference_reader(user: User) -> None:
    if not can_read_differences(user):
        raise DomainError(ErrorCode.PERMISSION,
                          "只有医保部门和县级以上卫生健康部门可以查看结算差异")


@dataclass
class Difference:
    record: ExternalSettlement
    statement: Statement
    platform: dict[str, int]
    ours: dict[str, int]
    diff: dict[str, int]
    tiers: dict[str, list[str]]  # fund key → our tier names paid from it

    @property
    def any(self) -> bool:
        return any(self.diff.values())


@dataclass
class Totals:
    count: int = 0
    differing: int = 0
    platform: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))
    ours: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))
    diff: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))


def _ours(st: Statement) -> tuple[dict[str, int], dict[str, list[str]]]:
    funds = st.fund_amounts or {}
    out = {key: sum(int(funds.get(f, 0)) for f in ours) for key, _h, _p, ours in FUNDS}
    out[PERSONAL[0]] = st.self_pay_fen
    fund_key = {f: key for key, _h, _p, ours in FUNDS for f in ours}
    tiers: dict[str, list[str]] = {k: [] for k in KEYS}
    for t in (st.detail or {}).get("tiers", []):
        if t.get("fund") in fund_key and (st.tier_amounts or {}).get(t.get("id")):
            tiers[fund_key[t["fund"]]].append(t.get("name") or t.get("id"))
    return out, tiers


def linked_records(*, user: User, year: int | None = None, region_code: str = ""):
    """The imported records of the user's scope linked to one of our stays, not voided."""
    qs = scoped(ExternalSettlement.objects.filter(voided_at__isnull=True, stay__isnull=False),
                user)
    if year:
        qs = qs.filter(discharge_date__year=year)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    return qs.select_related("person", "stay").order_by("region_code", "discharge_date", "pk")


def differences(*, user: User, year: int | None = None, region_code: str = "",
                only_differing: bool = False, chunk: int = 2000):
    """Yield a `Difference` per linked record whose stay has a current statement (scoped)."""
    require_difference_reader(user)
    qs = linked_records(user=user, year=year, region_code=region_code)
    batch: list[ExternalSettlement] = []

    def flush():
        current = {
            s.stay_id: s
            for s in scoped(Statement.objects.filter(
                stay_id__in=[r.stay_id for r in batch], status=StatementStatus.CURRENT), user)
        }
        for r in batch:
            st = current.get(r.stay_id)
            if st is None:
                continue
            platform = {key: getattr(r, attr) for key, _h, attr, _o in FUNDS}
            platform[PERSONAL[0]] = r.personal_fen
            ours, tiers = _ours(st)
            d = Difference(r, st, platform, ours, {k: platform[k] - ours[k] for k in KEYS},
                           tiers)
            if only_differing and not d.any:
                continue
            yield d

    for r in qs.iterator(chunk_size=chunk):
        batch.append(r)
        if len(batch) >= chunk:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def difference_totals(rows) -> Totals:
    t = Totals()
    for d in rows:
        t.count += 1
        t.differing += d.any
        for k in KEYS:
            t.platform[k] += d.platform[k]
            t.ours[k] += d.ours[k]
            t.diff[k] += d.diff[k]
    return t
