"""A backup restored into an empty database gives the same records, on the database the tests
run on (SQLite, or PostgreSQL in CI), through the real commands in a fresh process."""

from __future__ import annotations

import tarfile

from .commands import jkfp as _jkfp


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
