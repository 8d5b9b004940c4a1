"""A backup restored into an empty database gives the same records, on the database the tests
run on (SQLite, or PostgreSQL in CI), through the real commands in a fresh process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import uuid

import pytest
from django.conf import settings


def _jkfp(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from jkfp.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """An environment whose database is migrated and empty: the template both databases of a
    test are copied from (a migration of the whole schema takes 15-30 s; a copy, a second).
    One per test process: a PostgreSQL template may not be copied while another connects."""
    engine = settings.DATABASES["default"]["ENGINE"]
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["SECRET_KEY"] = "backup-test-" + uuid.uuid4().hex  # a server configuration (jkfp.E001)
    if engine.endswith("sqlite3"):
        env = {**base, "JKFP_SQLITE": str(tmp_path_factory.mktemp("backup") / "t.sqlite3")}
        r = _jkfp(env, "migrate", "--noinput", "-v0")
        assert r.returncode == 0, r.stderr
        yield env
        return
    import psycopg

    s = settings.DATABASES["default"]
    name = f"jkfp_backup_{uuid.uuid4().hex[:8]}_template"
    dsn = f"host={s['HOST']} port={s['PORT'] or 5432} user={s['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/"
    try:
        env = {**base, "DATABASE_URL": url + name}
        r = _jkfp(env, "migrate", "--noinput", "-v0")
        assert r.returncode == 0, r.stderr
        yield env
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(migrated, tmp_path):
    """Two fresh, migrated databases of the engine under test: the source and the restore
    target, each a copy of `migrated`'s."""
    if "JKFP_SQLITE" in migrated:
        envs = ({**migrated, "JKFP_SQLITE": str(tmp_path / "a.sqlite3")},
                {**migrated, "JKFP_SQLITE": str(tmp_path / "b.sqlite3")})
        for env in envs:  # the write-ahead log too, where one is left (journal_mode=WAL)
            for suffix in ("", "-wal"):
                if os.path.exists(migrated["JKFP_SQLITE"] + suffix):
                    shutil.copyfile(migrated["JKFP_SQLITE"] + suffix, env["JKFP_SQLITE"] + suffix)
        yield envs
        return
    import psycopg

    s = settings.DATABASES["default"]
    template = migrated["DATABASE_URL"].rsplit("/", 1)[1]
    names = [f"jkfp_backup_{uuid.uuid4().hex[:8]}_{n}" for n in ("a", "b")]
    dsn = f"host={s['HOST']} port={s['PORT'] or 5432} user={s['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in names:
            conn.execute(f'CREATE DATABASE "{n}" TEMPLATE "{template}"')
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/"
    try:
        yield tuple({**migrated, "DATABASE_URL": url + n} for n in names)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for n in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')


def test_backup_then_restore_into_an_empty_database_gives_the_same_records(databases, tmp_path):
    src, dst = databases
    r = _jkfp(src, "demo_data", "--persons", "600", "--seed", "2", "-v0")
    assert r.returncode == 0, r.stderr
    archive = tmp_path / "jkfp.tar"
    r = _jkfp(src, "backup", str(archive))
    assert r.returncode != 0 and "--as" in r.stderr          # acts as a user
    r = _jkfp(src, "backup", str(archive), "--as", "county_yc")
    assert r.returncode != 0 and "系统管理员" in r.stderr    # the whole database: admins only
    r = _jkfp(src, "backup", str(archive), "--as", "admin")
    assert r.returncode == 0, r.stderr
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    r = _jkfp(dst, "restore", str(archive))
    assert r.returncode == 0, r.stderr
    assert "逐表核对一致" in r.stdout
    # the same records: every table's rows, and a sample of content
    query = ("from jkfp.registry.models import Person; "
             "print(Person.objects.count(), sorted(Person.objects.values_list('id_number', "
             "flat=True))[:5])")
    a = _jkfp(src, "shell", "-c", query).stdout
    b = _jkfp(dst, "shell", "-c", query).stdout
    assert a == b and a.split()[0] != "0"
    # a restore into a database that holds data is refused, and writes nothing
    r = _jkfp(dst, "restore", str(archive), "--as", "admin")
    assert r.returncode != 0 and "只能恢复到空数据库" in r.stderr
