"""Reading the indicator files (decision 58a): `policies/indicators/*.yaml`, strictly — every
error at once, each with its file, line and key in Chinese — into `definitions.Definitions`.
Imported through `definitions` (which re-exports `current`, `load`, `parse`), not directly.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file

from .definitions import UNITS_OF_VALUE, Definitions, Indicator, Ref, predicates
from .periods import UNITS


class IndicatorFileError(FileError):
    code = ErrorCode.INDICATOR_INVALID


_KEYS = {"name", "plan", "passage", "unit", "direction", "target", "source", "example", "note",
         "periods", "population", "filters", "numerator", "numerator_label",
         "denominator_label", "baseline_year", "target_change"}


class _Loader:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[DomainError] = []

    def error(self, msg: str, node, key, path: str) -> None:
        self.errors.append(IndicatorFileError(msg, file=self.file, line=line_of(node, key),
                                              key=path))

    def text(self, node: dict, key: str, path: str, *, required: bool = True) -> str:
        value = node.get(key)
        if value is None:
            if required:
                self.error(f"缺少“{key}”", node, None, path)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(f"“{key}”须为文字", node, key, f"{path}.{key}")
            return ""
        return value.strip()

    def ref(self, text, node, key, path: str, *, kind: str | None = None) -> Ref | None:
        if not isinstance(text, str):
            self.error("须为谓词名称", node, key, path)
            return None
        name, _, arg = text.strip().partition(":")
        registry = predicates()
        p = registry.get(name)
        if p is None:
            self.error(f"未知的谓词“{name}”；已有：{'、'.join(sorted(registry))}", node, key,
                       path)
            return None
        if p.takes_arg != bool(arg):
            self.error(f"谓词“{name}”{'须' if p.takes_arg else '不接受'}带参数（名称:参数）",
                       node, key, path)
            return None
        if p.choices is not None and arg not in p.choices():
            self.error(f"谓词“{name}”的参数“{arg}”不存在；可用：{'、'.join(sorted(p.choices()))}",
                       node, key, path)
            return None
        if kind and p.kind != kind:
            self.error(f"谓词“{name}”不是人员条件", node, key, path)
            return None
        return Ref(p, arg)

    def indicator(self, iid: str, e, node) -> Indicator | None:
        path = str(iid)
        if not isinstance(e, dict):
            self.error("须为映射", node, iid, path)
            return None
        n = len(self.errors)
        for key in e:
            if key not in _KEYS:
                self.error(f"未知的键“{key}”", e, key, f"{path}.{key}")
        name = self.text(e, "name", path)
        plan = self.text(e, "plan", path, required=False)
        passage = self.text(e, "passage", path, required=False)
        unit = e.get("unit", "percent")
        if unit not in UNITS_OF_VALUE:
            self.error(f"单位“{unit}”不存在：应为 percent、ratio_fen 或 count", e, "unit",
                       f"{path}.unit")
        direction = e.get("direction", "higher")
        if direction not in ("higher", "lower"):
            self.error(f"方向“{direction}”不存在：应为 higher 或 lower", e, "direction",
                       f"{path}.direction")
        example = e.get("example", False)
        if example not in (True, False):
            self.error("example 只能写 true", e, "example", f"{path}.example")
        target = e.get("target")
        source = e.get("source") or ""
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, int | float) or not (
                    0 <= target <= 100):
                self.error(f"目标值“{target}”须为0至100之间的数（百分比）", e, "target",
                           f"{path}.target")
            if not str(source).strip() and example is not True:
                self.error("目标值须注明来源（source），无公开来源时写 example: true", e,
                           "target", f"{path}.target")
        periods = e.get("periods", list(UNITS))
        if not isinstance(periods, list) or not periods:
            self.error("periods 须为列表", e, "periods", f"{path}.periods")
            periods = []
        for pu in periods:
            if pu not in UNITS:
                self.error(f"期间单位“{pu}”不存在：应为 month、quarter 或 year", e, "periods",
                           f"{path}.periods")
        population = self.ref(e.get("population"), e, "population", f"{path}.population")
        numerator = self.ref(e.get("numerator"), e, "numerator", f"{path}.numerator")
        filters = []
        raw = e.get("filters", [])
        if not isinstance(raw, list):
            self.error("filters 须为列表", e, "filters", f"{path}.filters")
            raw = []
        for f in raw:
            r = self.ref(f, e, "filters", f"{path}.filters", kind="persons")
            if r:
                filters.append(r)
        if population and population.predicate.kind == "regional" and filters:
            self.error(f"总体“{population}”按机构或区划归属，不能带人员条件（filters）", e,
                       "filters", f"{path}.filters")
        if population and numerator and population.predicate.unit != numerator.predicate.unit:
            self.error(f"分子（{numerator.predicate.unit}）与总体（{population.predicate.unit}）"
                       "的计数单位不同", e, "numerator", f"{path}.numerator")
        baseline, change = e.get("baseline_year"), e.get("target_change")
        if (baseline is None) != (change is None):
            self.error("baseline_year 与 target_change 须同时给出", e, "baseline_year",
                       f"{path}.baseline_year")
        elif baseline is not None and (isinstance(baseline, bool) or not isinstance(
                baseline, int) or isinstance(change, bool) or not isinstance(change, int | float)):
            self.error("baseline_year 须为年份，target_change 须为数（百分点）", e,
                       "baseline_year", f"{path}.baseline_year")
        if len(self.errors) > n:
            return None
        return Indicator(
            id=str(iid), name=name, plan=plan, passage=passage, unit=unit, direction=direction,
            target=None if target is None else float(target), target_source=str(source).strip(),
            example=example is True, example_note=str(e.get("note") or ""),
            periods=tuple(periods), population=population, filters=tuple(filters),
            numerator=numerator, numerator_label=str(e.get("numerator_label") or "分子"),
            denominator_label=str(e.get("denominator_label") or "分母"),
            file=self.file, line=line_of(node, iid),
            baseline_year=baseline, target_change=None if change is None else float(change))


def parse(data, *, file: str) -> Definitions:
    c = _Loader(file)
    if not isinstance(data, dict):
        raise ValidationErrors([IndicatorFileError("文件须为映射", file=file, line=1)])
    for key in data:
        if key not in ("definitions", "indicators"):
            c.error(f"未知的键“{key}”", data, key, str(key))
    defs = data.get("definitions") or {}
    poor = defs.get("poor_categories") if isinstance(defs, dict) else None
    if not isinstance(poor, list) or not poor:
        c.error("definitions.poor_categories 须为类别列表", data, "definitions",
                "definitions.poor_categories")
        poor = []
    required = _required(c, defs if isinstance(defs, dict) else {})
    from jkfp.categories import Category
    for cat in poor:
        if cat not in {x.value for x in Category}:
            c.error(f"未知的类别“{cat}”", defs, "poor_categories", "definitions.poor_categories")
    out: dict[str, Indicator] = {}
    items = data.get("indicators") or {}
    if not isinstance(items, dict):
        c.error("indicators 须为映射", data, "indicators", "indicators")
        items = {}
    for iid, e in items.items():
        ind = c.indicator(iid, e, items)
        if ind:
            out[ind.id] = ind
    if c.errors:
        raise ValidationErrors(c.errors)
    return Definitions(poor=tuple(poor), indicators=out, special_treatment_required=required)


def _required(c: _Loader, defs: dict) -> dict[str, int]:
    """`definitions.special_treatment_required`: region prefix → {count, source}."""
    raw = defs.get("special_treatment_required") or {}
    path = "definitions.special_treatment_required"
    if not isinstance(raw, dict):
        c.error("须为映射（区划代码 → count、source）", defs, "special_treatment_required", path)
        return {}
    out = {}
    for code, e in raw.items():
        code = str(code)
        if not code.isdigit() or len(code) not in (2, 4, 6):
            c.error(f"区划代码“{code}”须为2、4或6位数字", raw, code, f"{path}.{code}")
            continue
        if not isinstance(e, dict) or set(e) - {"count", "source", "example"}:
            c.error("须为映射，只含 count、source、example", raw, code, f"{path}.{code}")
            continue
        n = e.get("count")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            c.error(f"病种数“{n}”须为正整数", e, "count", f"{path}.{code}.count")
            continue
        if not str(e.get("source") or "").strip() and e.get("example") is not True:
            c.error("病种数须注明来源（source），无公开来源时写 example: true", e, "count",
                    f"{path}.{code}.count")
            continue
        out[code] = n
    return out


def folder() -> Path:
    return Path(settings.JKFP_POLICIES_DIR) / "indicators"


def load(path: Path | None = None) -> Definitions:
    """Every file of the folder (or one file), merged; an id defined twice is an error."""
    files = [path] if path else sorted(folder().glob("*.yaml"))
    poor: tuple[str, ...] = ()
    required: dict[str, int] = {}
    merged: dict[str, Indicator] = {}
    errors: list[DomainError] = []
    for f in files:
        display = f"policies/indicators/{f.name}"
        try:
            data = load_yaml_file(f, display=display)
        except ValidationErrors as e:
            errors += e.errors
            continue
        except DomainError as exc:
            errors.append(IndicatorFileError(exc.message, file=display, line=exc.row))
            continue
        try:
            d = parse(data, file=display)
        except ValidationErrors as e:
            errors += e.errors
            continue
        poor = poor or d.poor
        required = {**d.special_treatment_required, **required}
        for iid, ind in d.indicators.items():
            if iid in merged:
                errors.append(IndicatorFileError(f"指标“{iid}”重复定义", file=display,
                                                 line=ind.line, key=iid))
            merged[iid] = ind
    if errors:
        raise ValidationErrors(errors)
    return Definitions(poor=poor, indicators=merged, special_treatment_required=required)


_cache: dict[str, Definitions] = {}


def current() -> Definitions:
    key = str(folder())
    if key not in _cache:
        _cache[key] = load()
    return _cache[key]
