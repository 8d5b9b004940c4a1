"""Writes of the division tree."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from jkfp.errors import DomainError, ErrorCode, ValidationErrors

from .codes import LEVEL_LENGTH, Level, level_of, normalize_code, parent_code
from .models import Region, RegionCodeAlias

DATA_DIR = Path(__file__).resolve().parent / "data"


def region_load_rows(*, rows: Iterable[dict], generated: bool = False,
                     default_source: str = "") -> int:
    """Load division rows (code, name, level, parent[, source]) into the tree, all or nothing.

    Codes may be given at natural length or as 12-digit statistics codes. Existing codes are
    updated (name, level, parent, source). Every bad row is reported with its line number.
    Returns the number of rows loaded.
    """
    errors: list[DomainError] = []
    parsed: list[Region] = []
    lines: dict[str, int] = {}
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        raw_code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        try:
            code = normalize_code(raw_code)
        except ValueError:
            errors.append(DomainError(ErrorCode.REGION_CODE_FORMAT,
                                      f"区划代码“{raw_code}”格式不正确：应为2、4、6、9或12位数字",
                                      field="code", row=line))
            continue
        level_text = (row.get("level") or "").strip() or level_of(code).value
        try:
            level = Level(level_text)
        except ValueError:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"层级“{level_text}”无效：应为 province/city/county/township/village",
                                      field="level", row=line))
            continue
        if LEVEL_LENGTH[level] != len(code):
            errors.append(DomainError(ErrorCode.REGION_CODE_FORMAT,
                                      f"区划代码“{code}”的位数与层级“{level}”不符",
                                      field="level", row=line))
            continue
        if not name:
            errors.append(DomainError(ErrorCode.REQUIRED, "名称不能为空", field="name", row=line))
            continue
        parent_raw = (row.get("parent") or "").strip()
        parent = normalize_code(parent_raw) if parent_raw.isdigit() else None
        if parent_raw and parent is None:
            errors.append(DomainError(ErrorCode.REGION_CODE_FORMAT,
                                      f"上级代码“{parent_raw}”格式不正确", field="parent", row=line))
            continue
        expected_parent = parent_code(code)
        if level != Level.PROVINCE and parent != expected_parent:
            errors.append(DomainError(ErrorCode.REGION_PARENT_MISMATCH,
                                      f"上级代码应为“{expected_parent}”（区划代码的前缀），实为“{parent_raw}”",
                                      field="parent", row=line))
            continue
        if code in seen:
            errors.append(DomainError(ErrorCode.INVALID, f"区划代码“{code}”重复", field="code",
                                      row=line))
            continue
        seen.add(code)
        lines[code] = line
        parsed.append(Region(code=code, name=name, level=level.value, parent_id=parent,
                             is_generated=generated,
                             source=(row.get("source") or default_source).strip()[:200]))
    known = seen | set(
        Region.objects.filter(code__in={r.parent_id for r in parsed if r.parent_id})
        .values_list("code", flat=True)
    )
    for r in parsed:
        if r.parent_id and r.parent_id not in known:
            errors.append(DomainError(ErrorCode.REGION_UNKNOWN,
                                      f"上级区划“{r.parent_id}”不存在", field="parent",
                                      row=lines[r.code]))
    if errors:
        raise ValidationErrors(sorted(errors, key=lambda e: e.row or 0))
    parsed.sort(key=lambda r: len(r.code))  # parents first
    with transaction.atomic():
        Region.objects.bulk_create(
            parsed, update_conflicts=True, unique_fields=["code"],
            update_fields=["name", "level", "parent", "is_generated", "source"],
            batch_size=2000,
        )
    return len(parsed)


def region_load_csv(*, path: Path, generated: bool = False) -> int:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return region_load_rows(rows=list(csv.DictReader(fh)), generated=generated,
                                default_source=path.name)


def region_load_builtin() -> int:
    """The real divisions of the two plans' regions and the historical 长治 codes, in one
    transaction (divisions and aliases together, or neither)."""
    with open(DATA_DIR / "aliases.csv", newline="", encoding="utf-8") as fh:
        aliases = [
            RegionCodeAlias(code=r["code"], name=r["name"], current_id=r["current"],
                            source=r["source"])
            for r in csv.DictReader(fh)
        ]
    with transaction.atomic():
        n = region_load_csv(path=DATA_DIR / "divisions.csv")
        RegionCodeAlias.objects.bulk_create(
            aliases, update_conflicts=True, unique_fields=["code"],
            update_fields=["name", "current", "source"],
        )
    return n
