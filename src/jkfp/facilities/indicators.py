"""The predicates of facilities for the indicators (decisions 58a, 65): institutions and gaps
as `regional` units, each attributed to its own region (a village clinic to its village, a
township centre to its township, a gap to the region the gap is of), not to a person.

Dates are half-open as everywhere in this app: an institution is open on day d when
`opened_on <= d` and it has not closed by then (`closed_on > d`); a post counts on d when
`start_date <= d < end_date`; a gap is open on d when `opened_on <= d < closed_on`.
"""

from __future__ import annotations

from jkfp.indicators.definitions import Ctx, predicate

from .gaps import rules
from .models import Gap, Institution, InstitutionKind, Post, Qualification, Staff

INST, G, PO, S = (Institution._meta.db_table, Gap._meta.db_table, Post._meta.db_table,
               Staff._meta.db_table)
OPEN_ON = ("i.opened_on <= %s AND (i.closed_on IS NULL OR i.closed_on > %s) "
           "AND i.void = %s")  # an institution voided by an undone import counts nowhere


def _institutions(ctx: Ctx, kind: str, where: str = "", params=()) -> tuple[str, list]:
    return (f"SELECT i.id AS unit_id, i.region_code AS region_code, 1 AS w FROM {INST} i "
            f"WHERE i.kind = %s AND {OPEN_ON}{where}", [kind, ctx.end, ctx.end, False, *params])


@predicate("gaps_open_in_period", kind="regional", unit="gap",
           label="期内任一天存在的空白点")
def gaps_open_in_period(ctx: Ctx, arg: str) -> tuple[str, list]:
    return (f"SELECT g.id AS unit_id, g.region_code AS region_code, 1 AS w FROM {G} g "
            "WHERE g.opened_on <= %s AND (g.closed_on IS NULL OR g.closed_on > %s)",
            [ctx.end, ctx.start])


@predicate("gaps_open_at_end", kind="regional", unit="gap", label="期末仍未清零的空白点")
def gaps_open_at_end(ctx: Ctx, arg: str) -> tuple[str, list]:
    return (f"SELECT g.id AS unit_id, g.region_code AS region_code, 1 AS w FROM {G} g "
            "WHERE g.opened_on <= %s AND (g.closed_on IS NULL OR g.closed_on > %s)",
            [ctx.end, ctx.end])


def _gp_counties() -> tuple[str, list]:
    counties = sorted(rules().gp_counties)   # (read once, again when the file changes)
    if not counties:
        return " AND 1 = 0", []
    return " AND (" + " OR ".join(["i.region_code LIKE %s"] * len(counties)) + ")", [
        c + "%" for c in counties]


@predicate("township_centres_gp_counties", kind="regional", unit="institution",
           label="贫困县（gaps.yaml 所列）期末开业的乡镇卫生院")
def township_centres_gp_counties(ctx: Ctx, arg: str) -> tuple[str, list]:
    where, params = _gp_counties()
    return _institutions(ctx, InstitutionKind.TOWNSHIP_CENTRE, where, params)


@predicate("centres_with_gp", kind="regional", unit="institution",
           label="期末有全科医生在岗的乡镇卫生院")
def centres_with_gp(ctx: Ctx, arg: str) -> tuple[str, list]:
    where = (f" AND EXISTS (SELECT 1 FROM {PO} po JOIN {S} s ON s.id = po.staff_id "
             "WHERE po.institution_id = i.id AND po.void = %s AND s.qualification = %s "
             "AND po.start_date <= %s AND (po.end_date IS NULL OR po.end_date > %s))")
    return _institutions(ctx, InstitutionKind.TOWNSHIP_CENTRE, where,
                         [False, Qualification.GENERAL_PRACTITIONER, ctx.end, ctx.end])


@predicate("village_clinics", kind="regional", unit="institution", label="期末开业的村卫生室")
def village_clinics(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _institutions(ctx, InstitutionKind.VILLAGE_CLINIC)


@predicate("village_clinics_standardised", kind="regional", unit="institution",
           label="期末开业且为标准化的村卫生室（按当前登记的标准化状态）")
def village_clinics_standardised(ctx: Ctx, arg: str) -> tuple[str, list]:
    return _institutions(ctx, InstitutionKind.VILLAGE_CLINIC, " AND i.standardised = %s",
                         [True])
