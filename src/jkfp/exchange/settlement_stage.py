"""The set-based path of a settlement batch (kind `insurance_settlements`, decision 76).

The rows of a settlement list that have no error, lie in the user's county and are linked by
their ID number (`linkage.link` status `exact`) are most of a list, and all alike: they are
kept in `SettlementStage` (typed columns, one `COPY` at the check; a `BatchRow` with its JSON
per row was most of a large list's check and apply), planned by one SQL statement (the plan
of `settlements.plan_settlements`: ignored when the person has left the scope or when the row
repeats an earlier one, unchanged when the record is already held, else created and tied to
jkfp's own stay of the same dates) and written by `INSERT … SELECT` with its provenance
(`Change` rows) at the apply. The same SQL runs on PostgreSQL and SQLite; only the loading
(COPY / executemany), the reservation of the record ids (sequence / max id) and the JSON of
the provenance differ. The other rows of the batch stay `BatchRow`s, planned as before.
"""

from __future__ import annotations

import io

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.registry.selectors import person_scope
from jkfp.settlement.models import ExternalSettlement, HospitalStay, VisitType

from .models import Batch, Change, RowStatus, SettlementStage
from .settlements import AMOUNT_FIELDS, MODEL, NOT_HELD, dup_reason, number_reason

STAGE = SettlementStage._meta.db_table
RECORDS = ExternalSettlement._meta.db_table
_FUNDS = ("basic", "critical", "assistance", "other_fund")
TEXT = ("record_number", "insurance_type", "person_type", "visit_type", "institution_name",
        "location")
#: the stage's columns as the check writes them (the plan's columns keep their defaults)
COLUMNS = ("batch_id", "line", "person_id", "name", "id_number", *TEXT, "hospital_grade",
           "admission_date", "discharge_date", *AMOUNT_FIELDS.values(), "status", "reason",
           "record_id")
#: the record's columns copied from the stage
RECORD_COLUMNS = (*TEXT, "hospital_grade", "admission_date", "discharge_date",
                  *AMOUNT_FIELDS.values(), "stay_id")
KEY = ("person_id", "visit_type", "institution_name", "admission_date", "discharge_date",
       "total_fen")


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _sql(qs: QuerySet, *columns: str) -> tuple[str, list]:
    """The SQL of a scoped queryset's `columns` (a scope that sees nothing: no rows)."""
    try:
        sql, params = qs.order_by().values_list(*columns).query.sql_with_params()
    except EmptyResultSet:
        return f"SELECT {', '.join('NULL AS ' + c for c in columns)} WHERE 1 = 0", []
    return sql, list(params)


# ---------------------------------------------------------------- check
def stage_frame(good: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """The rows of `good` (checked, no error, in the county) that `links` links by their ID
    number, as the stage's columns (the values `settlements.record_values` gives a row)."""
    exact = links.filter(pl.col("status") == "exact").select(
        pl.col("row").alias("_line"), "person_id")
    rows = good.join(exact, on="_line", how="inner")
    has = set(rows.columns)

    def col(name: str, default):
        return pl.col(name) if name in has else pl.lit(default)

    amounts = {model: col(name, None).cast(pl.Int64).fill_null(0)
               for name, model in AMOUNT_FIELDS.items()}
    parts = pl.sum_horizontal([amounts[AMOUNT_FIELDS[f]] for f in _FUNDS])
    if "fund_total" in has:
        amounts["fund_total_fen"] = pl.col("fund_total").cast(pl.Int64).fill_null(parts)
    else:
        amounts["fund_total_fen"] = parts
    grade = col("hospital_grade", None).cast(pl.String)
    return rows.select(
        pl.lit(0, dtype=pl.Int64).alias("batch_id"),
        pl.col("_line").cast(pl.Int64).alias("line"),
        pl.col("person_id").cast(pl.Int64),
        col("name", "").cast(pl.String).fill_null(""),
        col("id_number", "").cast(pl.String).fill_null(""),
        *(col(src, "").cast(pl.String).fill_null("").alias(name) for name, src in (
            ("record_number", "record_number"), ("insurance_type", "insurance_type"),
            ("person_type", "person_type"), ("visit_type", "visit_type"),
            ("institution_name", "institution"), ("location", "location"))),
        pl.when(grade == "").then(None).otherwise(grade).cast(pl.Int16).alias("hospital_grade"),
        pl.col("admission_date"),
        pl.col("discharge_date"),
        *(expr.alias(model) for model, expr in amounts.items()),
    ).with_columns(pl.col("institution_name").str.slice(0, 100)).sort("line")


def stage_write(*, batch: Batch, frame: pl.DataFrame) -> int:
    """Store the staged rows of `batch` (status `created` until planned); on PostgreSQL one
    `COPY` with the ids their records would get reserved from the records' sequence."""
    if frame.is_empty():
        return 0
    frame = frame.with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
                               pl.lit(RowStatus.CREATED.value).alias("status"),
                               pl.lit("").alias("reason"))
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cur:
        if _pg():
            ids = _reserve_ids(cur, frame.height)
            buf = io.BytesIO()
            frame.with_columns(ids).select(COLUMNS).write_csv(
                buf, include_header=False, quote_style="non_numeric")
            with cur.cursor.copy(f"COPY {STAGE} ({cols}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(buf.getvalue())
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            data = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("record_id"))
            cur.executemany(f"INSERT INTO {STAGE} ({cols}) VALUES ({marks})",
                            data.select(COLUMNS).rows())
    return frame.height


def _reserve_ids(cur, n: int) -> pl.Series:
    """`n` ids from the records' sequence, in order (decision 87): the server reserves them and
    returns only the first, the last and the count; fetching the million ids one row each was
    5 s of a 1,000,000-row check. Ids taken by another session meanwhile make the range not
    contiguous: then the ids are fetched one by one, as before (the unused ones are a gap)."""
    seq = f"pg_get_serial_sequence('{RECORDS}', 'id')"
    cur.execute(f"SELECT MIN(v), MAX(v), COUNT(*) FROM (SELECT nextval({seq}) AS v "
                "FROM generate_series(1, %s)) r", [n])
    first, last, count = cur.fetchone()
    if count == n and last - first + 1 == n:
        return pl.int_range(first, last + 1, dtype=pl.Int64, eager=True).alias("record_id")
    cur.execute(f"SELECT nextval({seq}) FROM generate_series(1, %s)", [n])
    return pl.Series("record_id", [r[0] for r in cur.fetchall()], dtype=pl.Int64)


def _set_based(cur) -> None:
    """For the stage's statements on PostgreSQL, for the rest of the import's transaction: no
    JIT (its compilation was 4.7 s of a 13.5 s plan at 100,000 rows, chosen for the cost
    estimates of tables just written and not yet analysed) and no nested loops (with those
    estimates — a stage or records table "of one row" — the planner chose nested loops over
    100,000 held records × 100,000 staged rows: a re-import of an applied file ran for over
    nine minutes). Decision 87."""
    if _pg():
        cur.execute("SELECT set_config('jit', 'off', true), "
                    "set_config('enable_nestloop', 'off', true)")


def _differs(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if _pg() else f"{a} IS NOT {b}"


def stage_plan(*, user: User, batch: Batch) -> None:
    """Plan the staged rows against the records held and the registry as they are now (one
    `UPDATE … FROM`; only rows whose plan changes are written)."""
    persons, p_params = _sql(person_scope(user=user), "pk", "region_code")
    held, h_params = _sql(scoped(ExternalSettlement.objects.filter(voided_at__isnull=True), user),
                          "pk", "record_number", *KEY)
    stays, st_params = _sql(scoped(HospitalStay.objects.all(), user),
                            "pk", "person_id", "admission_date", "discharge_date")
    key_eq = " AND ".join(f"k.{c} = s.{c}" for c in KEY)
    key_cols = ", ".join(KEY)
    sql = f"""
    WITH s AS (SELECT id, line, record_number, {key_cols}, status, reason, first_line, stay_id
               FROM {STAGE} WHERE batch_id = %s),
    p (id, region_code) AS ({persons}),
    h (id, record_number, {key_cols}) AS ({held}),
    st (id, person_id, admission_date, discharge_date) AS ({stays}),
    sp AS (SELECT s.id, MIN(s.line) OVER (PARTITION BY {", ".join("s." + c for c in KEY)})
                  AS first FROM s JOIN p ON p.id = s.person_id),
    fp AS (SELECT DISTINCT s.person_id FROM s JOIN p ON p.id = s.person_id),
    hn AS (SELECT DISTINCT h.record_number FROM h JOIN fp ON fp.person_id = h.person_id
           WHERE h.record_number <> ''),
    hnk AS (SELECT DISTINCT record_number, {key_cols} FROM h WHERE record_number <> ''),
    hk AS (SELECT DISTINCT {key_cols} FROM h),
    sk AS (SELECT person_id, admission_date, discharge_date, MIN(id) AS stay_id FROM st
           GROUP BY person_id, admission_date, discharge_date),
    decided AS (
      SELECT s.id, sp.first, sk.stay_id AS stay,
        CASE WHEN sp.id IS NULL THEN 'x'
             WHEN s.record_number = '' AND sp.first < s.line THEN 'd'
             WHEN s.record_number <> '' AND hn.record_number IS NOT NULL
               THEN CASE WHEN nk.record_number IS NOT NULL THEN 'u' ELSE 'n' END
             WHEN k.person_id IS NOT NULL THEN 'u'
             ELSE 'c' END AS how,
        s.status, s.reason, s.first_line, s.stay_id, s.record_number
      FROM s
      LEFT JOIN sp ON sp.id = s.id
      LEFT JOIN hn ON hn.record_number = s.record_number
      LEFT JOIN hnk nk ON nk.record_number = s.record_number
           AND {key_eq.replace("k.", "nk.")}
      LEFT JOIN hk k ON {key_eq}
      LEFT JOIN sk ON sk.person_id = s.person_id AND sk.admission_date = s.admission_date
           AND sk.discharge_date = s.discharge_date AND s.visit_type = %s
    ),
    planned AS (
      SELECT id,
        CASE how WHEN 'c' THEN %s WHEN 'u' THEN %s ELSE %s END AS status,
        CASE how WHEN 'x' THEN %s
                 WHEN 'd' THEN %s || CAST(first AS TEXT) || %s
                 WHEN 'n' THEN %s || record_number || %s
                 ELSE '' END AS reason,
        CASE WHEN how = 'd' THEN first END AS first_line,
        CASE WHEN how = 'c' THEN stay END AS stay_id,
        status AS old_status, reason AS old_reason, first_line AS old_first,
        stay_id AS old_stay
      FROM decided
    )
    UPDATE {STAGE} SET status = planned.status, reason = planned.reason,
           first_line = planned.first_line, stay_id = planned.stay_id
    FROM planned
    WHERE {STAGE}.id = planned.id AND (planned.status <> planned.old_status
           OR planned.reason <> planned.old_reason
           OR {_differs("planned.first_line", "planned.old_first")}
           OR {_differs("planned.stay_id", "planned.old_stay")})
    """
    dup_head, dup_tail = dup_reason("{}").split("{}")
    num_head, num_tail = number_reason("{}").split("{}")
    params = [batch.pk, *p_params, *h_params, *st_params, VisitType.INPATIENT.value,
              RowStatus.CREATED.value, RowStatus.UNCHANGED.value, RowStatus.IGNORED.value,
              NOT_HELD, dup_head, dup_tail, num_head, num_tail]
    with connection.cursor() as cur:
        _set_based(cur)
        cur.execute(sql, params)


def stage_counts(batch_id: int) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT status, COUNT(*) FROM {STAGE} WHERE batch_id = %s GROUP BY status",
                    [batch_id])
        return dict(cur.fetchall())


# ---------------------------------------------------------------- apply
def stage_apply(*, user: User, batch: Batch) -> dict[str, int]:
    """Plan the staged rows again (the registry or the records may have changed since the
    check), then write the `created` ones as records of the batch, with one `Change` each.
    Runs inside the apply's transaction."""
    stage_plan(user=user, batch=batch)
    created = RowStatus.CREATED.value
    persons, p_params = _sql(person_scope(user=user), "pk", "region_code")
    with connection.cursor() as cur:
        _set_based(cur)
        if not _pg():  # no sequence: the ids after the largest held
            cur.execute(
                f"""UPDATE {STAGE} SET record_id = r.base + r.n FROM (
                      SELECT id, ROW_NUMBER() OVER (ORDER BY line) AS n,
                             (SELECT COALESCE(MAX(id), 0) FROM {RECORDS}) AS base
                      FROM {STAGE} WHERE batch_id = %s AND status = %s) r
                    WHERE {STAGE}.id = r.id""", [batch.pk, created])
        cols = ", ".join(RECORD_COLUMNS)
        cur.execute(
            f"""WITH p (id, region_code) AS ({persons})
                INSERT INTO {RECORDS} (id, person_id, region_code, county_code, {cols},
                                       batch_id, created_at, voided_at)
                SELECT s.record_id, s.person_id, p.region_code, SUBSTR(p.region_code, 1, 6),
                       {", ".join("s." + c for c in RECORD_COLUMNS)}, %s, %s, NULL
                FROM {STAGE} s JOIN p ON p.id = s.person_id
                WHERE s.batch_id = %s AND s.status = %s ORDER BY s.line""",
            [*p_params, batch.pk, timezone.now(), batch.pk, created])
        after = ("jsonb_build_object('record_number', s.record_number, 'stay_id', s.stay_id)"
                 if _pg() else "json_object('record_number', s.record_number, 'stay_id', s.stay_id)")
        empty = "'{}'::jsonb" if _pg() else "'{}'"
        cur.execute(
            f"""INSERT INTO {Change._meta.db_table}
                       (batch_id, line, model, object_id, action, before, after, undone)
                SELECT %s, s.line, %s, s.record_id, %s, {empty}, {after}, %s
                FROM {STAGE} s WHERE s.batch_id = %s AND s.status = %s ORDER BY s.line""",
            [batch.pk, MODEL, Change.Action.CREATE.value, False, batch.pk, created])
        # the three counts in one scan of the batch's stage
        cur.execute(f"SELECT COALESCE(SUM(CASE WHEN status = %s THEN 1 ELSE 0 END), 0), "
                    f"COALESCE(SUM(CASE WHEN status = %s AND stay_id IS NOT NULL "
                    f"THEN 1 ELSE 0 END), 0), COUNT(*) FROM {STAGE} WHERE batch_id = %s",
                    [created, created, batch.pk])
        n, linked, rows = cur.fetchone()
    return {"created": n, "linked": linked, "rows": rows}
