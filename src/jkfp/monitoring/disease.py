"""The rule `major_disease_new` (decision 61): a new major disease in a watched household.

A person is flagged when, in the look-back window before the scan date, either
- a special-treatment case (health.SpecialCase) was found, not closed as not eligible, or
- a settled stay (a jkfp stay with a current statement) was discharged whose main diagnosis the
  disease catalog maps to a disease of the special-treatment list (大病专项救治) in force on the
  discharge date in the stay's region (the region's most specific list, as `Catalog.match`), and
  the disease was not known before: no earlier settled stay of the person with a diagnosis of the
  same disease (by the ranges of that list), and no special-treatment case of it found before.

It is one statement, the catalog's ranges bound as a `VALUES` table (`dis`): ICD-10 codes are
compared as text in the order `Icd10Range.contains` uses (byte order: `COLLATE "C"` on
PostgreSQL, SQLite's default), so the SQL and the catalog agree on which codes a range holds.
The households of an incremental check are pushed into both halves; the person's earlier stays
and cases are read in full either way, so an incremental check answers as the full scan does.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from jkfp.health.catalog import SPECIAL_TREATMENT, catalog
from jkfp.health.models import SpecialCase
from jkfp.settlement.models import HospitalStay, Statement

from .sqlparts import T_PERSON, _date, _held, _iso, _rows, _subjects

T_CASE = SpecialCase._meta.db_table
T_STAY = HospitalStay._meta.db_table
T_STATEMENT = Statement._meta.db_table


def _c(expr: str) -> str:
    """`expr` compared in byte order (the catalog's order of ICD-10 codes)."""
    return f'({expr}) COLLATE "C"' if connection.vendor == "postgresql" else expr


def _contains(stay: str, dis: str) -> str:
    """SQL: the diagnosis of `stay` lies in the range `dis` (as `Icd10Range.contains`)."""
    code = f"{stay}.diagnosis_icd10"
    high = code + " || '~'"
    return f"{_c(code)} >= {dis}.lo AND {_c(high)} <= {dis}.hi"


def _dis_rows(prefix: str, start: dt.date, on: dt.date) -> list[tuple]:
    """(region, code, name, lo, hi, start, end) of every range of a special-treatment disease in
    force at some date of [start, on] whose list may apply in the region `prefix`."""
    rows = []
    for d in catalog().diseases:
        if d.kind != SPECIAL_TREATMENT or d.start > on or (d.end is not None and d.end < start):
            continue
        if not (prefix.startswith(d.region) or d.region.startswith(prefix)):
            continue
        rows += [(d.region, d.code, d.name, r.lo, r.hi, _iso(d.start),
                  _iso(d.end) if d.end else None) for r in d.icd10]
    return rows


def _dis_cte(rows: list[tuple], params: list) -> str:
    cast = "::date" if connection.vendor == "postgresql" else ""
    one = f"(%s, %s, %s, %s, %s, %s{cast}, %s{cast})"
    for row in rows:
        params += list(row)
    return (f"WITH dis(region, code, name, lo, hi, start_on, end_on) AS "
            f"(VALUES {', '.join([one] * len(rows))}) ")


def _person_filter(household_ids) -> tuple[str, list]:
    if household_ids is None:
        return "", []
    ids = sorted(set(household_ids)) or [0]
    return (f" AND {{col}} IN (SELECT id FROM {T_PERSON} WHERE household_id IN "
            f"({','.join(['%s'] * len(ids))}))", ids)


def _window_ctes(params: list, since: str, on: str, household_ids) -> str:
    """CTEs after `dis`: `ws`, the settled stays with a diagnosis discharged in [since, on] (of
    the households, for an incremental check); `wl`, for each of them the length of the region
    of the list that applies (the longest prefix with a list in force on the discharge date),
    computed once per stay rather than per stay and range."""
    filt, ids = _person_filter(household_ids)
    params += [since, on, *ids]
    return (
        f", ws AS (SELECT s.id, s.person_id, s.region_code, s.discharge_date, s.diagnosis_icd10 "
        f"FROM {T_STAY} s JOIN {T_STATEMENT} st ON st.stay_id = s.id AND st.status = 'current' "
        f"WHERE s.diagnosis_icd10 <> '' AND s.discharge_date >= %s AND s.discharge_date <= %s"
        f"{filt.format(col='s.person_id')}), "
        f"lst AS (SELECT DISTINCT region, start_on, end_on FROM dis), "
        f"wl AS (SELECT s.id AS stay_id, MAX(length(l.region)) AS len FROM ws s JOIN lst l "
        f"ON {_IN_FORCE.format(d='l')} GROUP BY s.id) ")


_IN_FORCE = ("{d}.start_on <= s.discharge_date AND ({d}.end_on IS NULL "
             "OR {d}.end_on >= s.discharge_date) AND s.region_code LIKE {d}.region || '%%'")


def _new_diagnoses() -> str:
    """Rows (person_id, kind, ref, on_day, code, region, diag): the first settled stay of each
    major disease of a person, discharged in the window, the disease not known before."""
    return (
        f"SELECT s.person_id AS person_id, 'stay' AS kind, s.id AS ref, "
        f"s.discharge_date AS on_day, d.code AS code, d.region AS region, "
        f"s.diagnosis_icd10 AS diag "
        f"FROM ws s JOIN wl ON wl.stay_id = s.id "
        f"JOIN dis d ON length(d.region) = wl.len AND {_IN_FORCE.format(d='d')} "
        f"AND {_contains('s', 'd')} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {T_STAY} e JOIN {T_STATEMENT} et ON et.stay_id = e.id "
        f"AND et.status = 'current' JOIN dis d2 ON d2.region = d.region AND d2.code = d.code "
        f"AND {_contains('e', 'd2')} WHERE e.person_id = s.person_id AND e.id <> s.id "
        f"AND (e.discharge_date < s.discharge_date "
        f"OR (e.discharge_date = s.discharge_date AND e.id < s.id))) "
        f"AND NOT EXISTS (SELECT 1 FROM {T_CASE} k WHERE k.person_id = s.person_id "
        f"AND k.disease_code = d.code AND k.found_on < s.discharge_date)")


def _cases(params: list, since: str, on: str, household_ids) -> str:
    filt, ids = _person_filter(household_ids)
    params += [since, on, *ids]
    return (f"SELECT k.person_id AS person_id, 'case' AS kind, k.id AS ref, k.found_on AS on_day, "
            f"k.disease_code AS code, '' AS region, k.icd10 AS diag "
            f"FROM {T_CASE} k WHERE k.found_on >= %s AND k.found_on <= %s "
            f"AND k.close_reason <> 'not_eligible'{filt.format(col='k.person_id')}")


def major_disease(rule, on: dt.date, prefix: str, household_ids, exclude) -> list[tuple]:
    """(person_id, household_id, region_code, period, evidence) of each person flagged."""
    lookback = rule.parameters_on(on).values["lookback_days"]
    start = on - dt.timedelta(days=lookback)
    since, until = _iso(start), _iso(on)
    params: list = []
    dis = _dis_rows(prefix, start, on)
    sql = _dis_cte(dis, params) + _window_ctes(params, since, until, household_ids) if dis else ""
    parts = [_cases(params, since, until, household_ids)]
    if dis:
        parts.append(_new_diagnoses())
    sql += (f"SELECT p.id, p.household_id, p.region_code, x.kind, x.ref, x.on_day, x.code, "
            f"x.region, x.diag FROM ({' UNION ALL '.join(parts)}) x "
            f"JOIN {T_PERSON} p ON p.id = x.person_id "
            f"WHERE {_subjects(params, prefix, household_ids, exclude=exclude)} "
            f"AND {_held('person', rule.watch, params, on, household_ids is not None)} "
            f"ORDER BY p.id, x.on_day, x.kind, x.ref")
    names = {(r[0], r[1]): r[2] for r in dis}
    found: dict[int, list] = {}
    for pid, hid, region, kind, ref, day, code, list_region, diag in _rows(sql, params):
        found.setdefault(pid, [hid, region, []])[2].append(
            (kind, ref, _date(day), code, list_region, diag))
    out = []
    for pid, (hid, region, items) in found.items():
        first = min(i[2] for i in items)
        evidence = {"first_found_on": str(first), "disease_code": min(i[3] for i in items),
                    "cases": sum(1 for i in items if i[0] == "case")}
        stays = [{"stay_id": ref, "discharged_on": str(day), "icd10": diag, "disease_code": code,
                  "disease_name": names.get((list_region, code), "")}
                 for kind, ref, day, code, list_region, diag in items if kind == "stay"]
        if stays:  # absent when there are none: the facts of a case-only warning are unchanged
            evidence["diagnoses"] = stays
        out.append((pid, hid, region, str(first.year), evidence))
    return out
