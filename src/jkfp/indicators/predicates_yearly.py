"""The yearly forms of the predicates of `predicates.py` (decision 72): each unit's rows for a
whole year and the per-period condition over them, the same condition as the per-period SQL
of the predicate of the same name (`tests/indicators/test_yearly.py` keeps them equal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection

from jkfp.contracts import management
from jkfp.contracts.models import Contract, FollowUp
from jkfp.exchange.models import Enrolment
from jkfp.health.models import SpecialCase
from jkfp.registry.models import CategoryPeriod
from jkfp.settlement.models import HospitalStay, Statement

from .definitions import Ctx
from .yearly import Rows, Year, yearly

CP = CategoryPeriod._meta.db_table


def _on_last_day(ctx: Ctx) -> tuple[str, list]:
    return "r.s <= %s AND (r.e IS NULL OR r.e >= %s)", [ctx.end, ctx.end]


def _holding(y: Year, categories: tuple[str, ...]) -> Rows:
    """`predicates._holding`: the category periods of the person and of their household (the
    household's members from the scope's persons, `Year.persons`)."""
    marks = ", ".join(["%s"] * len(categories)) or "NULL"
    if y.villages is not None:  # (a refresh: every category's rows of the scope, once)
        s1, p1 = y.scope("c.person_id")
        t = y.source("category_periods",
                     f"SELECT c.person_id AS pid, c.category AS category, c.start_date AS s, "
                     f"c.end_date AS e FROM {CP} c WHERE c.person_id IS NOT NULL{s1} "
                     f"UNION ALL SELECT p.id AS pid, c.category AS category, c.start_date AS s, "
                     f"c.end_date AS e FROM {y.persons()} p JOIN {CP} c ON c.household_id = "
                     f"p.household_id WHERE c.household_id IS NOT NULL", p1)
        return Rows(f"SELECT c.pid AS unit_id, c.pid AS person_id, 1 AS w, c.s AS s, c.e AS e "
                    f"FROM {t} c WHERE c.category IN ({marks})", list(categories), _on_last_day)
    s1, p1 = y.scope("c.person_id")
    sql = (f"SELECT c.person_id AS unit_id, c.person_id AS person_id, 1 AS w, "
           f"c.start_date AS s, c.end_date AS e FROM {CP} c WHERE c.person_id IS NOT NULL "
           f"AND c.category IN ({marks}){s1} "
           f"UNION ALL SELECT p.id AS unit_id, p.id AS person_id, 1 AS w, c.start_date AS s, "
           f"c.end_date AS e FROM {y.persons()} p JOIN {CP} c ON c.household_id = "
           f"p.household_id WHERE c.household_id IS NOT NULL AND c.category IN ({marks})")
    return Rows(sql, [*categories, *p1, *categories], _on_last_day)


@yearly("poor")
def poor(y: Year, arg: str) -> Rows:
    return _holding(y, y.poor)


@yearly("holds")
def holds(y: Year, arg: str) -> Rows:
    return _holding(y, (arg,))


@yearly("insured")
def insured(y: Year, arg: str) -> Rows:
    """The year's enrolment list: every period of the year alike."""
    t = Enrolment._meta.db_table
    s, sp = y.scope("e.person_id")
    return Rows(f"SELECT e.person_id AS unit_id, e.person_id AS person_id, 1 AS w FROM {t} e "
                f"WHERE e.year = %s AND e.status = 'insured' AND e.void = %s{s}",
                [y.year, False, *sp], lambda ctx: ("1 = 1", []))


@yearly("contracted")
def contracted(y: Year, arg: str) -> Rows:
    t = Contract._meta.db_table
    s, sp = y.scope("k.person_id")

    def cond(ctx: Ctx) -> tuple[str, list]:
        return ("r.signed_on <= %s AND r.year >= %s AND (r.ended_on IS NULL "
                "OR r.ended_on >= %s)", [ctx.end, ctx.start.year, ctx.start])
    return Rows(f"SELECT k.person_id AS unit_id, k.person_id AS person_id, 1 AS w, "
                f"k.signed_on AS signed_on, k.year AS year, k.ended_on AS ended_on FROM {t} k "
                f"WHERE k.year >= %s AND k.signed_on <= %s{s}",
                [y.year, dt.date(y.year, 12, 31), *sp], cond)


def _discharged(ctx: Ctx) -> tuple[str, list]:
    return "r.dd >= %s AND r.dd <= %s", [ctx.start, ctx.end]


def _statements(y: Year, weight: str, *, in_province: bool) -> Rows:
    s, h = Statement._meta.db_table, HospitalStay._meta.db_table
    where = " AND h.location IN ('county', 'city', 'province')" if in_province else ""
    sc, sp = y.scope("s.person_id")
    if y.villages is not None:  # (a refresh: the scope's statements of the year, once)
        t = y.source("statements",
                     f"SELECT s.id AS unit_id, s.person_id AS person_id, h.total_fen AS "
                     f"total_fen, s.reimbursed_fen AS reimbursed_fen, s.self_pay_fen AS "
                     f"self_pay_fen, h.discharge_date AS dd, h.location AS location "
                     f"FROM {s} s JOIN {h} h ON h.id = s.stay_id WHERE s.status = 'current' "
                     f"AND h.discharge_date >= %s AND h.discharge_date <= %s{sc}",
                     [dt.date(y.year, 1, 1), dt.date(y.year, 12, 31), *sp])
        return Rows(f"SELECT h.unit_id AS unit_id, h.person_id AS person_id, "
                    f"{weight.replace('s.', 'h.')} AS w, h.dd AS dd FROM {t} h "
                    f"WHERE 1 = 1{where}", [], _discharged)
    return Rows(f"SELECT s.id AS unit_id, s.person_id AS person_id, {weight} AS w, "
                f"h.discharge_date AS dd FROM {s} s JOIN {h} h ON h.id = s.stay_id "
                f"WHERE s.status = 'current' AND h.discharge_date >= %s "
                f"AND h.discharge_date <= %s{where}{sc}",
                [dt.date(y.year, 1, 1), dt.date(y.year, 12, 31), *sp], _discharged)


@yearly("statements_in_province")
def statements_in_province(y: Year, arg: str) -> Rows:
    return _statements(y, "h.total_fen", in_province=True)


@yearly("statements")
def statements(y: Year, arg: str) -> Rows:
    return _statements(y, "h.total_fen", in_province=False)


@yearly("statement_reimbursed")
def statement_reimbursed(y: Year, arg: str) -> Rows:
    return _statements(y, "s.reimbursed_fen", in_province=False)


@yearly("statement_self_pay")
def statement_self_pay(y: Year, arg: str) -> Rows:
    return _statements(y, "s.self_pay_fen", in_province=False)


def _stays(y: Year, where: str = "") -> Rows:
    h = HospitalStay._meta.db_table
    s, sp = y.scope("h.person_id")
    if y.villages is not None:  # (a refresh: the scope's stays of the year, once)
        t = y.source("stays",
                     f"SELECT h.id AS id, h.person_id AS person_id, h.discharge_date AS "
                     f"discharge_date, h.location AS location FROM {h} h WHERE "
                     f"h.discharge_date >= %s AND h.discharge_date <= %s{s}",
                     [dt.date(y.year, 1, 1), dt.date(y.year, 12, 31), *sp])
        return Rows(f"SELECT h.id AS unit_id, h.person_id AS person_id, 1 AS w, "
                    f"h.discharge_date AS dd FROM {t} h WHERE 1 = 1{where}", [], _discharged)
    return Rows(f"SELECT h.id AS unit_id, h.person_id AS person_id, 1 AS w, "
                f"h.discharge_date AS dd FROM {h} h WHERE h.discharge_date >= %s "
                f"AND h.discharge_date <= %s{where}{s}",
                [dt.date(y.year, 1, 1), dt.date(y.year, 12, 31), *sp], _discharged)


@yearly("stays")
def stays(y: Year, arg: str) -> Rows:
    return _stays(y)


@yearly("stays_in_county")
def stays_in_county(y: Year, arg: str) -> Rows:
    return _stays(y, " AND h.location = 'county'")


# --- management status: contracts' one query, once per distinct last day of the year --------

def _status_table(y: Year) -> str:
    """Every registration's status on each distinct last day of the year's periods (the cut
    as its index in `Year.ends`), all diseases at once, kept as one row a registration with a
    mask of cuts for each column (bit `1 << cut`: `lm` not deceased, `mm` managed, `sm`
    standard; decision 91): the eight tables of the four diseases' populations and
    numerators read a twelfth of the rows. The masks are counted in NumPy from the
    registrations and the year's visits (decision 103: `contracts.management.status_masks`,
    the definition of `management.status_sql`), where one windowed query ordered every
    registration's cuts and visits (a refresh: 490 of its 2,400 ms; a rebuild: 6 s)."""
    def build(name: str) -> None:
        # (the scope's persons table in place of the person table; for a refresh also its
        # analysed table of their registrations)
        masks = management.status_masks(
            y.cur, None, year=y.year, ends=y.ends(), persons=y.persons(),
            table=y.registrations()[0] if y.villages is not None else None)
        management.write_masks(y.cur, name, masks)
        y.cur.execute(f"CREATE INDEX {name}_d ON {name} (disease_code)")
        if connection.vendor == "postgresql":
            y.cur.execute(f"ANALYZE {name}")
    return y.table("status", build)


def _status(y: Year, disease: str, column: Callable[[Ctx], str]) -> Rows:
    """The registrations of `disease` whose mask `column(ctx)` holds the period's cut."""
    t = _status_table(y)
    ends = y.ends()

    def cond(ctx: Ctx) -> tuple[str, list]:
        return f"(r.{column(ctx)} & {1 << ends.index(ctx.end)}) <> 0", []
    return Rows(f"SELECT x.rid AS unit_id, x.person_id AS person_id, 1 AS w, x.lm AS lm, "
                f"x.mm AS mm, x.sm AS sm FROM {t} x WHERE x.disease_code = %s", [disease],
                cond)


@yearly("chronic_population")
def chronic_population(y: Year, arg: str) -> Rows:
    def column(ctx: Ctx) -> str:
        std = management.standards.disease_standard(arg, on=ctx.end)
        on_register = bool(std) and std.standard_denominator == "on_register"
        return "lm" if on_register else "mm"
    return _status(y, arg, column)


@yearly("chronic_standard")
def chronic_standard(y: Year, arg: str) -> Rows:
    return _status(y, arg, lambda ctx: "sm")


# --- special cases and the ill (三个一批) -------------------------------------------------------

def _case_rows(y: Year) -> tuple[str, str, list]:
    """The special cases' table and its scope filter (` AND k.person_id IN …`): for a refresh
    the scope's cases, made once (`Year.source`) for the four predicates reading them."""
    t = SpecialCase._meta.db_table
    s, sp = y.scope("k.person_id")
    if y.villages is None:
        return t, s, sp
    return y.source("special_cases", f"SELECT k.id AS id, k.person_id AS person_id, "
                    f"k.found_on AS found_on, k.closed_on AS closed_on, k.treated_on AS "
                    f"treated_on FROM {t} k WHERE 1 = 1{s}", sp), "", []


def _cases(y: Year) -> tuple[str, list]:
    t, s, sp = _case_rows(y)
    return (f"SELECT k.id AS unit_id, k.person_id AS person_id, 1 AS w, k.found_on AS a, "
            f"k.closed_on AS b FROM {t} k WHERE 1 = 1{s}", sp)


@yearly("special_cases")
def special_cases(y: Year, arg: str) -> Rows:
    sql, params = _cases(y)
    return Rows(sql, params, lambda ctx: ("r.a <= %s", [ctx.end]))


@yearly("special_cases_closed")
def special_cases_closed(y: Year, arg: str) -> Rows:
    sql, params = _cases(y)
    return Rows(sql, params, lambda ctx: ("r.a <= %s AND r.b IS NOT NULL AND r.b <= %s",
                                          [ctx.end, ctx.end]))


@yearly("ill_registered")
def ill_registered(y: Year, arg: str) -> Rows:
    r, s1 = y.registrations()
    p1: list = []
    k, s2, p2 = _case_rows(y)
    sql = (f"SELECT r.person_id AS unit_id, r.person_id AS person_id, 1 AS w, 1 AS src, "
           f"r.registered_on AS a, r.ended_on AS b FROM {r} r WHERE 1 = 1{s1} "
           f"UNION ALL SELECT k.person_id AS unit_id, k.person_id AS person_id, 1 AS w, "
           f"0 AS src, k.found_on AS a, NULL AS b FROM {k} k WHERE 1 = 1{s2}")

    def cond(ctx: Ctx) -> tuple[str, list]:
        return ("((r.src = 0 AND r.a <= %s) OR (r.src = 1 AND r.a <= %s "
                "AND (r.b IS NULL OR r.b >= %s)))", [ctx.end, ctx.end, ctx.start])
    return Rows(sql, [*p1, *p2], cond)


@yearly("ill_treated")
def ill_treated(y: Year, arg: str) -> Rows:
    r, s1 = y.registrations()
    p1: list = []
    f = FollowUp._meta.db_table
    k, s2, p2 = _case_rows(y)
    sql = (f"SELECT r.person_id AS unit_id, r.person_id AS person_id, 1 AS w, 1 AS src, "
           f"v.visited_on AS a, v.visited_on AS b FROM {r} r JOIN {f} v "
           f"ON v.registration_id = r.id WHERE v.visited_on >= %s AND v.visited_on <= %s{s1} "
           f"UNION ALL SELECT k.person_id AS unit_id, k.person_id AS person_id, 1 AS w, "
           f"0 AS src, k.treated_on AS a, k.closed_on AS b FROM {k} k WHERE 1 = 1{s2}")

    def cond(ctx: Ctx) -> tuple[str, list]:
        return ("((r.src = 0 AND (r.a <= %s OR r.b <= %s)) OR (r.src = 1 AND r.a >= %s "
                "AND r.a <= %s))", [ctx.end, ctx.end, dt.date(y.year, 1, 1), ctx.end])
    return Rows(sql, [dt.date(y.year, 1, 1), dt.date(y.year, 12, 31), *p1, *p2], cond)
