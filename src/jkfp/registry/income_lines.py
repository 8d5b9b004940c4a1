"""The monitoring income line per province and year (`policies/registry/income_lines.yaml`,
DOMAIN.md §5/§14, decision 53a): read strictly (an unknown or missing key, a region that is
neither `national` nor a 2-digit province code, a year outside 2000-2099, an amount that is
not yuan, a line given twice, a line without a source or `example: true` — each error names
the file and its line); `jkfp check` reports a broken file (jkfp.E021)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.errors import PolicyError
from jkfp.policy.money import parse_yuan
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed

FILE = Path("registry") / "income_lines.yaml"
_LINE_KEYS = {"region", "year", "yuan", "source", "example", "note"}
_PROVINCE = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class IncomeLine:
    region: str  # "national" or a province code
    year: int
    fen: int
    source: str = ""
    example: bool = False


class IncomeLinesError(FileError):
    code = ErrorCode.INCOME_LINES_INVALID


def parse(data, *, file: str) -> dict[tuple[str, int], IncomeLine]:
    errors: list[DomainError] = []

    def err(msg, node, key=None):
        errors.append(IncomeLinesError(msg, file=file, line=line_of(node, key)))

    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise ValidationErrors([IncomeLinesError("须为映射，有 lines：收入标准列表",
                                                 file=file, line=None)])
    for key in data:
        if key not in ("description", "lines"):
            err(f"未知的键“{key}”", data, key)
    out: dict[tuple[str, int], IncomeLine] = {}
    for node in data["lines"]:
        if not isinstance(node, dict):
            err("每条收入标准须为映射（region、year、yuan 等）", node)
            continue
        before = len(errors)
        for key in node:
            if key not in _LINE_KEYS:
                err(f"未知的键“{key}”", node, key)
        region = str(node.get("region", ""))
        if region != "national" and not _PROVINCE.match(region):
            err(f"region“{region}”无效：须为 national 或2位省级代码", node, "region")
        year = node.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2099:
            err(f"year“{year}”无效：须为2000至2099的年份", node, "year")
        fen = None
        try:
            fen = parse_yuan(str(node.get("yuan", "")))
        except DomainError as e:
            err(f"yuan：{e.message}", node, "yuan")
        if fen is not None and fen <= 0:
            err("yuan 须大于0", node, "yuan")
        source = node.get("source")
        example = node.get("example", False)
        if "example" in node and example is not True:
            err("example 只能写 true", node, "example")
        if not (isinstance(source, str) and source.strip()) and example is not True:
            err("须注明来源（source），无公开来源时写 example: true 和 note", node)
        if example is True and not str(node.get("note") or "").strip():
            err("示例值须有 note 说明", node)
        if len(errors) > before:
            continue
        if (region, year) in out:
            err(f"{region} {year}年的收入标准重复", node, "year")
            continue
        out[(region, year)] = IncomeLine(region, year, fen, source or "", example is True)
    if errors:
        raise ValidationErrors(errors)
    return out


def load(path: Path | None = None) -> dict[tuple[str, int], IncomeLine]:
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(FILE))
    except PolicyError as exc:
        raise ValidationErrors([IncomeLinesError(exc.message, file=str(FILE),
                                                 line=exc.line)]) from None
    return parse(data, file=str(FILE))


def income_line(*, region_code: str, year: int) -> IncomeLine | None:
    """The line in force for a place and year: the province's, else the national one; None
    when the file has no line for the year (no comparison is made then)."""
    lines = read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)
    return lines.get((region_code[:2], year)) or lines.get(("national", year))
