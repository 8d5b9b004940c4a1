"""The predicates of the records this app can read (decision 58a): registry, exchange,
contracts, settlement and health. Each returns SQL over whole tables for one period (set-based,
PostgreSQL and SQLite); `tests/indicators/test_predicates.py` checks each on hand-built rows.

Conventions: a persons predicate yields distinct `person_id`; a units predicate yields
`unit_id, person_id, w` with one row a unit. The period's first and last days are `ctx.start`
and `ctx.end`; "on the last day" is `ctx.end`.
"""

from __future__ import annotations

from jkfp.categories import Category
from jkfp.contracts import management
from jkfp.contracts.models import Contract
from jkfp.exchange.models import Enrolment
from jkfp.health.catalog import SPECIAL_TREATMENT, catalog
from jkfp.health.models import ChronicRegistration, SpecialCase
from jkfp.regions.models import Region
from jkfp.registry.models import CategoryPeriod, Person
from jkfp.settlement.models import HospitalStay, Statement

from .definitions import Ctx, current, predicate

P = Person._meta.db_table
CP = CategoryPeriod._meta.db_table
IN_FORCE = "c.start_date <= %s AND (c.end_date IS NULL OR c.end_date >= %s)"
IN_PROVINCE = ("county", "city", "province")


def _holding(categories: tuple[str, ...], ctx: Ctx) -> tuple[str, list]:
    """Persons holding one of `categories` on the last day, in person or through their
    household (a monitored type is held while its risk is not cleared: the period is open)."""
    marks = ", ".join(["%s"] * len(categories)) or "NULL"
    sql = (f"SELECT c.person_id AS person_id FROM {CP} c WHERE c.person_id IS NOT NULL "
           f"AND c.category IN ({marks}) AND {IN_FORCE} "
           f"UNION SELECT p.id AS person_id FROM {P} p JOIN {CP} c ON c.household_id = "
           f"p.household_id WHERE c.household_id IS NOT NULL AND c.category IN ({marks}) "
           f"AND {IN_FORCE}")
    params = [*categories, ctx.end, ctx.end, *categories, ctx.end, ctx.end]
    return sql, params


@predicate("poor", kind="persons", label="脱贫人口和农村低收入人口（期末）")
def poor(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _holding(ctx.poor, ctx)


def _categories() -> frozenset[str]:
    return frozenset(c.value for c in Category)


def _diseases() -> frozenset[str]:
    return frozenset(management.standards.DISEASES)


@predicate("holds", kind="persons", label="期末持有某类别的人员", choices=_categories)
def holds(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _holding((arg,), ctx)


@predicate("insured", kind="persons", label="本年度医保参保（参保名单“参保”）")
def insured(ctx: Ctx, arg: str) -> tuple[str, list]:
    t = Enrolment._meta.db_table
    return (f"SELECT DISTINCT e.person_id AS person_id FROM {t} e WHERE e.year = %s "
            "AND e.status = 'insured' AND e.void = %s", [ctx.year, False])


@predicate("contracted", kind="persons", label="期内任一天有有效签约")
def contracted(ctx: Ctx, arg: str) -> tuple[str, list]:
    """A yearly contract is in force from its signing day to 31 December of its year or its
    ending day, whichever is earlier; it counts when in force on any day of the period."""
    t = Contract._meta.db_table
    return (f"SELECT DISTINCT k.person_id AS person_id FROM {t} k WHERE k.signed_on <= %s "
            "AND k.year >= %s AND (k.ended_on IS NULL OR k.ended_on >= %s)",
            [ctx.end, ctx.start.year, ctx.start])


def _statements(ctx: Ctx, weight: str, *, in_province: bool) -> tuple[str, list]:
    s, h = Statement._meta.db_table, HospitalStay._meta.db_table
    where = " AND h.location IN ('county', 'city', 'province')" if in_province else ""
    return (f"SELECT s.id AS unit_id, s.person_id AS person_id, {weight} AS w FROM {s} s "
            f"JOIN {h} h ON h.id = s.stay_id WHERE s.status = 'current' "
            f"AND h.discharge_date >= %s AND h.discharge_date <= %s{where}",
            [ctx.start, ctx.end])


@predicate("statements_in_province", kind="units", unit="statement", weight="fen",
           label="省内定点医院住院结算（医疗总费用，分）")
def statements_in_province(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _statements(ctx, "h.total_fen", in_province=True)


@predicate("statements", kind="units", unit="statement", weight="fen", label="住院结算（医疗总费用，分）")
def statements(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _statements(ctx, "h.total_fen", in_province=False)


@predicate("statement_reimbursed", kind="units", unit="statement", weight="fen", label="报销合计（分）")
def statement_reimbursed(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _statements(ctx, "s.reimbursed_fen", in_province=False)


@predicate("statement_self_pay", kind="units", unit="statement", weight="fen", label="个人自付（分）")
def statement_self_pay(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _statements(ctx, "s.self_pay_fen", in_province=False)


def _stays(ctx: Ctx, where: str = "") -> tuple[str, list]:
    h = HospitalStay._meta.db_table
    return (f"SELECT h.id AS unit_id, h.person_id AS person_id, 1 AS w FROM {h} h "
            f"WHERE h.discharge_date >= %s AND h.discharge_date <= %s{where}",
            [ctx.start, ctx.end])


@predicate("stays", kind="units", unit="stay", label="出院的住院人次")
def stays(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _stays(ctx)


@predicate("stays_in_county", kind="units", unit="stay", label="县域内住院人次")
def stays_in_county(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _stays(ctx, " AND h.location = 'county'")


def _status(ctx: Ctx, disease: str, where: str) -> tuple[str, list]:
    """The management status of the year up to the period's last day (contracts' one query,
    `contracts.management.status_sql`, reused as it is), as registration units."""
    regs = ChronicRegistration.objects.filter(disease_code=disease)
    sql, params = management.status_sql(regs, year=ctx.year, on=ctx.end)
    return (f"SELECT x.rid AS unit_id, x.person_id AS person_id, 1 AS w FROM ({sql}) x "
            f"WHERE {where}", params)


@predicate("chronic_population", kind="units", unit="registration", choices=_diseases,
           label="慢病患者：规范管理率的分母（管理人数；严重精神障碍为在册患者）")
def chronic_population(ctx: Ctx, arg: str) -> tuple[str, list]:
    std = management.standards.disease_standard(arg, on=ctx.end)
    on_register = bool(std) and std.standard_denominator == "on_register"
    return _status(ctx, arg, "x.deceased = 0" if on_register else "x.managed = 1")


@predicate("chronic_standard", kind="units", unit="registration", choices=_diseases,
           label="慢病患者：规范管理（≥4次面对面随访等）")
def chronic_standard(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _status(ctx, arg, "x.standard = 1")


def _cases(ctx: Ctx, where: str) -> tuple[str, list]:
    t = SpecialCase._meta.db_table
    return (f"SELECT k.id AS unit_id, k.person_id AS person_id, 1 AS w FROM {t} k "
            f"WHERE k.found_on <= %s{where}", [ctx.end])


@predicate("special_cases", kind="units", unit="case", label="大病专项救治：期末已发现病例")
def special_cases(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _cases(ctx, "")


@predicate("special_cases_closed", kind="units", unit="case", label="大病专项救治：期末已销号")
def special_cases_closed(ctx: Ctx, arg: str) -> tuple[str, list]:
    sql, params = _cases(ctx, " AND k.closed_on IS NOT NULL AND k.closed_on <= %s")
    return sql, [*params, ctx.end]


@predicate("ill_registered", kind="persons", label="三个一批：期末登记的患病人员")
def ill_registered(ctx: Ctx, arg: str) -> tuple[str, list]:
    k, r = SpecialCase._meta.db_table, ChronicRegistration._meta.db_table
    return (f"SELECT k.person_id AS person_id FROM {k} k WHERE k.found_on <= %s "
            f"UNION SELECT r.person_id AS person_id FROM {r} r WHERE r.registered_on <= %s "
            "AND (r.ended_on IS NULL OR r.ended_on >= %s)", [ctx.end, ctx.end, ctx.start])


@predicate("ill_treated", kind="persons",
           label="三个一批：已救治（大病已救治或销号，或慢病本年度有随访）")
def ill_treated(ctx: Ctx, arg: str) -> tuple[str, list]:
    k, r = SpecialCase._meta.db_table, ChronicRegistration._meta.db_table
    f = management.FollowUp._meta.db_table
    return (f"SELECT k.person_id AS person_id FROM {k} k WHERE k.treated_on <= %s "
            f"OR k.closed_on <= %s UNION SELECT r.person_id AS person_id FROM {r} r "
            f"JOIN {f} v ON v.registration_id = r.id WHERE v.visited_on >= %s "
            "AND v.visited_on <= %s",
            [ctx.end, ctx.end, dt_year_start(ctx), ctx.end])


def dt_year_start(ctx: Ctx):
    return ctx.start.replace(month=1, day=1)


# --- special treatment: the region's list against its plan's number (decision 66) -----------

def _county_lists(ctx: Ctx, weight) -> tuple[str, list]:
    """One `regional` unit per county under a prefix of `special_treatment_required` (the
    most specific prefix wins), counted in the county's padded code, weight `weight(county,
    required)`. The rows are literal: the catalog is files, not a table."""
    required = current().special_treatment_required
    rows: list = []
    counties = Region.objects.filter(level="county").values_list("code", flat=True)
    for county in sorted(counties):
        prefixes = [p for p in required if county.startswith(p)]
        if prefixes:
            n = required[max(prefixes, key=len)]
            rows += [county, county, int(weight(county, n))]
    if not rows:
        return ("SELECT CAST(NULL AS VARCHAR(12)) AS unit_id, CAST(NULL AS VARCHAR(12)) "
                "AS region_code, 0 AS w WHERE 1 = 0", [])
    one = "SELECT CAST(%s AS VARCHAR(12)) AS unit_id, CAST(%s AS VARCHAR(12)) AS region_code, " \
          "CAST(%s AS INTEGER) AS w"
    return " UNION ALL ".join([one] * (len(rows) // 3)), rows


@predicate("special_treatment_required", kind="regional", unit="county_list",
           label="方案要求的大病专项救治病种数（每县）")
def special_treatment_required(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _county_lists(ctx, lambda county, n: n)


@predicate("special_treatment_in_force", kind="regional", unit="county_list",
           label="期末县适用的大病专项救治病种目录中的病种数")
def special_treatment_in_force(ctx: Ctx, arg: str) -> tuple[str, list]:
    c = catalog()
    return _county_lists(ctx, lambda county, n: len(c.in_force(
        region_code=county, on=ctx.end, kind=SPECIAL_TREATMENT)))
