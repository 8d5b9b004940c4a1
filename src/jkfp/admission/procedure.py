"""The thresholds of the admission and exit procedure as dated data (DESIGN.md rule 4).

`policies/procedure/admission.yaml` holds, for each threshold, dated values with their source
(or `example: true`): the notice of at least 5 days, monitoring of at least 6 months before an
exit, the decision within 15 days, the earliest exit year. The file is validated strictly when
it is read — an unknown or missing key, a value that is not a positive whole number, dates out of
order, a value without a source — and every error names the file and the line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed

FILE = Path("procedure") / "admission.yaml"
NAMES = ("notice_min_days", "notice_max_days", "monitor_min_months", "decision_max_days",
         "earliest_exit_year")
_TOP_KEYS = {"description", "parameters"}
_PARAM_KEYS = {"description", "unit", "values"}
_VALUE_KEYS = {"value", "source", "example"}


@dataclass(frozen=True)
class Value:
    start: dt.date
    value: int
    source: str
    example: bool


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force on one date, each with where it comes from."""

    on: dt.date
    notice_min_days: int
    notice_max_days: int
    monitor_min_months: int
    decision_max_days: int
    earliest_exit_year: int
    sources: dict[str, str]


class ProcedureFileError(FileError):
    code = ErrorCode.PROCEDURE_INVALID


def _error(msg: str, node, key, file: str, path: str) -> ProcedureFileError:
    return ProcedureFileError(msg, file=file, line=line_of(node, key), key=path)


def parse(data, *, file: str) -> dict[str, list[Value]]:
    """Validate the content of a procedure file; all errors at once (ValidationErrors)."""
    errors: list[DomainError] = []
    if not isinstance(data, dict):
        raise ValidationErrors([ProcedureFileError("文件内容须为映射", file=file, line=1)])
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(_error(f"未知的键“{key}”", data, key, file, str(key)))
    params = data.get("parameters")
    if not isinstance(params, dict):
        errors.append(_error("缺少 parameters", data, "parameters", file, "parameters"))
        raise ValidationErrors(errors)
    out: dict[str, list[Value]] = {}
    for name in params:
        if name not in NAMES:
            errors.append(_error(f"未知的参数“{name}”", params, name, file, str(name)))
    for name in NAMES:
        if name not in params:
            errors.append(_error(f"缺少参数“{name}”", params, None, file, name))
            continue
        spec = params[name]
        if not isinstance(spec, dict) or not isinstance(spec.get("values"), dict):
            errors.append(_error("须有 values：日期 → 取值", params, name, file, name))
            continue
        for key in spec:
            if key not in _PARAM_KEYS:
                errors.append(_error(f"未知的键“{key}”", spec, key, file, f"{name}.{key}"))
        values: list[Value] = []
        for start, entry in spec["values"].items():
            where = f"{name}.values.{start}"
            if not isinstance(start, dt.date):
                errors.append(_error("起始日期须为 YYYY-MM-DD", spec["values"], start, file, where))
                continue
            if not isinstance(entry, dict):
                errors.append(_error("须为 value 与 source（或 example: true）", spec["values"],
                                     start, file, where))
                continue
            for key in entry:
                if key not in _VALUE_KEYS:
                    errors.append(_error(f"未知的键“{key}”", entry, key, file, f"{where}.{key}"))
            value = entry.get("value")
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                errors.append(_error(f"取值“{value}”须为正整数", entry, "value", file,
                                     f"{where}.value"))
                continue
            example = entry.get("example") is True
            source = str(entry.get("source") or "").strip()
            if not source and not example:
                errors.append(_error("须注明来源（source），无公开来源时写 example: true", entry,
                                     None, file, where))
                continue
            if values and start <= values[-1].start:
                errors.append(_error("日期须按先后排列且不重复", spec["values"], start, file, where))
                continue
            values.append(Value(start, value, source, example))
        out[name] = values
    if errors:
        raise ValidationErrors(errors)
    return out


def load(path: Path | None = None) -> dict[str, list[Value]]:
    """Read and validate the procedure file (by default the one under JKFP_POLICIES_DIR)."""
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(path))
    except DomainError as exc:
        raise ValidationErrors([ProcedureFileError(exc.message, file=str(path),
                                                   line=exc.row)]) from None
    return parse(data, file=str(path))


def _current() -> dict[str, list[Value]]:
    return read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)


def thresholds(*, on: dt.date) -> Thresholds:
    """The thresholds in force on `on`; an error naming the date if none is."""
    found: dict[str, Value] = {}
    for name, values in _current().items():
        in_force = [v for v in values if v.start <= on]
        if not in_force:
            raise DomainError(ErrorCode.PROCEDURE_INVALID,
                              f"{on}无有效的办理参数“{name}”（见 policies/{FILE.as_posix()}）",
                              field="effective_date")
        found[name] = in_force[-1]
    sources = {n: ("示例值" if v.example else v.source) for n, v in found.items()}
    return Thresholds(on=on, sources=sources, **{n: v.value for n, v in found.items()})
