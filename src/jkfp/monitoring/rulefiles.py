"""The warning rules as data: `policies/monitoring/<region>.yaml`, loaded strictly (decision 55).

A file holds the rules of a province (its 2-digit code) or of a county that has its own (its
6-digit code, which then replaces the province's file for that county). A rule names its
`kind` (what the engine evaluates, `engine.KINDS`), the categories it watches on the scan date
(`all` = every registered resident), its level (`person` or `household`), how often it is
pushed, its recipient departments (codes of `accounts.Department`), the days within which it
must be verified, and dated `parameters` (`from`, optional `to`, the kind's values, and a
`source` or `example: true`). `incomes.yaml` holds the provincial rural per-capita disposable
income by year (the base of the medical-cost rules).

Every error is a `DomainError` whose message starts with `file:line` and whose code says what
is wrong (ErrorCode.RULE_*); `check_all()` collects all of them at once (`jkfp rules check`,
the system check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.policy.errors import PolicyError
from jkfp.policy.yamlfile import line_of, load_yaml_text, read_when_changed

INCOMES_FILE = "incomes.yaml"
LEVELS = ("person", "household")

#: rule kind → the parameters each dated period must give (the engine evaluates these kinds)
KIND_PARAMETERS: dict[str, tuple[str, ...]] = {
    "medical_cost": ("share",),
    "projected_cost": ("share", "min_days"),
    "major_disease_new": ("lookback_days",),
    "not_enrolled": (),
    "followup_gap": ("gap_days",),
    "no_support_measure": ("after_days",),
    "exit_too_early": ("min_months", "aided_min_months", "lookback_days"),
    "no_one_able_to_work": ("lookback_days",),
}
_RULE_KEYS = {"id", "kind", "name", "watch", "level", "push_every_days", "recipients",
              "verify_days", "parameters", "note"}
_RULE_REQUIRED = ("id", "kind", "name", "watch", "level", "push_every_days", "recipients",
                  "parameters")
_PERIOD_KEYS = {"from", "to", "source", "example", "note"}
_FILE_KEYS = {"region", "description", "rules"}
DEFAULT_VERIFY_DAYS = 15  # DOMAIN.md §5: from clue to decision normally at most 15 days


@dataclass(frozen=True)
class ParameterPeriod:
    start: dt.date
    end: dt.date | None
    values: dict
    example: bool
    source: str

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    name: str
    watch: tuple[str, ...] | None  # None: every registered resident
    level: str
    push_every_days: int
    recipients: tuple[str, ...]
    verify_days: int
    parameters: tuple[ParameterPeriod, ...]
    where: str = ""  # file:line of the rule

    def parameters_on(self, on: dt.date) -> ParameterPeriod | None:
        return next((p for p in self.parameters if p.in_force(on)), None)


@dataclass(frozen=True)
class RuleSet:
    region: str
    file: str
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class Incomes:
    by_province: dict[str, dict[int, int]]  # province → year → yuan
    example: bool
    source: str
    file: str = ""

    def of(self, province: str, year: int) -> int | None:
        return self.by_province.get(province, {}).get(year)


@dataclass
class _Errors:
    file: str
    items: list[DomainError] = field(default_factory=list)

    def add(self, code: ErrorCode, message: str, node=None, key=None, *, what: str = "") -> None:
        line = line_of(node, key) if node is not None else None
        where = f"{self.file}:{line}" if line else self.file
        self.items.append(DomainError(code, f"{where}：{what + '：' if what else ''}{message}",
                                      field=what or None, row=line))


def rules_dir() -> Path:
    """settings.JKFP_MONITORING_DIR, else `monitoring/` of settings.JKFP_POLICIES_DIR."""
    configured = getattr(settings, "JKFP_MONITORING_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.JKFP_POLICIES_DIR) / "monitoring"


def _departments() -> set[str]:
    from jkfp.accounts.models import Department

    return {d.value for d in Department}


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _parse_period(entry, kind: str, errors: _Errors, what: str) -> ParameterPeriod | None:
    if not isinstance(entry, dict):
        errors.add(ErrorCode.RULEFILE_INVALID, "参数期间须为映射（from、to、取值、source 或 example）",
                   entry, what=what)
        return None
    wanted = KIND_PARAMETERS.get(kind, ())
    before = len(errors.items)
    for key in entry if kind in KIND_PARAMETERS else ():  # an unknown kind: reported once
        if key not in _PERIOD_KEYS and key not in wanted:
            errors.add(ErrorCode.RULEFILE_INVALID, f"未知的键“{key}”", entry, key, what=what)
    for key in ("from", *wanted):
        if key not in entry:
            errors.add(ErrorCode.RULEFILE_INVALID, f"缺少“{key}”", entry, what=what)
    start, end = entry.get("from"), entry.get("to")
    if "from" in entry and not isinstance(start, dt.date):
        errors.add(ErrorCode.RULEFILE_INVALID, f"from“{start}”须为日期（2021-01-01）", entry,
                   "from", what=what)
    if end is not None and not isinstance(end, dt.date):
        errors.add(ErrorCode.RULEFILE_INVALID, f"to“{end}”须为日期或留空", entry, "to", what=what)
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors.add(ErrorCode.RULE_DATES_OVERLAP, f"to {end} 早于 from {start}", entry, "to",
                   what=what)
    values = {}
    for key in wanted:
        value = entry.get(key)
        if key == "share":
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)) \
                    or not 0 < value <= 10:
                errors.add(ErrorCode.RULEFILE_INVALID, f"share“{value}”须为大于0的比例（如 0.5）",
                           entry, key, what=what)
            else:
                values[key] = Decimal(value)
        elif key in entry:
            if not _positive_int(value):
                errors.add(ErrorCode.RULEFILE_INVALID, f"{key}“{value}”须为正整数", entry, key,
                           what=what)
            else:
                values[key] = value
    example = entry.get("example", False) is True
    source = entry.get("source")
    if not example and not (isinstance(source, str) and source.strip()):
        errors.add(ErrorCode.RULE_PARAM_SOURCE,
                   "参数须注明来源（source）或标为示例值（example: true）", entry, what=what)
    if len(errors.items) > before:
        return None
    return ParameterPeriod(start=start, end=end, values=values, example=example,
                           source=(source or "").strip())


def _parse_rule(entry, errors: _Errors, seen: set[str], departments: set[str]) -> Rule | None:
    if not isinstance(entry, dict):
        errors.add(ErrorCode.RULEFILE_INVALID, "每条规则须为映射", entry)
        return None
    rid = entry.get("id")
    what = f"规则 {rid}" if rid else "规则"
    before = len(errors.items)
    for key in entry:
        if key not in _RULE_KEYS:
            errors.add(ErrorCode.RULEFILE_INVALID, f"未知的键“{key}”", entry, key, what=what)
    for key in _RULE_REQUIRED:
        if key not in entry:
            errors.add(ErrorCode.RULEFILE_INVALID, f"缺少“{key}”", entry, what=what)
    if rid is not None and (not isinstance(rid, str) or not rid.isidentifier()):
        errors.add(ErrorCode.RULEFILE_INVALID, f"规则编号“{rid}”须为英文标识符", entry, "id",
                   what=what)
    elif rid in seen:
        errors.add(ErrorCode.RULEFILE_INVALID, f"规则编号“{rid}”重复", entry, "id", what=what)
    seen.add(rid)
    kind = entry.get("kind")
    if "kind" in entry and kind not in KIND_PARAMETERS:
        errors.add(ErrorCode.RULE_KIND_UNKNOWN,
                   f"未知的规则类型“{kind}”（可用：{'、'.join(KIND_PARAMETERS)}）", entry, "kind",
                   what=what)
    watch = entry.get("watch")
    watched: tuple[str, ...] | None = None
    if watch != "all" and "watch" in entry:
        if not isinstance(watch, list) or not watch:
            errors.add(ErrorCode.RULEFILE_INVALID, "watch 须为类别列表或 all", entry, "watch",
                       what=what)
        else:
            known = {c.value for c in Category}
            for c in watch:
                if c not in known:
                    errors.add(ErrorCode.RULE_CATEGORY_UNKNOWN, f"未知的人员类别“{c}”", watch,
                               what=what)
            watched = tuple(str(c) for c in watch)
    level = entry.get("level")
    if "level" in entry and level not in LEVELS:
        errors.add(ErrorCode.RULEFILE_INVALID, f"level“{level}”须为 person 或 household", entry,
                   "level", what=what)
    for key in ("push_every_days", "verify_days"):
        if key in entry and not _positive_int(entry[key]):
            errors.add(ErrorCode.RULEFILE_INVALID, f"{key}“{entry[key]}”须为正整数（天）", entry,
                       key, what=what)
    recipients = entry.get("recipients")
    if "recipients" in entry:
        if not isinstance(recipients, list) or not recipients:
            errors.add(ErrorCode.RULEFILE_INVALID, "recipients 须为部门代码列表", entry,
                       "recipients", what=what)
            recipients = []
        for d in recipients:
            if d not in departments:
                errors.add(ErrorCode.RULE_DEPARTMENT_UNKNOWN,
                           f"推送部门“{d}”不存在（可用：{'、'.join(sorted(departments))}）",
                           recipients, what=what)
    periods: list[ParameterPeriod] = []
    params = entry.get("parameters")
    if "parameters" in entry:
        if not isinstance(params, list) or not params:
            errors.add(ErrorCode.RULEFILE_INVALID, "parameters 须为至少一个参数期间的列表", entry,
                       "parameters", what=what)
        else:
            for p in params:
                parsed = _parse_period(p, kind if kind in KIND_PARAMETERS else "", errors, what)
                if parsed:
                    periods.append(parsed)
            periods.sort(key=lambda p: p.start)
            for a, b in zip(periods, periods[1:], strict=False):
                if a.end is None or a.end >= b.start:
                    node = next((p for p in params if isinstance(p, dict)
                                 and p.get("from") == b.start), params)
                    errors.add(ErrorCode.RULE_DATES_OVERLAP,
                               f"参数期间重叠：自 {a.start} 起的期间与自 {b.start} 起的期间",
                               node, "from", what=what)
    if len(errors.items) > before:
        return None
    return Rule(id=rid, kind=kind, name=str(entry["name"]), watch=watched, level=level,
                push_every_days=entry["push_every_days"], recipients=tuple(recipients),
                verify_days=entry.get("verify_days", DEFAULT_VERIFY_DAYS),
                parameters=tuple(periods), where=f"{errors.file}:{line_of(entry)}")


def parse_rules(text: str, *, file: str) -> RuleSet:
    """One rule file's text as a RuleSet; ValidationErrors listing every problem otherwise."""
    errors = _Errors(file)
    try:
        data = load_yaml_text(text, file=file)
    except PolicyError as e:
        raise ValidationErrors([DomainError(ErrorCode.RULEFILE_INVALID, str(e))]) from None
    if not isinstance(data, dict):
        raise ValidationErrors([DomainError(ErrorCode.RULEFILE_INVALID, f"{file}：须为映射")])
    for key in data:
        if key not in _FILE_KEYS:
            errors.add(ErrorCode.RULEFILE_INVALID, f"未知的键“{key}”", data, key)
    region = data.get("region")
    if not isinstance(region, str) or not region.isdigit() or len(region) not in (2, 6):
        errors.add(ErrorCode.RULEFILE_INVALID, f"region“{region}”须为2位省级或6位县级区划代码（文本）",
                   data, "region")
    elif Path(file).stem != region:
        errors.add(ErrorCode.RULEFILE_INVALID, f"文件名须为 {region}.yaml", data, "region")
    rules = data.get("rules")
    parsed: list[Rule] = []
    if not isinstance(rules, list) or not rules:
        errors.add(ErrorCode.RULEFILE_INVALID, "rules 须为至少一条规则的列表", data, "rules")
    else:
        seen: set[str] = set()
        departments = _departments()
        for entry in rules:
            rule = _parse_rule(entry, errors, seen, departments)
            if rule:
                parsed.append(rule)
    if errors.items:
        raise ValidationErrors(errors.items)
    return RuleSet(region=region, file=file, rules=tuple(parsed))


def parse_incomes(text: str, *, file: str) -> Incomes:
    errors = _Errors(file)
    try:
        data = load_yaml_text(text, file=file)
    except PolicyError as e:
        raise ValidationErrors([DomainError(ErrorCode.RULEFILE_INVALID, str(e))]) from None
    if not isinstance(data, dict) or not isinstance(data.get("incomes"), dict):
        raise ValidationErrors([DomainError(ErrorCode.RULEFILE_INVALID,
                                            f"{file}：须有 incomes（省代码 → 年度 → 元）")])
    example = data.get("example", False) is True
    source = data.get("source")
    if not example and not (isinstance(source, str) and source.strip()):
        errors.add(ErrorCode.RULE_PARAM_SOURCE, "收入须注明来源（source）或标为示例值（example: true）",
                   data)
    by_province: dict[str, dict[int, int]] = {}
    for province, years in data["incomes"].items():
        if not isinstance(province, str) or not province.isdigit() or len(province) != 2:
            errors.add(ErrorCode.RULEFILE_INVALID, f"省代码“{province}”须为2位数字（文本）",
                       data["incomes"], province)
            continue
        if not isinstance(years, dict):
            errors.add(ErrorCode.RULEFILE_INVALID, "须为 年度 → 元", data["incomes"], province)
            continue
        for year, yuan in years.items():
            if not _positive_int(year) or not 1990 <= year <= 2099 or not _positive_int(yuan):
                errors.add(ErrorCode.RULEFILE_INVALID, f"{province} {year}：年度与金额（元）须为正整数",
                           years, year)
        by_province[province] = {int(y): int(v) for y, v in years.items()
                                 if _positive_int(y) and _positive_int(v)}
    if errors.items:
        raise ValidationErrors(errors.items)
    return Incomes(by_province=by_province, example=example, source=(source or "").strip(),
                   file=file)


def _display(path: Path) -> str:
    base = Path(settings.JKFP_POLICIES_DIR).parent
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def load_rules_file(path: Path) -> RuleSet:
    return read_when_changed(path, lambda p: parse_rules(p.read_text(encoding="utf-8"),
                                                         file=_display(p)))


def incomes() -> Incomes:
    path = rules_dir() / INCOMES_FILE
    if not path.is_file():
        raise DomainError(ErrorCode.RULE_NOT_FOUND, f"缺少收入文件 {_display(path)}")
    return read_when_changed(path, lambda p: parse_incomes(p.read_text(encoding="utf-8"),
                                                           file=_display(p)))


def rules_for(region_code: str) -> RuleSet:
    """The rules that apply in `region_code`: its county's own file, else its province's."""
    directory = rules_dir()
    for prefix in (region_code[:6], region_code[:2]):
        if len(region_code) >= len(prefix) and (directory / f"{prefix}.yaml").is_file():
            return load_rules_file(directory / f"{prefix}.yaml")
    raise DomainError(ErrorCode.RULE_NOT_FOUND, f"区划 {region_code} 没有监测预警规则文件",
                      field="region_code")


def rule_files() -> list[Path]:
    directory = rules_dir()
    return sorted(p for p in directory.glob("*.yaml") if p.name != INCOMES_FILE) \
        if directory.is_dir() else []


def check_all() -> tuple[list[RuleSet], list[DomainError]]:
    """Every rule file and the incomes file, with every error found (nothing raised)."""
    sets, problems = [], []
    for path in rule_files():
        try:
            sets.append(parse_rules(path.read_text(encoding="utf-8"), file=_display(path)))
        except ValidationErrors as e:
            problems += e.errors
    try:
        found = incomes()
    except ValidationErrors as e:
        problems += e.errors
    except DomainError as e:
        problems.append(e)
    else:
        for rs in sets:
            if rs.get("medical_cost_return") or any(r.kind in ("medical_cost", "projected_cost")
                                                    for r in rs.rules):
                if rs.region[:2] not in found.by_province:
                    problems.append(DomainError(
                        ErrorCode.RULE_NOT_FOUND,
                        f"{found.file}：没有省代码 {rs.region[:2]} 的农村居民人均可支配收入"
                        f"（{rs.file} 的医疗费用规则须用）"))
    return sets, problems
