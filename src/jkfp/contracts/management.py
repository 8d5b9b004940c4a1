"""The derived management status of chronic patients, per registration and year (DOMAIN.md §7,
§12; the rules are data: `standards.py`).

For a year Y evaluated on a date `on` (the cut is the earlier of `on` and 31 December):

- the *window* of a registration runs from the later of 1 January and the registration date to
  the earliest of 31 December, the end of management and the person's death; a registration
  counts for the year (is *registered*) when it was registered by the cut and its window is not
  empty;
- the visits counted are those of the registration in the window up to the cut;
- *managed*: at least one visit; *managed to the standard* (规范管理): managed, at least the
  standard's face-to-face visits (clinic or home) pro rata to the months of the window
  (⌈min_visits × months / 12⌉: 4 for a whole year, 2 from July), no gap of more than
  `max_gap_months` calendar months between the start of the window, the successive visits and
  the cut or window end (severe mental disorders), and the regular-medication share over the
  year's doses (tuberculosis);
- *controlled at the latest visit*: the latest visit counted meets every rule of the standard's
  `control` (blood pressure under 140/90, under 150/90 from 65 on the visit day; fasting
  glucose under 7.0; doses ≥ 90 %; risk level 0);
- *overdue on `on`*: the registration is under management on `on` (not ended, the person not
  dead) and the next visit date of its latest visit up to `on` — the registration date if it
  has none — is before `on`;
- *deceased*: the person died by the cut. For a disease whose standard rate counts the patients
  on the register (severe mental disorders), the deceased leave every rate's population.

Two implementations of one definition: `status_rows` is one set-based SQL query for a whole
scope (PostgreSQL and SQLite: window functions, the calendar arithmetic on year, month and day
numbers), `status_one` the plain-Python reading of one registration; the tests keep them equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import Person

from . import standards
from .models import FollowUp

FACE_TO_FACE = ("clinic", "home")


@dataclass(frozen=True)
class Status:
    registration_id: int
    person_id: int
    region_code: str
    disease_code: str
    deceased: bool
    managed: bool
    standard: bool
    controlled: bool
    overdue: bool
    visits: int
    face_to_face: int
    required: int
    latest_visit_on: dt.date | None
    due_on: dt.date

    @property
    def in_population(self) -> bool:
        """Counted in the rates (the deceased leave the register where the standard says so)."""
        std = standards.current().diseases.get(self.disease_code)
        on_register = bool(std) and std[-1].standard_denominator == "on_register"
        return not (on_register and self.deceased)


def year_bounds(year: int, on: dt.date | None) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(1 January, 31 December, the evaluation date, the cut) of a year."""
    ys, ye = dt.date(year, 1, 1), dt.date(year, 12, 31)
    on = on or ye
    return ys, ye, on, min(on, ye)


# ---------------------------------------------------------------- plain Python, one patient
def _controlled(std: standards.DiseaseStandard, v: FollowUp, birth: dt.date) -> bool:
    c = std.control
    if c.systolic_below is not None:
        if v.systolic is None or v.diastolic is None:
            return False
        older = c.older_from_age is not None and standards.age_reached(birth, v.visited_on,
                                                                       c.older_from_age)
        s, d = ((c.older_systolic_below, c.older_diastolic_below) if older
                else (c.systolic_below, c.diastolic_below))
        if not (v.systolic < s and v.diastolic < d):
            return False
    if c.glucose_below is not None and (v.fasting_glucose is None
                                        or v.fasting_glucose >= c.glucose_below):
        return False
    if c.doses_percent_at_least is not None and not (
            v.doses_due and v.doses_taken is not None
            and v.doses_taken * 100 >= c.doses_percent_at_least * v.doses_due):
        return False
    if c.risk_level_at_most is not None and (v.risk_level is None
                                             or v.risk_level > c.risk_level_at_most):
        return False
    return True


def status_one(*, registration: ChronicRegistration, year: int,
               on: dt.date | None = None) -> Status | None:
    """The status of one registration in `year` on `on`; None if it does not count that year
    (registered later, its window empty, or a disease the standards do not hold)."""
    ys, ye, on, cut = year_bounds(year, on)
    std = standards.disease_standard(registration.disease_code, on=cut)
    person = Person.objects.get(pk=registration.person_id)
    r = registration
    if std is None or r.registered_on > cut:
        return None
    wstart = max(ys, r.registered_on)
    wend = min(d for d in (ye, r.ended_on, person.death_date) if d is not None)
    if wstart > wend:
        return None
    vend = min(wend, cut)
    visits = list(FollowUp.objects.filter(void=False, registration_id=r.pk,
                                          visited_on__gte=wstart, visited_on__lte=vend)
                  .order_by("visited_on", "id"))
    n = len(visits)
    f2f = sum(1 for v in visits if v.way in FACE_TO_FACE)
    months = wend.month - wstart.month + 1
    required = (std.min_visits * months + 11) // 12
    gap_ok = True
    if std.max_gap_months is not None:
        points = [wstart] + [v.visited_on for v in visits] + [vend]
        gap_ok = not any(standards.gap_exceeds(a, b, std.max_gap_months)
                         for a, b in zip(points, points[1:], strict=False))
    doses_ok = True
    if std.standard_doses_percent_at_least is not None:
        due = sum(v.doses_due or 0 for v in visits)
        taken = sum(v.doses_taken or 0 for v in visits)
        doses_ok = due > 0 and taken * 100 >= std.standard_doses_percent_at_least * due
    latest = visits[-1] if visits else None
    last_any = (FollowUp.objects.filter(void=False, registration_id=r.pk, visited_on__lte=on)
                .order_by("-visited_on", "-id").first())
    due_on = (last_any.next_visit_on if last_any and last_any.next_visit_on
              else r.registered_on)
    active = ((r.ended_on is None or r.ended_on >= on) and person.alive
              and (person.death_date is None or person.death_date > on))
    deceased = (not person.alive) or (person.death_date is not None and person.death_date <= cut)
    return Status(
        registration_id=r.pk, person_id=r.person_id, region_code=r.region_code,
        disease_code=r.disease_code, deceased=deceased, managed=n >= 1,
        standard=n >= 1 and f2f >= required and gap_ok and doses_ok,
        controlled=latest is not None and _controlled(std, latest, person.birth_date),
        overdue=active and due_on < on, visits=n, face_to_face=f2f, required=required,
        latest_visit_on=latest.visited_on if latest else None, due_on=due_on)


# ---------------------------------------------------------------- one query for a scope
def _part(x: str, part: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT({part} FROM {x}) AS INTEGER)"
    # doubled: the query is formatted with its parameters (`%s` → `?`)
    fmt = {"YEAR": "%%Y", "MONTH": "%%m", "DAY": "%%d"}[part]
    return f"CAST(strftime('{fmt}', {x}) AS INTEGER)"


def _gap_exceeds(a: str, b: str, months: str) -> str:
    """SQL of standards.gap_exceeds(a, b, months)."""
    diff = (f"(({_part(b, 'YEAR')} - {_part(a, 'YEAR')}) * 12 + {_part(b, 'MONTH')} "
            f"- {_part(a, 'MONTH')})")
    return f"({diff} > {months} OR ({diff} = {months} AND {_part(b, 'DAY')} > {_part(a, 'DAY')}))"


def _ymd(x: str) -> str:
    return f"({_part(x, 'YEAR')} * 10000 + {_part(x, 'MONTH')} * 100 + {_part(x, 'DAY')})"


def _std_values(cut: dt.date) -> tuple[str, list]:
    rows, params = [], []
    for code in standards.DISEASES:
        s = standards.disease_standard(code, on=cut)
        if s is None:
            continue
        c = s.control
        rows.append("(CAST(%s AS VARCHAR(40)), " + ", ".join(["CAST(%s AS INTEGER)"] * 9)
                    + ", CAST(%s AS NUMERIC), CAST(%s AS INTEGER))")
        params += [code, s.min_visits, s.max_gap_months, s.standard_doses_percent_at_least,
                   c.systolic_below, c.diastolic_below, c.older_from_age,
                   c.older_systolic_below, c.older_diastolic_below, c.doses_percent_at_least,
                   None if c.glucose_below is None else str(c.glucose_below),
                   c.risk_level_at_most]
    return ", ".join(rows), params


_COLUMNS = ("registration_id", "person_id", "region_code", "disease_code", "deceased",
            "managed", "standard", "controlled", "overdue", "visits", "face_to_face",
            "required", "latest_visit_on", "due_on")


def status_sql(registrations: QuerySet[ChronicRegistration], *, year: int,
               on: dt.date | None = None) -> tuple[str, list]:
    """The SQL and parameters of the status of every registration of `registrations` (a scoped
    queryset) that counts in `year`: one row each, the columns of `Status`."""
    ys, ye, on, cut = year_bounds(year, on)
    base_sql, base_params = (registrations.order_by().values("id").query.sql_with_params())
    std_rows, std_params = _std_values(cut)
    if not std_rows:
        return "SELECT NULL WHERE 1 = 0", []
    reg = ChronicRegistration._meta.db_table
    person = Person._meta.db_table
    fu = FollowUp._meta.db_table
    p = {"ys": ys, "ye": ye, "on": on, "cut": cut}
    params: list = []

    def v(name: str) -> str:
        params.append(p[name])
        return "%s"

    # the parameters are appended in the order the placeholders appear in the text
    sql_std = ("std(disease, min_visits, max_gap, doses_std, sys_lt, dia_lt, old_age, "
               f"old_sys_lt, old_dia_lt, doses_ctl, glu_lt, risk_max) AS (VALUES {std_rows})")
    params += std_params
    sql_base = f"base(id) AS ({base_sql})"
    params += list(base_params)
    sql_reg = f"""reg AS (
      SELECT r.id AS rid, r.person_id, r.region_code, r.disease_code, r.registered_on,
             r.ended_on, pe.birth_date, pe.death_date, pe.alive, std.*,
             CASE WHEN r.registered_on > {v('ys')} THEN r.registered_on ELSE {v('ys')} END
               AS wstart,
             CASE WHEN r.ended_on IS NOT NULL AND r.ended_on < {v('ye')}
                       AND (pe.death_date IS NULL OR r.ended_on <= pe.death_date) THEN r.ended_on
                  WHEN pe.death_date IS NOT NULL AND pe.death_date < {v('ye')} THEN pe.death_date
                  ELSE {v('ye')} END AS wend
      FROM {reg} r
      JOIN base ON base.id = r.id
      JOIN {person} pe ON pe.id = r.person_id
      JOIN std ON std.disease = r.disease_code
      WHERE r.registered_on <= {v('cut')})"""
    sql_win = f"""win AS (
      SELECT reg.*, CASE WHEN wend < {v('cut')} THEN wend ELSE {v('cut')} END AS vend,
             {_part('wend', 'MONTH')} - {_part('wstart', 'MONTH')} + 1 AS months
      FROM reg WHERE wstart <= wend)"""
    # one ordering of the visits (one sort): the previous visit (LAG) for the gaps, and the
    # next one's id (LEAD), NULL on the latest visit
    order = "PARTITION BY f.registration_id ORDER BY f.visited_on, f.id"
    sql_vis = f"""vis AS (
      SELECT f.registration_id AS rid, f.id, f.visited_on, f.way, f.systolic, f.diastolic,
             f.fasting_glucose, f.doses_due, f.doses_taken, f.risk_level, f.next_visit_on,
             win.max_gap, LAG(f.visited_on) OVER ({order}) AS prev_on,
             LEAD(f.id) OVER ({order}) AS next_id
      FROM {fu} f JOIN win ON win.rid = f.registration_id
      WHERE f.visited_on >= {v('ys')} AND f.visited_on <= {v('cut')}
        AND f.visited_on >= win.wstart AND f.visited_on <= win.vend)"""
    # the latest visit's values, taken in the same grouping (the one row whose next_id is
    # NULL): a self-join of `vis` on its latest row was planned as a nested loop over the
    # materialised CTE, quadratic in the registrations (decision 72)
    latest = ",\n             ".join(
        f"MAX(CASE WHEN vis.next_id IS NULL THEN vis.{c} END) AS lv_{c}"
        for c in ("systolic", "diastolic", "fasting_glucose", "doses_due", "doses_taken",
                  "risk_level", "next_visit_on"))
    sql_agg = f"""agg AS (
      SELECT vis.rid, COUNT(*) AS n,
             SUM(CASE WHEN vis.way IN ('clinic', 'home') THEN 1 ELSE 0 END) AS n_f2f,
             SUM(COALESCE(vis.doses_due, 0)) AS due, SUM(COALESCE(vis.doses_taken, 0)) AS taken,
             MIN(vis.visited_on) AS first_on, MAX(vis.visited_on) AS last_on,
             MAX(CASE WHEN vis.max_gap IS NOT NULL AND vis.prev_on IS NOT NULL
                       AND {_gap_exceeds('vis.prev_on', 'vis.visited_on', 'vis.max_gap')}
                      THEN 1 ELSE 0 END) AS inner_gap,
             {latest}
      FROM vis GROUP BY vis.rid)"""
    older = (f"(w.old_age IS NOT NULL AND {_ymd('a.last_on')} - {_ymd('w.birth_date')} "
             ">= w.old_age * 10000)")
    controlled = f"""(a.rid IS NOT NULL
        AND (w.sys_lt IS NULL OR (a.lv_systolic IS NOT NULL AND a.lv_diastolic IS NOT NULL AND (
              ({older} AND a.lv_systolic < w.old_sys_lt AND a.lv_diastolic < w.old_dia_lt)
              OR (NOT {older} AND a.lv_systolic < w.sys_lt AND a.lv_diastolic < w.dia_lt))))
        AND (w.glu_lt IS NULL OR (a.lv_fasting_glucose IS NOT NULL
                                  AND a.lv_fasting_glucose < w.glu_lt))
        AND (w.doses_ctl IS NULL OR (a.lv_doses_due > 0 AND a.lv_doses_taken IS NOT NULL
                                     AND a.lv_doses_taken * 100 >= w.doses_ctl * a.lv_doses_due))
        AND (w.risk_max IS NULL OR (a.lv_risk_level IS NOT NULL
                                    AND a.lv_risk_level <= w.risk_max)))"""
    required = "((w.min_visits * w.months + 11) / 12)"
    standard = f"""(a.n >= 1 AND a.n_f2f >= {required}
        AND (w.max_gap IS NULL OR (a.inner_gap = 0
             AND NOT {_gap_exceeds('w.wstart', 'a.first_on', 'w.max_gap')}
             AND NOT {_gap_exceeds('a.last_on', 'w.vend', 'w.max_gap')}))
        AND (w.doses_std IS NULL OR (a.due > 0 AND a.taken * 100 >= w.doses_std * a.due)))"""
    # the next visit date of the latest visit up to `on`: the window's latest visit when the
    # window reaches `on` (the usual case), else (no visit in the window, a registration ended
    # before `on`, `on` after the year) the latest visit found by the index on
    # (registration, visited_on), one row each
    on_ph = v("on")
    inner = f"""
      SELECT w.rid, w.person_id, w.region_code, w.disease_code,
             CASE WHEN (NOT w.alive) OR (w.death_date IS NOT NULL AND w.death_date <= {v('cut')})
                  THEN 1 ELSE 0 END AS deceased,
             CASE WHEN a.n >= 1 THEN 1 ELSE 0 END AS managed,
             CASE WHEN a.rid IS NOT NULL AND {standard} THEN 1 ELSE 0 END AS standard,
             CASE WHEN {controlled} THEN 1 ELSE 0 END AS controlled,
             CASE WHEN (w.ended_on IS NULL OR w.ended_on >= {v('on')}) AND w.alive
                       AND (w.death_date IS NULL OR w.death_date > {v('on')}) THEN 1 ELSE 0 END
               AS active,
             COALESCE(a.n, 0) AS visits, COALESCE(a.n_f2f, 0) AS face_to_face,
             {required} AS required, a.last_on AS latest_visit_on,
             COALESCE(CASE WHEN a.rid IS NOT NULL AND w.vend >= {v('on')} THEN a.lv_next_visit_on
                      ELSE (SELECT f2.next_visit_on FROM {fu} f2
                            WHERE f2.registration_id = w.rid AND f2.visited_on <= {v('on')}
                            ORDER BY f2.visited_on DESC, f2.id DESC LIMIT 1) END,
                      w.registered_on) AS due_on
      FROM win w
      LEFT JOIN agg a ON a.rid = w.rid"""
    select = f"""
      SELECT x.rid, x.person_id, x.region_code, x.disease_code, x.deceased, x.managed,
             x.standard, x.controlled,
             CASE WHEN x.active = 1 AND x.due_on < {on_ph} THEN 1 ELSE 0 END AS overdue,
             x.visits, x.face_to_face, x.required, x.latest_visit_on, x.due_on
      FROM ({inner}) x"""
    sql = ("WITH " + ",\n".join([sql_std, sql_base, sql_reg, sql_win, sql_vis, sql_agg])
           + select)
    return sql, params


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _fetch(sql: str, params: list) -> list[tuple]:
    """Run the query; on PostgreSQL with the memory to sort the year's visits without disk."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL work_mem = '64MB'")
            cur.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        cur.execute(sql, params)
        return cur.fetchall()


def status_rows(registrations: QuerySet[ChronicRegistration], *, year: int,
                on: dt.date | None = None) -> list[Status]:
    """Every registration of `registrations` that counts in `year`, with its status (one
    query; ordered by registration)."""
    sql, params = status_sql(registrations, year=year, on=on)
    rows = _fetch(sql + " ORDER BY 1", params)
    return [Status(registration_id=r[0], person_id=r[1], region_code=r[2], disease_code=r[3],
                   deceased=bool(r[4]), managed=bool(r[5]), standard=bool(r[6]),
                   controlled=bool(r[7]), overdue=bool(r[8]), visits=int(r[9]),
                   face_to_face=int(r[10]), required=int(r[11]),
                   latest_visit_on=_date(r[12]), due_on=_date(r[13])) for r in rows]


# the management rates by region (`management_rates`) and the status on many days as masks
# (decision 103, `management_arrays`), read by other apps through this public module
from .management_arrays import status_masks, write_masks  # noqa: E402,F401
from .management_rates import Rates, rates_by_region  # noqa: E402,F401
