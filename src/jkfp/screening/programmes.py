"""The screening programmes as dated data (DESIGN.md rule 4): the default target group of a
campaign of each kind (DOMAIN.md section 12).

`policies/screening/programmes.yaml` holds, for each kind of `Campaign.Kind`, its name, what it
screens for, and dated values: sex, age range, the campaign date on which ages are counted
(`start` or `end`), the regions where it is offered (code prefixes) and the categories it is
for — each with a source, `example: true`, or the list of the keys that are examples. The file
is validated strictly when it is read (an unknown or missing key or kind, a bad value, dates out
of order, a value without a source), and every error names the file and the line, in the manner
of `admission/procedure.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed

from .models import Campaign

FILE = Path("screening") / "programmes.yaml"
KINDS = tuple(Campaign.Kind.values)
_TOP_KEYS = {"description", "programmes"}
_PROGRAMME_KEYS = {"name", "screens", "values"}
TARGET_KEYS = ("sex", "age_min", "age_max", "age_on", "regions", "categories")
_REQUIRED_KEYS = {"sex", "age_min", "age_max", "age_on", "regions"}
_VALUE_KEYS = {*TARGET_KEYS, "source", "example"}
AGE_LIMIT = 120
AGE_ON = ("start", "end")


@dataclass(frozen=True)
class Value:
    start: dt.date
    sex: str
    age_min: int | None
    age_max: int | None
    age_on: str
    regions: tuple[str, ...]
    categories: tuple[str, ...]
    source: str
    examples: frozenset[str]  # the keys of this value our sources do not give


@dataclass(frozen=True)
class Programme:
    """The defaults of one kind of campaign in force on a date."""

    kind: str
    name: str
    screens: tuple[str, ...]
    value: Value

    @property
    def example(self) -> bool:
        return bool(self.value.examples)

    def offered_in(self, region_code: str) -> bool:
        """Whether a campaign of this kind may be held in `region_code` (a region inside one
        of the programme's regions, or anywhere when it names none)."""
        regions = self.value.regions
        return not regions or any(region_code.startswith(r) for r in regions)

    def age_on_date(self, *, start_on: dt.date, end_on: dt.date) -> dt.date:
        return start_on if self.value.age_on == "start" else end_on


class ProgrammeFileError(FileError):
    code = ErrorCode.SCREENING_PROGRAMME


def _error(msg: str, node, key, file: str, path: str) -> ProgrammeFileError:
    return ProgrammeFileError(msg, file=file, line=line_of(node, key), key=path)


def _age(entry, key: str, errors: list, file: str, where: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= AGE_LIMIT:
        errors.append(_error(f"年龄“{value}”须为0至{AGE_LIMIT}的整数或 null", entry, key, file,
                             f"{where}.{key}"))
        return None
    return value


def _codes(entry, key: str, errors: list, file: str, where: str, *, check) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list):
        errors.append(_error("须为列表", entry, key, file, f"{where}.{key}"))
        return ()
    out = []
    for item in value:
        problem = check(item)
        if problem:
            errors.append(_error(problem, entry, key, file, f"{where}.{key}"))
        else:
            out.append(str(item))
    return tuple(out)


def _region_problem(item) -> str:
    if not isinstance(item, str) or not item.isdigit() or len(item) not in (2, 4, 6, 9, 12):
        return f"区划代码“{item}”须为2、4、6、9或12位数字（用引号写成文本）"
    return ""


def _category_problem(item) -> str:
    return "" if item in {c.value for c in Category} else f"类别“{item}”不存在"


def _value(entry, start: dt.date, errors: list, file: str, where: str) -> Value | None:
    before = len(errors)
    for key in entry:
        if key not in _VALUE_KEYS:
            errors.append(_error(f"未知的键“{key}”", entry, key, file, f"{where}.{key}"))
    for key in sorted(_REQUIRED_KEYS - set(entry)):
        errors.append(_error(f"缺少“{key}”", entry, None, file, f"{where}.{key}"))
    sex = entry.get("sex", "")
    if sex not in ("", "F", "M"):
        errors.append(_error(f"性别“{sex}”须为 F、M 或空", entry, "sex", file, f"{where}.sex"))
    age_min = _age(entry, "age_min", errors, file, where)
    age_max = _age(entry, "age_max", errors, file, where)
    if age_min is not None and age_max is not None and age_max < age_min:
        errors.append(_error("最大年龄不能小于最小年龄", entry, "age_max", file, f"{where}.age_max"))
    age_on = entry.get("age_on", "start")
    if age_on not in AGE_ON:
        errors.append(_error(f"年龄计算日“{age_on}”须为 start 或 end", entry, "age_on", file,
                             f"{where}.age_on"))
    regions = _codes(entry, "regions", errors, file, where, check=_region_problem)
    categories = _codes(entry, "categories", errors, file, where, check=_category_problem)
    example = entry.get("example", False)
    if example is True:
        examples = frozenset(TARGET_KEYS)
    elif example is False:
        examples = frozenset()
    elif isinstance(example, list) and example and all(k in TARGET_KEYS for k in example):
        examples = frozenset(example)
    else:
        errors.append(_error("example 须为 true，或列出无来源的键（" + "、".join(TARGET_KEYS) + "）",
                             entry, "example", file, f"{where}.example"))
        examples = frozenset()
    source = str(entry.get("source") or "").strip()
    if not source and example is not True:
        errors.append(_error("须注明来源（source），无公开来源时写 example: true", entry, None,
                             file, where))
    if len(errors) > before:
        return None
    return Value(start=start, sex=sex, age_min=age_min, age_max=age_max, age_on=age_on,
                 regions=regions, categories=categories, source=source, examples=examples)


def _programme(name: str, spec, errors: list, file: str) -> list[Value]:
    for key in spec:
        if key not in _PROGRAMME_KEYS:
            errors.append(_error(f"未知的键“{key}”", spec, key, file, f"{name}.{key}"))
    if not str(spec.get("name") or "").strip():
        errors.append(_error("缺少名称（name）", spec, None, file, f"{name}.name"))
    screens = spec.get("screens")
    if not isinstance(screens, list) or not screens or not all(
            isinstance(s, str) and s.strip() for s in screens):
        errors.append(_error("screens 须列出筛查的疾病", spec, "screens", file, f"{name}.screens"))
    values: list[Value] = []
    last: dt.date | None = None
    for start, entry in spec["values"].items():
        where = f"{name}.values.{start}"
        if not isinstance(start, dt.date):
            errors.append(_error("起始日期须为 YYYY-MM-DD", spec["values"], start, file, where))
            continue
        if not isinstance(entry, dict):
            errors.append(_error("须为目标人群的取值及 source（或 example: true）", spec["values"],
                                 start, file, where))
            continue
        if last is not None and start <= last:
            errors.append(_error("日期须按先后排列且不重复", spec["values"], start, file, where))
            continue
        last = start
        value = _value(entry, start, errors, file, where)
        if value is not None:
            values.append(value)
    return values


@dataclass(frozen=True)
class Programmes:
    """The whole file: for each kind its name, what it screens for and its dated values."""

    names: dict[str, str]
    screens: dict[str, tuple[str, ...]]
    values: dict[str, list[Value]]

    def in_force(self, *, kind: str, on: dt.date) -> Programme | None:
        values = [v for v in self.values.get(kind, []) if v.start <= on]
        if not values:
            return None
        return Programme(kind=kind, name=self.names[kind], screens=self.screens[kind],
                         value=values[-1])


def parse(data, *, file: str) -> Programmes:
    """Validate the content of a programme file; all errors at once (ValidationErrors)."""
    errors: list[DomainError] = []
    if not isinstance(data, dict):
        raise ValidationErrors([ProgrammeFileError("文件内容须为映射", file=file, line=1)])
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(_error(f"未知的键“{key}”", data, key, file, str(key)))
    progs = data.get("programmes")
    if not isinstance(progs, dict):
        errors.append(_error("缺少 programmes", data, "programmes", file, "programmes"))
        raise ValidationErrors(errors)
    for name in progs:
        if name not in KINDS:
            errors.append(_error(f"未知的筛查类型“{name}”（可用：{'、'.join(KINDS)}）", progs,
                                 name, file, str(name)))
    names: dict[str, str] = {}
    screens: dict[str, tuple[str, ...]] = {}
    values: dict[str, list[Value]] = {}
    for kind in KINDS:
        if kind not in progs:
            errors.append(_error(f"缺少筛查类型“{kind}”", progs, None, file, kind))
            continue
        spec = progs[kind]
        if not isinstance(spec, dict) or not isinstance(spec.get("values"), dict) \
                or not spec["values"]:
            errors.append(_error("须有 name、screens 和 values：日期 → 目标人群", progs, kind,
                                 file, kind))
            continue
        values[kind] = _programme(kind, spec, errors, file)
        names[kind] = str(spec.get("name") or "").strip()
        screens[kind] = tuple(str(s) for s in spec.get("screens") or ())
    if errors:
        raise ValidationErrors(errors)
    return Programmes(names=names, screens=screens, values=values)


def load(path: Path | None = None) -> Programmes:
    """Read and validate the programme file (by default the one under JKFP_POLICIES_DIR)."""
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(path))
    except DomainError as exc:
        raise ValidationErrors([ProgrammeFileError(exc.message, file=str(path),
                                                   line=exc.row)]) from None
    return parse(data, file=str(path))


def current() -> Programmes:
    """The shipped file, read again when it changes."""
    return read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)


def programme(*, kind: str, on: dt.date, region_code: str | None = None) -> Programme:
    """The programme of `kind` in force on `on` (offered in `region_code` when given); a named
    error when there is none."""
    found = current().in_force(kind=kind, on=on) if kind in KINDS else None
    if found is None:
        raise DomainError(ErrorCode.SCREENING_PROGRAMME,
                          f"{on}无有效的筛查项目类型“{kind}”（见 policies/{FILE.as_posix()}）",
                          field="kind")
    if region_code is not None and not found.offered_in(region_code):
        raise DomainError(ErrorCode.SCREENING_PROGRAMME,
                          f"“{found.name}”只在区划{'、'.join(found.value.regions)}开展，"
                          f"不适用于区划“{region_code}”", field="region_code")
    return found


def offered(*, on: dt.date, region_code: str) -> list[Programme]:
    """The programmes in force on `on` that may be held in `region_code` (the kind choices)."""
    progs = current()
    found = [progs.in_force(kind=k, on=on) for k in KINDS]
    return [p for p in found if p is not None and p.offered_in(region_code)]
