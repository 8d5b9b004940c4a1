"""The set-based path of a settlement batch (kind `insurance_settlements`, decision 76).

The rows of a settlement list that have no error, lie in the user's county and are linked by
their ID number (`linkage.link` status `exact`) are most of a list, and all alike: they are
kept in `SettlementStage` (typed columns, one `COPY` at the check; a `BatchRow` with its JSON
per row was most of a large list's check and apply), planned by one SQL statement (the plan
of `settlements.plan_settlements`: ignored when the person has left the scope or when the row
repeats an earlier one, unchanged when the record is already held, else created and tied to
jkfp's own stay of the same dates) and written by `INSERT … SELECT` at the apply, each record
carrying its batch and line as its provenance (decision 98). The same SQL runs on PostgreSQL
and SQLite; only the loading (COPY / executemany) and the reservation of the record ids
(sequence / max id) differ. The other rows of the batch stay `BatchRow`s, planned as before.
"""

from __future__ import annotations

import io

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from jkfp import bulkrebuild
from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.registry.selectors import person_scope
from jkfp.settlement.models import ExternalSettlement, HospitalStay, VisitType

from .models import Batch, RowStatus, SettlementStage
from .settlements import AMOUNT_FIELDS, NOT_HELD, dup_reason, number_reason

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
#: from this many staged rows on, the stage's statistics are gathered after the COPY
ANALYZE_ROWS = 10_000
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


def stage_write(*, batch: Batch, frame: pl.DataFrame, ids: pl.Series | None = None) -> int:
    """Store the staged rows of `batch` (status `created` until planned); on PostgreSQL one
    `COPY` with the ids their records would get (`ids`, from `stage_reserve`, or reserved
    here)."""
    if frame.is_empty():
        return 0
    frame = frame.with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
                               pl.lit(RowStatus.CREATED.value).alias("status"),
                               pl.lit("").alias("reason"))
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cur:
        if _pg():
            ids = _reserve_ids(cur, frame.height) if ids is None else ids
            buf = io.BytesIO()
            frame.with_columns(ids.alias("record_id")).select(COLUMNS).write_csv(
                buf, include_header=False, quote_style="non_numeric")
            with cur.cursor.copy(f"COPY {STAGE} ({cols}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(buf.getvalue())
            if frame.height >= ANALYZE_ROWS:
                # the plan's joins are sized by these statistics: without them the stage
                # looks like one row and a million staged rows were hashed at every join
                cur.execute(f"ANALYZE {STAGE}")
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            data = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("record_id"))
            cur.executemany(f"INSERT INTO {STAGE} ({cols}) VALUES ({marks})",
                            data.select(COLUMNS).rows())
    return frame.height


def stage_reserve(n: int) -> pl.Series | None:
    """The ids of `n` records, reserved in a transaction of their own before the check's
    (the lock `_reserve_ids` takes on the records' sequence is then held for milliseconds);
    None on SQLite (the records are numbered at the apply) or when there is nothing to
    stage. Ids of a check that fails are a gap, as any unused ids of a sequence."""
    if not _pg() or n == 0:
        return None
    with transaction.atomic(), connection.cursor() as cur:
        return _reserve_ids(cur, n)


def _reserve_ids(cur, n: int) -> pl.Series:
    """`n` consecutive ids from the records' sequence (decisions 87, 92): `ALTER SEQUENCE`
    (which changes nothing) takes the lock that `nextval` waits for, so between its
    `nextval` and `setval` no other session takes an id; one call each instead of `nextval`
    a million times (4.3-4.5 s at 1,000,000 rows). The lock lasts until the transaction ends
    (`stage_reserve` keeps that short). Without the right to alter the sequence (not its
    owner) or when the lock is not had within 2 s, the ids are taken by `nextval` one by one,
    as before."""
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id'), current_setting('lock_timeout')",
                [RECORDS])
    seq, timeout = cur.fetchone()
    try:
        with transaction.atomic():  # a savepoint: a lock not had within 2 s changes nothing
            # (an open transaction that took ids, e.g. an apply, holds the lock it waits for)
            cur.execute("SELECT set_config('lock_timeout', '2s', true)")
            cur.execute(f"ALTER SEQUENCE {seq} INCREMENT BY 1")
            cur.execute("SELECT setval(%s, nextval(%s) + %s - 1) - %s + 1", [seq, seq, n, n])
            (first,) = cur.fetchone()
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
        return pl.int_range(first, first + n, dtype=pl.Int64, eager=True).alias("record_id")
    except DatabaseError:
        pass
    cur.execute("SELECT MIN(v), MAX(v), COUNT(*) FROM (SELECT nextval(%s) AS v "
                "FROM generate_series(1, %s)) r", [seq, n])
    first, last, count = cur.fetchone()
    if count == n and last - first + 1 == n:
        return pl.int_range(first, last + 1, dtype=pl.Int64, eager=True).alias("record_id")
    cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq, n])
    return pl.Series("record_id", [r[0] for r in cur.fetchall()], dtype=pl.Int64)


def _set_based(cur) -> None:
    """For the stage's statements on PostgreSQL, for the rest of the import's transaction: no
    JIT (its compilation was 4.7 s of a 13.5 s plan at 100,000 rows, chosen for the cost
    estimates of tables just written and not yet analysed) and no nested loops (with those
    estimates — a stage or records table "of one row" — the planner chose nested loops over
    100,000 held records × 100,000 staged rows: a re-import of an applied file ran for over
    nine minutes), decision 87; no merge joins either, and 64 MB of `work_mem`, so that every
    join of the plan is a hash join in memory (decision 92)."""
    if _pg():
        cur.execute("SELECT set_config('jit', 'off', true), "
                    "set_config('enable_nestloop', 'off', true), "
                    "set_config('enable_mergejoin', 'off', true), "
                    "set_config('work_mem', '64MB', true)")


def _differs(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if _pg() else f"{a} IS NOT {b}"


def stage_plan(*, user: User, batch: Batch) -> None:
    """Plan the staged rows against the records held and the registry as they are now (one
    `UPDATE … FROM`; only rows whose plan changes are written). One scan of the batch's
    stage with a hash join per rule (decision 92): the earlier row of the same content is
    looked for only among the rows whose content a row without a settlement number shares
    (a `GROUP BY`, not a window sorted over every row), and the rows whose plan is unchanged
    are left out before the `UPDATE` joins the stage."""
    persons, p_params = _sql(person_scope(user=user), "pk", "region_code")
    held, h_params = _sql(scoped(ExternalSettlement.objects.filter(voided_at__isnull=True), user),
                          "pk", "record_number", *KEY)
    stays, st_params = _sql(scoped(HospitalStay.objects.all(), user),
                            "pk", "person_id", "admission_date", "discharge_date")
    key_eq = " AND ".join(f"k.{c} = s.{c}" for c in KEY)
    key_cols = ", ".join(KEY)
    mat = "MATERIALIZED " if _pg() else ""
    sql = f"""
    WITH p (id, region_code) AS ({persons}),
    h (id, record_number, {key_cols}) AS ({held}),
    st (id, person_id, admission_date, discharge_date) AS ({stays}),
    sn AS (SELECT DISTINCT record_number FROM {STAGE}
           WHERE batch_id = %s AND record_number <> ''),
    hs AS {mat}(SELECT h.* FROM h JOIN sn ON sn.record_number = h.record_number),
    hn AS (SELECT DISTINCT hs.record_number FROM hs
           WHERE hs.person_id IN (
                 SELECT s.person_id FROM {STAGE} s JOIN p ON p.id = s.person_id
                 WHERE s.batch_id = %s)),
    hnk AS (SELECT DISTINCT record_number, {key_cols} FROM hs),
    hk AS (SELECT DISTINCT {key_cols} FROM h WHERE h.discharge_date BETWEEN
             (SELECT MIN(discharge_date) FROM {STAGE} WHERE batch_id = %s)
             AND (SELECT MAX(discharge_date) FROM {STAGE} WHERE batch_id = %s)),
    sk AS (SELECT person_id, admission_date, discharge_date, MIN(id) AS stay_id FROM st
           GROUP BY person_id, admission_date, discharge_date),
    dk AS (SELECT {", ".join("s." + c for c in KEY)}, MIN(s.line) AS first
           FROM {STAGE} s JOIN p ON p.id = s.person_id
           WHERE s.batch_id = %s AND ({key_cols}) IN (
                 SELECT {key_cols} FROM {STAGE} WHERE batch_id = %s AND record_number = '')
           GROUP BY {", ".join("s." + c for c in KEY)}),
    decided AS (
      SELECT s.id, d.first, sk.stay_id AS stay,
        CASE WHEN p.id IS NULL THEN 'x'
             WHEN s.record_number = '' AND d.first < s.line THEN 'd'
             WHEN s.record_number <> '' AND hn.record_number IS NOT NULL
               THEN CASE WHEN nk.record_number IS NOT NULL THEN 'u' ELSE 'n' END
             WHEN k.person_id IS NOT NULL THEN 'u'
             ELSE 'c' END AS how,
        s.status, s.reason, s.first_line, s.stay_id, s.record_number
      FROM {STAGE} s
      LEFT JOIN p ON p.id = s.person_id
      LEFT JOIN dk d ON s.record_number = '' AND {key_eq.replace("k.", "d.")}
      LEFT JOIN hn ON hn.record_number = s.record_number
      LEFT JOIN hnk nk ON nk.record_number = s.record_number
           AND {key_eq.replace("k.", "nk.")}
      LEFT JOIN hk k ON {key_eq}
      LEFT JOIN sk ON sk.person_id = s.person_id AND sk.admission_date = s.admission_date
           AND sk.discharge_date = s.discharge_date AND s.visit_type = %s
      WHERE s.batch_id = %s
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
    ),
    moved AS {mat}(
      SELECT * FROM planned WHERE status <> old_status OR reason <> old_reason
             OR {_differs("first_line", "old_first")} OR {_differs("stay_id", "old_stay")}
    )
    UPDATE {STAGE} SET status = moved.status, reason = moved.reason,
           first_line = moved.first_line, stay_id = moved.stay_id
    FROM moved
    WHERE {STAGE}.id = moved.id AND {STAGE}.batch_id = %s
    """
    dup_head, dup_tail = dup_reason("{}").split("{}")
    num_head, num_tail = number_reason("{}").split("{}")
    params = [*p_params, *h_params, *st_params, batch.pk, batch.pk, batch.pk, batch.pk,
              batch.pk, batch.pk, VisitType.INPATIENT.value, batch.pk,
              RowStatus.CREATED.value, RowStatus.UNCHANGED.value, RowStatus.IGNORED.value,
              NOT_HELD, dup_head, dup_tail, num_head, num_tail, batch.pk]
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
    check), then write the `created` ones as records of the batch, each carrying its batch
    and line (its provenance: no `Change` row per record, decision 98). Runs inside the
    apply's transaction. When the records' table holds fewer rows than are written, its
    indexes and foreign keys are dropped before and created again after (`bulkrebuild`,
    decision 92)."""
    stage_plan(user=user, batch=batch)
    created = RowStatus.CREATED.value
    persons, p_params = _sql(person_scope(user=user), "pk", "region_code")
    with connection.cursor() as cur:
        _set_based(cur)
        # the three counts in one scan of the batch's stage
        cur.execute(f"SELECT COALESCE(SUM(CASE WHEN status = %s THEN 1 ELSE 0 END), 0), "
                    f"COALESCE(SUM(CASE WHEN status = %s AND stay_id IS NOT NULL "
                    f"THEN 1 ELSE 0 END), 0), COUNT(*) FROM {STAGE} WHERE batch_id = %s",
                    [created, created, batch.pk])
        n, linked, rows = cur.fetchone()
        if not _pg():  # no sequence: the ids after the largest held
            cur.execute(
                f"""UPDATE {STAGE} SET record_id = r.base + r.n FROM (
                      SELECT id, ROW_NUMBER() OVER (ORDER BY line) AS n,
                             (SELECT COALESCE(MAX(id), 0) FROM {RECORDS}) AS base
                      FROM {STAGE} WHERE batch_id = %s AND status = %s) r
                    WHERE {STAGE}.id = r.id""", [batch.pk, created])
        cols = ", ".join(RECORD_COLUMNS)
        with bulkrebuild.rebuilt([RECORDS], n):
            # (no ORDER BY: the ids were given in line order; a sort of a million rows was
            # seconds of the statement)
            cur.execute(
                f"""WITH p (id, region_code) AS ({persons})
                    INSERT INTO {RECORDS} (id, person_id, region_code, county_code, {cols},
                                           batch_id, batch_line, created_at, voided_at)
                    SELECT s.record_id, s.person_id, p.region_code, SUBSTR(p.region_code, 1, 6),
                           {", ".join("s." + c for c in RECORD_COLUMNS)}, %s, s.line, %s, NULL
                    FROM {STAGE} s JOIN p ON p.id = s.person_id
                    WHERE s.batch_id = %s AND s.status = %s""",
                [*p_params, batch.pk, timezone.now(), batch.pk, created])
    return {"created": n, "linked": linked, "rows": rows}
