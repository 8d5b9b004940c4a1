"""Fresh databases of the engine under test (SQLite, or PostgreSQL in CI) for the commands'
tests: each test gets two migrated, empty ones, copied from one migrated per test process (a
migration of the whole schema takes 15-30 s; a copy, a second)."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from django.conf import settings

from .commands import jkfp


def _server() -> tuple[str, str]:
    """The PostgreSQL server's maintenance DSN and the URL prefix of its databases."""
    s = settings.DATABASES["default"]
    host, port, user = s["HOST"], s["PORT"] or 5432, s["USER"]
    return f"host={host} port={port} user={user} dbname=postgres", f"postgres://{user}@{host}:{port}/"


def _execute(*sql: str) -> None:
    import psycopg

    with psycopg.connect(_server()[0], autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """An environment whose database is migrated and empty: the template of `databases`. One
    per test process: a PostgreSQL template may not be copied while another connects to it."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["SECRET_KEY"] = "backup-test-" + uuid.uuid4().hex  # a server configuration (jkfp.E001)
    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    name = f"jkfp_backup_{uuid.uuid4().hex[:8]}_template"
    if sqlite:
        env = {**base, "JKFP_SQLITE": str(tmp_path_factory.mktemp("backup") / "t.sqlite3")}
    else:
        _execute(f'CREATE DATABASE "{name}"')
        env = {**base, "DATABASE_URL": _server()[1] + name}
    try:
        r = jkfp(env, "migrate", "--noinput", "-v0")
        assert r.returncode == 0, r.stderr
        yield env
    finally:
        if not sqlite:
            _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(migrated, tmp_path):
    """Two fresh, migrated databases: the source and the restore target."""
    if "JKFP_SQLITE" in migrated:
        envs = ({**migrated, "JKFP_SQLITE": str(tmp_path / "a.sqlite3")},
                {**migrated, "JKFP_SQLITE": str(tmp_path / "b.sqlite3")})
        for env in envs:  # the write-ahead log too, where one is left (journal_mode=WAL)
            for suffix in ("", "-wal"):
                if os.path.exists(migrated["JKFP_SQLITE"] + suffix):
                    shutil.copyfile(migrated["JKFP_SQLITE"] + suffix, env["JKFP_SQLITE"] + suffix)
        yield envs
        return
    template = migrated["DATABASE_URL"].rsplit("/", 1)[1]
    names = [f"jkfp_backup_{uuid.uuid4().hex[:8]}_{n}" for n in ("a", "b")]
    _execute(*(f'CREATE DATABASE "{n}" TEMPLATE "{template}"' for n in names))
    try:
        yield tuple({**migrated, "DATABASE_URL": _server()[1] + n} for n in names)
    finally:
        _execute(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names))
