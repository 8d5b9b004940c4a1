"""Writes of the division tree."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from jkfp.errors import DomainError, ErrorCode, ValidationErrors

from .codes import (
    LEVEL_LENGTH,
    Level,
    halfwidth,
    has_fullwidth_digits,
    level_of,
    normalize_code,
    parent_code,
)
from .models import Region, RegionCodeAlias

DATA_DIR = Path(__file__).resolve().parent / "data"
NAME_MAX = Region._meta.get_field("name").max_length
SOURCE_MAX = Region._meta.get_field("source").max_length
FIELD_MAX = 1000  # a cell longer than this is not a code, a name or a source


def _code_error(raw: str, what: str, field: str, line: int) -> DomainError:
    if has_fullwidth_digits(raw):
        return DomainError(ErrorCode.REGION_CODE_FORMAT,
                           f"{what}“{raw}”含全角数字：请改为半角数字“{halfwidth(raw)}”",
                           field=field, row=line)
    return DomainError(ErrorCode.REGION_CODE_FORMAT,
                       f"{what}“{raw[:20]}”格式不正确：应为2、4、6、9或12位数字",
                       field=field, row=line)


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
        too_long = [k for k, v in row.items() if isinstance(v, str) and len(v) > FIELD_MAX]
        if too_long:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"单元格过长（超过 {FIELD_MAX} 个字符）",
                                      field=str(too_long[0]), row=line))
            continue
        raw_code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        try:
            code = normalize_code(raw_code)
        except ValueError:
            errors.append(_code_error(raw_code, "区划代码", "code", line))
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
        if len(name) > NAME_MAX:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"名称长 {len(name)} 个字符，超过上限 {NAME_MAX}",
                                      field="name", row=line))
            continue
        source = (row.get("source") or default_source).strip()
        if len(source) > SOURCE_MAX:
            errors.append(DomainError(ErrorCode.INVALID,
                                      f"来源长 {len(source)} 个字符，超过上限 {SOURCE_MAX}",
                                      field="source", row=line))
            continue
        parent_raw = (row.get("parent") or "").strip()
        try:
            parent = normalize_code(parent_raw) if parent_raw else None
        except ValueError:
            errors.append(_code_error(parent_raw, "上级代码", "parent", line))
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
                             is_generated=generated, source=source))
    known = seen | set(
        Region.objects.filter(code__in={r.parent_id for r in parsed if r.parent_id})
        .values_list("code", flat=True)
    )
    for r in parsed:
        if r.parent_id and r.parent_id not in known:
            errors.append(DomainError(ErrorCode.REGION_UNKNOWN,
                                      f"上级区划“{r.parent_id}”不存在", field="parent",
                                      row=lines[r.code]))
    # a file must not silently turn generated (demo) regions into official ones, or back
    codes = list(lines)
    flipped = [row for i in range(0, len(codes), 5000)
               for row in Region.objects.filter(code__in=codes[i:i + 5000],
                                                is_generated=not generated)
               .values_list("code", "name")]
    for code, name in flipped:
        was = "演示生成" if not generated else "官方"
        flag = "加上 --generated" if not generated else "去掉 --generated"
        errors.append(DomainError(
            ErrorCode.INVALID,
            f"区划“{name}（{code}）”已登记为{was}区划，本次导入会改变这一标记：请{flag}，"
            "或从文件中去掉该行", field="code", row=lines[code]))
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
    """Load a CSV file of divisions; a file that cannot be read is a named error, not a crash."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(ErrorCode.INVALID, f"找不到文件“{path}”", field="csv")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except UnicodeDecodeError as e:
        raise DomainError(ErrorCode.INVALID,
                          f"文件“{path.name}”不是 UTF-8 编码（第 {e.start + 1} 个字节处）："
                          "请在 Excel 或 WPS 中另存为“CSV UTF-8”", field="csv") from None
    except csv.Error as e:
        where = f"第{e.args[1]}行" if len(e.args) > 1 else ""
        raise DomainError(ErrorCode.INVALID,
                          f"文件“{path.name}”{where}有单元格超过 {csv.field_size_limit():,} 个字符"
                          "（多半是引号不成对）" if "field limit" in str(e)
                          else f"文件“{path.name}”不是格式正确的 CSV", field="csv") from None
    return region_load_rows(rows=rows, generated=generated, default_source=path.name[:SOURCE_MAX])


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
