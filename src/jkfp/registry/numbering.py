"""Household numbers as data (DESIGN.md rule 4): a format and automatic numbering per village.

`policies/registry/household_numbers.yaml` holds rules keyed by a region-code prefix (the
longest prefix of a village's code wins). A rule's `format` may use `{village}` (12 digits),
`{township}` (9), `{county}` (6) and exactly one `{serial:0Nd}`, the village's running number
of N digits; `start` is the first serial. Each rule names its source or says `example: true`
with a note. The file is validated as strictly as the procedure file (unknown or missing key,
a format without exactly one serial, a placeholder not known, a key that is not a code prefix,
no source — each error with file and line); `jkfp check` reports a broken file (jkfp.E020).

`next_number(village_code=)` gives the number a new household of the village takes: the
largest serial among the village's numbers of the rule's form, plus one. The caller holds the
village's row locked (`select_for_update`) for the rest of its transaction, so two concurrent
registrations in one village cannot both take it; the unique number is the backstop.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed

FILE = Path("registry") / "household_numbers.yaml"
PLACES = {"village": 12, "township": 9, "county": 6}
_TOP_KEYS = {"description", "rules"}
_RULE_KEYS = {"format", "start", "source", "example", "note"}
_SERIAL_SPEC = re.compile(r"^0([1-9])d$")
_PREFIX = re.compile(r"^\d{2,12}$")
MAX_LENGTH = 32  # Household.household_number


@dataclass(frozen=True)
class Rule:
    prefix: str
    format: str
    start: int
    width: int
    source: str
    example: bool
    note: str

    def render(self, village_code: str, serial: int) -> str:
        return self.format.format(serial=serial, **_places(village_code))

    def pattern(self, village_code: str) -> re.Pattern:
        """The numbers of this form in the village, the serial as group 1."""
        out = []
        for literal, name, _spec, _conv in string.Formatter().parse(self.format):
            out.append(re.escape(literal))
            if name == "serial":
                out.append(rf"(\d{{{self.width},}})")
            elif name:
                out.append(re.escape(_places(village_code)[name]))
        return re.compile("^" + "".join(out) + "$")


def _places(village_code: str) -> dict[str, str]:
    return {name: village_code[:n] for name, n in PLACES.items()}


class NumberingFileError(FileError):
    code = ErrorCode.NUMBERING_INVALID


def _check_format(fmt, node, where: str, file: str, errors: list) -> int | None:
    """The serial's width, or None (errors appended)."""

    def err(msg):
        errors.append(
            NumberingFileError(msg, file=file, line=line_of(node, "format"), key=f"{where}.format")
        )

    if not isinstance(fmt, str) or not fmt.strip():
        err("须为非空文本")
        return None
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        err(f"格式“{fmt}”无法解析（{exc}）")
        return None
    widths = []
    for _literal, name, spec, conv in parts:
        if name is None:
            continue
        if name == "serial":
            m = _SERIAL_SPEC.match(spec or "")
            if not m or conv:
                err(f"顺序号须写作 {{serial:0Nd}}（N 为1至9位），而不是“{{{name}:{spec}}}”")
                return None
            widths.append(int(m[1]))
        elif name not in PLACES or spec or conv:
            err(
                f"未知的占位符“{{{name}}}”：只能用 {{village}}、{{township}}、{{county}} 和 {{serial:0Nd}}"
            )
            return None
    if len(widths) != 1:
        err("须有且只有一个顺序号 {serial:0Nd}")
        return None
    if len(fmt.format(serial=0, **_places("0" * 12))) - 1 + widths[0] > MAX_LENGTH:
        err(f"户编号最长{MAX_LENGTH}个字符")
        return None
    return widths[0]


def parse(data, *, file: str) -> list[Rule]:
    """Validate the content of a numbering file; all errors at once (ValidationErrors)."""
    errors: list[DomainError] = []
    if not isinstance(data, dict):
        raise ValidationErrors([NumberingFileError("文件内容须为映射", file=file, line=1)])
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(
                NumberingFileError(
                    f"未知的键“{key}”", file=file, line=line_of(data, key), key=str(key)
                )
            )
    rules_node = data.get("rules")
    if not isinstance(rules_node, dict) or not rules_node:
        errors.append(
            NumberingFileError(
                "缺少 rules：区划代码前缀 → 规则",
                file=file,
                line=line_of(data, "rules"),
                key="rules",
            )
        )
        raise ValidationErrors(errors)
    rules: list[Rule] = []
    for prefix, spec in rules_node.items():
        where = f"rules.{prefix}"
        line = line_of(rules_node, prefix)
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            errors.append(
                NumberingFileError(
                    f'键“{prefix}”须为2至12位区划代码前缀，并加引号（如 "640323"）',
                    file=file,
                    line=line,
                    key=where,
                )
            )
            continue
        if not isinstance(spec, dict):
            errors.append(
                NumberingFileError(
                    "须为映射（format、start、source 或 example）", file=file, line=line, key=where
                )
            )
            continue
        for key in spec:
            if key not in _RULE_KEYS:
                errors.append(
                    NumberingFileError(
                        f"未知的键“{key}”", file=file, line=line_of(spec, key), key=f"{where}.{key}"
                    )
                )
        width = _check_format(spec.get("format"), spec, where, file, errors)
        start = spec.get("start", 1)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            errors.append(
                NumberingFileError(
                    f"起始顺序号“{start}”须为非负整数",
                    file=file,
                    line=line_of(spec, "start"),
                    key=f"{where}.start",
                )
            )
            continue
        example = spec.get("example") is True
        source = str(spec.get("source") or "").strip()
        note = str(spec.get("note") or "").strip()
        if not source and not example:
            errors.append(
                NumberingFileError(
                    "须注明来源（source），无公开来源时写 example: true",
                    file=file,
                    line=line,
                    key=where,
                )
            )
            continue
        if example and not note:
            errors.append(
                NumberingFileError(
                    "示例规则须写明 note（说明这是示例、由谁修改）", file=file, line=line, key=where
                )
            )
            continue
        if width is not None:
            rules.append(Rule(prefix, spec["format"], start, width, source, example, note))
    if errors:
        raise ValidationErrors(errors)
    return rules


def load(path: Path | None = None) -> list[Rule]:
    """Read and validate the numbering file (by default the one under JKFP_POLICIES_DIR)."""
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(path))
    except DomainError as exc:
        raise ValidationErrors(
            [NumberingFileError(exc.message, file=str(path), line=exc.row)]
        ) from None
    return parse(data, file=str(path))


def _current() -> list[Rule]:
    return read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)


def rule_for(village_code: str) -> Rule:
    """The rule of a village: the longest prefix of its code; `numbering_no_rule` if none."""
    found = [r for r in _current() if village_code.startswith(r.prefix)]
    if not found:
        raise DomainError(
            ErrorCode.NUMBERING_NO_RULE,
            f"区划“{village_code}”未配置户编号规则（见 policies/{FILE.as_posix()}），请填写户编号",
            field="household_number",
        )
    return max(found, key=lambda r: len(r.prefix))


def next_number(*, village_code: str) -> str:
    """The next household number of the village by its rule (the caller locks the village)."""
    from .models import Household

    rule = rule_for(village_code)
    pattern = rule.pattern(village_code)
    numbers = Household.objects.filter(village_id=village_code).values_list(
        "household_number", flat=True
    )
    serials = [int(m[1]) for n in numbers if (m := pattern.match(n))]
    serial = max(serials) + 1 if serials else rule.start
    number = rule.render(village_code, serial)
    # a number of the same form taken by a household of another village (a moved household)
    while Household.objects.filter(household_number=number).exists():
        serial += 1
        number = rule.render(village_code, serial)
    return number
