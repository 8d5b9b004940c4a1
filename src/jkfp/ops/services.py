"""Backup and restore of the whole database (DESIGN.md: production runs on PostgreSQL, the demo
on SQLite). A backup is one `.tar` file: `manifest.json` (engine, time, jkfp version, the row
count of every table) and the database itself — PostgreSQL through `pg_dump --format=custom`,
SQLite through its online backup API — plus uploaded files (`MEDIA_ROOT`) when there are any.
A restore goes into an empty database only, and checks every table's row count against the
manifest before it says it is done.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.errors import DomainError, ErrorCode

MANIFEST = "manifest.json"
DB_PG, DB_SQLITE = "database.pgdump", "database.sqlite3"
Progress = Callable[[str], None]


def _require_superuser(user: User) -> None:
    if not user.is_superuser:
        raise DomainError(ErrorCode.PERMISSION, "备份与恢复须由系统管理员（超级用户）执行：它包含全部区划的数据")


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def table_counts() -> dict[str, int]:
    """Rows of every table of every installed model (the manifest's check)."""
    out: dict[str, int] = {}
    with connection.cursor() as cur:
        existing = set(connection.introspection.table_names(cur))
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in existing and table not in out:
                cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                out[table] = cur.fetchone()[0]
    return dict(sorted(out.items()))


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if s.get(key):
            env[var] = str(s[key])
    return env


def _run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, env=_pg_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise DomainError(ErrorCode.INVALID, f"{what}失败：{r.stderr.strip()[:500]}")


def backup_write(*, user: User, path: Path, progress: Progress = lambda s: None) -> dict:
    """Write a backup of the whole database (and uploaded files) to `path`; the manifest."""
    _require_superuser(user)
    path = Path(path)
    if not path.parent.is_dir():
        raise DomainError(ErrorCode.INVALID, f"目录“{path.parent}”不存在", field="file")
    engine = _engine()
    manifest = {"format": 1, "engine": engine, "made_at": timezone.now().isoformat(),
                "made_by": user.username, "counts": table_counts()}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if engine == "postgresql":
            progress("pg_dump …")
            dump = tmpdir / DB_PG
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump)], "pg_dump")
        else:
            progress("SQLite 在线备份 …")
            dump = tmpdir / DB_SQLITE
            src = sqlite3.connect(str(connection.settings_dict["NAME"]))
            dst = sqlite3.connect(str(dump))
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=dump.name)
            media = _media_root()
            if media is not None and media.is_dir():
                progress("上传文件 …")
                tar.add(media, arcname="media", filter=_not_exports)
        partial.replace(path)  # a backup is either whole or not there
    return manifest


def _not_exports(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """The person exports of background jobs (`media/exports/`) stay out of a backup: they are
    copies of registry data, kept a few days for their user to fetch (decision 105)."""
    return None if info.name == "media/exports" or info.name.startswith("media/exports/") else info


def _media_root() -> Path | None:
    """Where uploaded files live (attachments), or None when not configured."""
    root = str(getattr(settings, "MEDIA_ROOT", "") or "")
    return Path(root) if root else None


def _is_empty() -> bool:
    from jkfp.registry.models import Household, Person

    return not (Person.objects.exists() or Household.objects.exists())


def backup_restore(*, user: User | None, path: Path, progress: Progress = lambda s: None) -> dict:
    """Restore a backup into this (empty) database; checks every table's rows afterwards.

    `user` may be None only when the database holds no accounts yet (a fresh install).
    """
    if user is not None:
        _require_superuser(user)
    elif User.objects.exists():
        raise DomainError(ErrorCode.PERMISSION, "数据库中已有账号：须以系统管理员身份（--as）恢复")
    path = Path(path)
    if not path.is_file():
        raise DomainError(ErrorCode.INVALID, f"备份文件“{path}”不存在", field="file")
    if not _is_empty():
        raise DomainError(ErrorCode.INVALID, "目标数据库已有人员或家庭户数据：只能恢复到空数据库",
                          field="file")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path) as tar:
        names = tar.getnames()
        if MANIFEST not in names:
            raise DomainError(ErrorCode.INVALID, f"“{path.name}”不是 jkfp 备份文件（缺少 {MANIFEST}）")
        tar.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("engine") != _engine():
            raise DomainError(ErrorCode.INVALID,
                              f"备份来自 {manifest.get('engine')} 数据库，当前为 {_engine()}：请恢复到同类数据库")
        if _engine() == "postgresql":
            progress("pg_restore …")
            connections.close_all()
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  "--dbname", connection.settings_dict["NAME"], str(Path(tmp) / DB_PG)],
                 "pg_restore")
        else:
            progress("SQLite 恢复 …")
            target = str(connection.settings_dict["NAME"])
            connections.close_all()
            src = sqlite3.connect(str(Path(tmp) / DB_SQLITE))
            dst = sqlite3.connect(target)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        media = Path(tmp) / "media"
        if media.is_dir() and _media_root() is not None:
            progress("上传文件 …")
            shutil.copytree(media, _media_root(), dirs_exist_ok=True)
    counts = table_counts()
    wrong = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if wrong:
        sample = "；".join(f"{t}: 备份 {a} 行，恢复后 {b} 行" for t, (a, b) in list(wrong.items())[:5])
        raise DomainError(ErrorCode.INVALID, f"恢复后的数据与备份不一致：{sample}")
    return manifest
