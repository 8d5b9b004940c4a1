"""`jkfp.bulkrebuild` (decision 92): a table receiving more rows than it holds loses its
secondary indexes and foreign keys for the insert and gets the same ones back, validated;
a table holding as many rows or more, an insert below the floor, a lock not had in time and
SQLite keep them in place."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from jkfp import bulkrebuild
from jkfp.exchange.models import Batch, Change

TABLE = Change._meta.db_table


def _catalog(table: str) -> tuple[list, list]:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indrelid = %s::regclass ORDER BY 1", [table])
        indexes = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass ORDER BY 1", [table])
        return indexes, cur.fetchall()


def _batch(user) -> Batch:
    return Batch.objects.create(kind="insurance_settlements", file_name="x.csv", file_sha256="0",
                                region_code="640323", created_by=user)


def _change(batch_id: int, n: int = 1) -> None:
    Change.objects.bulk_create([Change(batch_id=batch_id, line=i, model="m", object_id=i,
                                       action="create") for i in range(n)])


@pytest.mark.django_db
@pytest.mark.postgresql
def test_a_small_table_is_rebuilt_with_the_same_indexes_and_keys(users):
    before = _catalog(TABLE)
    batch = _batch(users["county"])
    with transaction.atomic():
        with bulkrebuild.rebuilt([TABLE], 10, min_rows=1) as dropped:
            assert dropped == [TABLE]
            indexes, constraints = _catalog(TABLE)
            assert len(indexes) == 1  # the primary key only
            assert not [c for c in constraints if c[1].startswith("FOREIGN KEY")]
            _change(batch.pk, 10)
        assert _catalog(TABLE) == before
    assert Change.objects.filter(batch=batch).count() == 10


@pytest.mark.django_db
@pytest.mark.postgresql
def test_the_foreign_key_created_again_checks_the_rows_written_without_it(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        with bulkrebuild.rebuilt([TABLE], 5, min_rows=1) as dropped:
            assert dropped == [TABLE]
            _change(10**9, 5)  # no such batch


@pytest.mark.django_db
@pytest.mark.postgresql
def test_a_table_holding_as_many_rows_or_a_small_insert_keeps_its_indexes(users):
    before = _catalog(TABLE)
    batch = _batch(users["county"])
    _change(batch.pk, 3)
    with transaction.atomic():
        with bulkrebuild.rebuilt([TABLE], 3, min_rows=1) as dropped:  # holds 3: not fewer
            assert dropped == [] and _catalog(TABLE) == before
        with bulkrebuild.rebuilt([TABLE], 4, min_rows=5) as dropped:  # below the floor
            assert dropped == [] and _catalog(TABLE) == before
        with bulkrebuild.rebuilt([TABLE], 4, min_rows=1) as dropped:  # holds fewer than 4
            assert dropped == [TABLE]
        assert _catalog(TABLE) == before


@pytest.mark.django_db
@pytest.mark.postgresql
def test_a_lock_not_had_in_time_drops_nothing(users, monkeypatch):
    """Another session reading the table: the rows go in with the indexes in place."""
    monkeypatch.setattr(bulkrebuild, "LOCK_TIMEOUT", "200ms")
    before = _catalog(TABLE)
    s = connection.settings_dict
    other = psycopg.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"],
                            port=s["PORT"] or 5432, password=s["PASSWORD"] or None)
    try:
        other.execute(f"LOCK TABLE {TABLE} IN ACCESS SHARE MODE")
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SHOW lock_timeout")
                (timeout,) = cur.fetchone()
            with bulkrebuild.rebuilt([TABLE], 10, min_rows=1) as dropped:
                assert dropped == []
                assert _catalog(TABLE) == before
                with connection.cursor() as cur:
                    cur.execute("SHOW lock_timeout")
                    assert cur.fetchone()[0] == timeout  # the savepoint put it back
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db
def test_the_usual_path_on_sqlite_or_below_the_floor(users, settings):
    settings.JKFP_BULK_REBUILD_MIN_ROWS = 1000
    batch = _batch(users["county"])
    with transaction.atomic():
        with bulkrebuild.rebuilt([TABLE], 10) as dropped:
            assert dropped == []
            _change(batch.pk, 10)
    if connection.vendor == "sqlite":
        with transaction.atomic(), bulkrebuild.rebuilt([TABLE], 10, min_rows=1) as dropped:
            assert dropped == []
