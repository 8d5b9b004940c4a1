"""The management status of many registrations on several dates of one year, as bit masks
computed in NumPy (decision 103), where a windowed SQL query (decision 72b) ordered every
registration's cuts and visits.

The indicators read the status of each registration on each month's last day of a year: for
1,000,000 persons about 100,000 registrations × 12 cuts and 300,000 visits. The set-based
query orders and runs its aggregates over all 1,500,000 rows (decision 91; a refresh's
111,000 persons: 490 ms of its 2.4 s). Here the database sends the registrations and the
year's visits once, each a row of small integers (dates as day numbers), and NumPy counts
the visits of each registration up to each cut: one vectorised pass per cut and disease.

The definition is `management`'s (the module docstring): `tests/contracts/
test_management_arrays.py` keeps the masks equal to `management.status_rows` run once per
day, on both databases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import Person

from . import standards
from .management import FACE_TO_FACE
from .models import FollowUp

NONE = 10_000_000   # a day number after any date (an empty date: no end, no death)
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Masks:
    """One entry per registration counted on at least one cut: bit `1 << i` of `cm` when it
    counts at cut i (registered by the cut, its window not empty, its disease with a
    standard), of `lm` when the person is not deceased at cut i, of `mm` when managed, of
    `sm` when managed to the standard (these three only where it counts)."""
    rid: np.ndarray
    person_id: np.ndarray
    disease_code: list[str]
    lm: np.ndarray
    mm: np.ndarray
    sm: np.ndarray
    cm: np.ndarray

    def rows(self):
        for i in range(len(self.rid)):
            yield (int(self.rid[i]), int(self.person_id[i]), self.disease_code[i],
                   int(self.lm[i]), int(self.mm[i]), int(self.sm[i]))


def _days(column: str) -> str:
    """SQL: the day number (days since 1970-01-01) of a date column, NONE for NULL."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column} - DATE '1970-01-01', {NONE})"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), {NONE})"


def _fetch(cur, sql: str, params: list, width: int) -> np.ndarray:
    """The integer rows of a query as an (n, width) int64 array, read in chunks."""
    cur.execute(sql, params)
    parts = []
    while rows := cur.fetchmany(100_000):
        parts.append(np.array(rows, dtype=np.int64).reshape(-1, width))
    return np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.int64)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    return y, m, (d - months.astype("datetime64[D]")).astype(np.int64) + 1


def _gap_exceeds(a: tuple, b: tuple, months: int) -> np.ndarray:
    """`standards.gap_exceeds` on arrays of (year, month, day)."""
    diff = (b[0] - a[0]) * 12 + b[1] - a[1]
    return (diff > months) | ((diff == months) & (b[2] > a[2]))


def status_masks(cur, registrations: QuerySet[ChronicRegistration] | None, *, year: int,
                 ends: list[dt.date], persons: str | None = None,
                 table: str | None = None) -> Masks:
    """The masks of the registrations of `registrations` (None: every one) at the cuts
    `ends` (dates of `year`; the cut is the earlier of the date and 31 December). `persons`,
    a table of persons (id, alive, death_date), is read instead of the person table and
    limits the registrations to its persons; `table`, a table of registrations (id,
    person_id, disease_code, registered_on, ended_on), instead of the registration table (a
    refresh's few, analysed)."""
    ys, ye = dt.date(year, 1, 1), dt.date(year, 12, 31)
    reg = table or ChronicRegistration._meta.db_table
    person = persons or Person._meta.db_table
    base, base_params = "", []
    if registrations is not None:
        base_sql, base_params = registrations.order_by().values("id").query.sql_with_params()
        base = f" AND r.id IN ({base_sql})"
    regs_sql = (f"FROM {reg} r JOIN {person} pe ON pe.id = r.person_id "
                f"WHERE r.registered_on <= %s{base}")
    regs_params = [ye, *base_params]
    codes = list(standards.DISEASES)
    disease = "CASE r.disease_code " + " ".join(
        f"WHEN '{c}' THEN {i}" for i, c in enumerate(codes)) + f" ELSE {len(codes)} END"
    r = _fetch(cur, f"SELECT r.id, r.person_id, {disease}, {_days('r.registered_on')}, "
               f"{_days('r.ended_on')}, CASE WHEN pe.alive THEN 1 ELSE 0 END, "
               f"{_days('pe.death_date')} {regs_sql}", regs_params, 7)
    order = np.argsort(r[:, 0], kind="stable")
    r = r[order]
    rid, pid, dis, reg_on, end_on, alive, death = (r[:, i] for i in range(7))
    d_ys, d_ye = (ys - EPOCH).days, (ye - EPOCH).days
    # the window: from the later of 1 January and the registration, to the earliest of 31
    # December, the end of management (if not after the death) and the death
    wstart = np.maximum(reg_on, d_ys)
    ended = (end_on < d_ye) & ((death == NONE) | (end_on <= death))
    wend = np.where(ended, end_on, np.where(death < d_ye, death, d_ye))

    v = _visits(cur, ys, ye, table=table, restricted=registrations is not None or persons is None,
                regs_sql=regs_sql, regs_params=regs_params)
    n_reg = len(rid)
    at = np.minimum(np.searchsorted(rid, v[:, 0]), max(n_reg - 1, 0))
    keep = np.zeros(len(v), bool)
    if n_reg:
        keep = (rid[at] == v[:, 0]) & (v[:, 2] >= wstart[at]) & (v[:, 2] <= wend[at])
    v, at = v[keep], at[keep]
    order = np.lexsort((v[:, 1], v[:, 2], at))
    v, at = v[order], at[order]
    von, f2f, due, taken = v[:, 2], v[:, 3], v[:, 4], v[:, 5]
    vy = _ymd(von)
    same = np.zeros(len(v), bool)
    same[1:] = at[1:] == at[:-1]
    # the gap key of each visit from the one before, -1 for none: g > 2m exactly when
    # `standards.gap_exceeds(previous, visit, m)` (twice the months between, plus one for a
    # later day), so the largest g up to a cut tells whether any gap exceeds the standard
    g = np.full(len(v), -1, dtype=np.int64)
    if len(v) > 1:
        a = tuple(x[:-1] for x in vy)
        b = tuple(x[1:] for x in vy)
        key = ((b[0] - a[0]) * 12 + b[1] - a[1]) * 2 + (b[2] > a[2])
        g[1:] = np.where(same[1:], key, -1)
    start = np.searchsorted(at, np.arange(n_reg))   # each registration's first visit
    ws = _ymd(wstart)
    months = _ymd(wend)[1] - ws[1] + 1
    # (one more, unused, entry: the index of a registration without visits is len(v))
    vy = tuple(np.append(x, 0) for x in vy)
    first_on = tuple(x[start] for x in vy)
    lm = np.zeros(n_reg, np.int64)
    mm = np.zeros(n_reg, np.int64)
    sm = np.zeros(n_reg, np.int64)
    cm = np.zeros(n_reg, np.int64)
    valid = wstart <= wend
    for i, on in enumerate(ends):
        cut = min(on, ye)
        d_cut = (cut - EPOCH).days
        upto = von <= d_cut
        idx = at[upto]
        n = np.bincount(idx, minlength=n_reg)
        n_f2f = np.bincount(idx, weights=f2f[upto], minlength=n_reg)
        s_due = np.bincount(idx, weights=due[upto], minlength=n_reg)
        s_taken = np.bincount(idx, weights=taken[upto], minlength=n_reg)
        max_g = np.full(n_reg, -1, dtype=np.int64)
        np.maximum.at(max_g, idx, g[upto])
        last = np.where(n > 0, start + n - 1, len(v))
        last_on = tuple(x[last] for x in vy)
        vend = _ymd(np.minimum(wend, d_cut))
        deceased = (alive == 0) | (death <= d_cut)
        row = valid & (reg_on <= d_cut)
        bit = 1 << i
        for k, code in enumerate(codes):
            s = standards.disease_standard(code, on=cut)
            if s is None:
                continue
            here = row & (dis == k)
            cm[here] |= bit
            lm[here & ~deceased] |= bit
            managed = n >= 1
            mm[here & managed] |= bit
            if s.min_visits is None:
                continue
            ok = here & managed & (n_f2f >= (s.min_visits * months + 11) // 12)
            if s.max_gap_months is not None:
                m = s.max_gap_months
                ok &= (max_g <= 2 * m) & ~_gap_exceeds(ws, first_on, m) \
                    & ~_gap_exceeds(last_on, vend, m)
            if s.standard_doses_percent_at_least is not None:
                ok &= (s_due > 0) & (s_taken * 100 >= s.standard_doses_percent_at_least * s_due)
            sm[ok] |= bit
    counted = cm != 0
    return Masks(rid[counted], pid[counted], [codes[k] for k in dis[counted]], lm[counted],
                 mm[counted], sm[counted], cm[counted])


def _visits(cur, ys: dt.date, ye: dt.date, *, table: str | None, restricted: bool,
            regs_sql: str, regs_params: list) -> np.ndarray:
    """The year's visits, a row each: registration, id, day number, face to face (0/1), doses
    due, doses taken. Those of `table`'s registrations; else, when `restricted`, of the
    registrations `regs_sql` selects; else every visit of the year (a table of every person:
    the caller drops those of registrations it does not hold)."""
    f = FollowUp._meta.db_table
    faces = ", ".join(f"'{w}'" for w in FACE_TO_FACE)
    columns = (f"f.registration_id, f.id, {_days('f.visited_on')}, CASE WHEN f.way IN "
               f"({faces}) THEN 1 ELSE 0 END, COALESCE(f.doses_due, 0), "
               "COALESCE(f.doses_taken, 0)")
    year_of = "f.visited_on >= %s AND f.visited_on <= %s"
    pg = connection.vendor == "postgresql"
    if table:
        # a refresh's few registrations: each one's visits through the index (26 ms for
        # 11,147 registrations, where hashing the year's 300,000 visits took 100 ms)
        if pg:
            cur.execute("SET LOCAL enable_hashjoin = off")
            cur.execute("SET LOCAL enable_mergejoin = off")
        v = _fetch(cur, f"SELECT {columns} FROM {table} r JOIN {f} f ON "
                   f"f.registration_id = r.id WHERE {year_of}", [ys, ye], 6)
        if pg:
            cur.execute("SET LOCAL enable_hashjoin = DEFAULT")
            cur.execute("SET LOCAL enable_mergejoin = DEFAULT")
        return v
    if restricted:
        return _fetch(cur, f"SELECT {columns} FROM {f} f WHERE {year_of} AND f.registration_id "
                      f"IN (SELECT r.id {regs_sql})", [ys, ye, *regs_params], 6)
    return _fetch(cur, f"SELECT {columns} FROM {f} f WHERE {year_of}", [ys, ye], 6)


def write_masks(cur, name: str, masks: Masks) -> None:
    """Create the temporary table `name` (rid, person_id, disease_code, lm, mm, sm) holding
    `masks`."""
    cur.execute(f"CREATE TEMP TABLE {name} (rid BIGINT NOT NULL, person_id BIGINT NOT NULL, "
                "disease_code VARCHAR(40) NOT NULL, lm BIGINT NOT NULL, mm BIGINT NOT NULL, "
                "sm BIGINT NOT NULL)")
    cols = "rid, person_id, disease_code, lm, mm, sm"
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {name} ({cols}) FROM STDIN") as cp:
            for row in masks.rows():
                cp.write_row(row)
    else:
        cur.executemany(f"INSERT INTO {name} ({cols}) VALUES (%s, %s, %s, %s, %s, %s)",
                        list(masks.rows()))
