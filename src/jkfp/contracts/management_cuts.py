"""The management status of every registration on several dates of one year in one query
(decision 72b): the indicators need it on each month's last day, and `management.status_sql`
twelve times over reads the registrations, the persons and the year's visits twelve times.

The same definition as `management.status_sql` for the columns the indicators read
(deceased, managed, standard), for each `on` of `ends` (dates of the year; the cut is `on`):
the window of a registration does not depend on the cut, and the visits counted up to a cut
are a prefix of the window's visits in their order, so the previous visit (for the gaps) is
the same for every cut and the visits are ordered once. The counts, sums, first and last
visits and largest gap up to each cut are running aggregates over the registration's visits
and cuts in date order (a visit before a cut of the same day), one window instead of
joining every cut with every visit and grouping (decision 91).
`tests/contracts/test_management_cuts.py` keeps the two equal.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import Person

from . import standards
from .management import _gap_exceeds, _part
from .models import FollowUp


def _gap_key(a: str, b: str) -> str:
    """An integer g with `gap_exceeds(a, b, m)` exactly when g > 2m (`management._gap_exceeds`:
    more than m months, or m months and a later day): twice the months between, plus one for
    a later day. The largest g of a registration's visits up to a cut tells whether any gap
    between them exceeds the cut's standard, as a running MAX over the visits."""
    diff = (f"(({_part(b, 'YEAR')} - {_part(a, 'YEAR')}) * 12 + {_part(b, 'MONTH')} "
            f"- {_part(a, 'MONTH')})")
    return (f"({diff} * 2 + CASE WHEN {_part(b, 'DAY')} > {_part(a, 'DAY')} THEN 1 "
            "ELSE 0 END)")


def status_cuts_sql(registrations: QuerySet[ChronicRegistration] | None, *, year: int,
                    ends: list[dt.date], persons: str | None = None) -> tuple[str, list]:
    """Rows (rid, person_id, disease_code, cut, deceased, managed, standard): one for each
    registration of `registrations` (None: every one) and index `cut` of `ends` at which it
    counts. `persons`, a table of persons (id, alive, death_date) read instead of the person
    table, limits the registrations to its persons: the indicators' scope table
    (`indicators.yearly.Year.persons`), whose few rows a refresh joins first, where the
    person table was scanned whole before the scope's filter."""
    ys, ye = dt.date(year, 1, 1), dt.date(year, 12, 31)
    std_rows, std_params, cut_rows, cut_params = [], [], [], []
    for i, on in enumerate(ends):
        cut_rows.append("SELECT CAST(%s AS INTEGER) AS cut, %s AS on_date")
        cut_params += [i, min(on, ye)]
        for code in standards.DISEASES:
            s = standards.disease_standard(code, on=min(on, ye))
            if s is None:
                continue
            std_rows.append("SELECT CAST(%s AS INTEGER) AS cut, CAST(%s AS VARCHAR(40)) AS "
                            "disease, CAST(%s AS INTEGER) AS min_visits, CAST(%s AS INTEGER) "
                            "AS max_gap, CAST(%s AS INTEGER) AS doses_std")
            std_params += [i, code, s.min_visits, s.max_gap_months,
                           s.standard_doses_percent_at_least]
    if not std_rows:
        return ("SELECT NULL AS rid, NULL AS person_id, NULL AS disease_code, NULL AS cut, "
                "NULL AS deceased, NULL AS managed, NULL AS standard WHERE 1 = 0", [])
    base_cte, base_join, base_params = "", "", []
    if registrations is not None:
        base_sql, base_params = registrations.order_by().values("id").query.sql_with_params()
        base_cte, base_join = f"base(id) AS ({base_sql}),", " JOIN base ON base.id = r.id"
    reg, person, fu = (ChronicRegistration._meta.db_table, persons or Person._meta.db_table,
                       FollowUp._meta.db_table)
    sql = f"""WITH std AS ({' UNION ALL '.join(std_rows)}),
    cuts AS ({' UNION ALL '.join(cut_rows)}),
    {base_cte}
    reg AS (
      SELECT r.id AS rid, r.person_id, r.disease_code, r.registered_on, pe.death_date, pe.alive,
             CASE WHEN r.registered_on > %s THEN r.registered_on ELSE %s END AS wstart,
             CASE WHEN r.ended_on IS NOT NULL AND r.ended_on < %s
                       AND (pe.death_date IS NULL OR r.ended_on <= pe.death_date) THEN r.ended_on
                  WHEN pe.death_date IS NOT NULL AND pe.death_date < %s THEN pe.death_date
                  ELSE %s END AS wend
      FROM {reg} r{base_join} JOIN {person} pe ON pe.id = r.person_id
      WHERE r.registered_on <= %s),
    rc AS (
      SELECT reg.rid, reg.person_id, reg.disease_code, reg.death_date, reg.alive, reg.wstart,
             c.cut, c.on_date, std.min_visits, std.max_gap, std.doses_std,
             CASE WHEN reg.wend < c.on_date THEN reg.wend ELSE c.on_date END AS vend,
             {_part('reg.wend', 'MONTH')} - {_part('reg.wstart', 'MONTH')} + 1 AS months
      FROM reg JOIN cuts c ON reg.registered_on <= c.on_date
      JOIN std ON std.disease = reg.disease_code AND std.cut = c.cut
      WHERE reg.wstart <= reg.wend),
    vis AS (
      SELECT f.registration_id AS rid, f.id, f.visited_on, f.way, f.doses_due, f.doses_taken,
             LAG(f.visited_on) OVER (PARTITION BY f.registration_id
                                     ORDER BY f.visited_on, f.id) AS prev_on
      FROM {fu} f JOIN reg ON reg.rid = f.registration_id
      WHERE f.visited_on >= %s AND f.visited_on <= %s
        AND f.visited_on >= reg.wstart AND f.visited_on <= reg.wend),
    ev AS (
      SELECT rc.rid, rc.on_date AS k, 1 AS kind, rc.person_id, rc.disease_code, rc.death_date,
             rc.alive, rc.wstart, rc.cut, rc.on_date, rc.min_visits, rc.max_gap, rc.doses_std,
             rc.vend, rc.months, NULL AS vid, NULL AS f2f, NULL AS due, NULL AS taken,
             NULL AS von, NULL AS g
      FROM rc
      UNION ALL
      SELECT v.rid, v.visited_on, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, v.id, CASE WHEN v.way IN ('clinic', 'home') THEN 1 ELSE 0 END,
             COALESCE(v.doses_due, 0), COALESCE(v.doses_taken, 0), v.visited_on,
             CASE WHEN v.prev_on IS NOT NULL THEN {_gap_key('v.prev_on', 'v.visited_on')} END
      FROM vis v),
    run AS (
      SELECT ev.*, COUNT(ev.vid) OVER w AS n, SUM(ev.f2f) OVER w AS n_f2f,
             SUM(ev.due) OVER w AS s_due, SUM(ev.taken) OVER w AS s_taken,
             MIN(ev.von) OVER w AS first_on, MAX(ev.von) OVER w AS last_on,
             MAX(ev.g) OVER w AS max_g
      FROM ev WINDOW w AS (PARTITION BY ev.rid ORDER BY ev.k, ev.kind
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
    SELECT w.rid, w.person_id, w.disease_code, w.cut,
           CASE WHEN (NOT w.alive) OR (w.death_date IS NOT NULL AND w.death_date <= w.on_date)
                THEN 1 ELSE 0 END AS deceased,
           CASE WHEN w.n >= 1 THEN 1 ELSE 0 END AS managed,
           CASE WHEN w.n >= 1
                 AND w.n_f2f >= ((w.min_visits * w.months + 11) / 12)
                 AND (w.max_gap IS NULL OR ((w.max_g IS NULL OR w.max_g <= 2 * w.max_gap)
                      AND NOT {_gap_exceeds('w.wstart', 'w.first_on', 'w.max_gap')}
                      AND NOT {_gap_exceeds('w.last_on', 'w.vend', 'w.max_gap')}))
                 AND (w.doses_std IS NULL OR (w.s_due > 0
                      AND w.s_taken * 100 >= w.doses_std * w.s_due))
                THEN 1 ELSE 0 END AS standard
    FROM run w WHERE w.kind = 1"""
    params = [*std_params, *cut_params, *base_params, ys, ys, ye, ye, ye, ye, ys, ye]
    return sql, params
