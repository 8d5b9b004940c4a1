"""The reader of `policies/contracts/standards.yaml`: strict validation, every error with the
file and the line (the rules are in `standards.py`'s docstring)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file

from .standards import (
    DENOMINATORS,
    DISEASES,
    FILE,
    ITEMS,
    PACKAGES,
    Control,
    DiseaseStandard,
    Package,
    SignRule,
    Standards,
)

_TOP_KEYS = {"description", "diseases", "should_sign", "packages"}
_DISEASE_KEYS = {"name", "values"}
_ENTRY_KEYS = {"min_visits", "max_gap_months", "next_visit_months", "next_visit_by_risk",
               "control", "standard_doses_percent_at_least", "standard_denominator", "source",
               "example", "note"}
_ENTRY_REQUIRED = ("min_visits", "next_visit_months", "control", "standard_denominator")
_CONTROL_KEYS = {"systolic_below", "diastolic_below", "older_from_age", "older_systolic_below",
                 "older_diastolic_below", "glucose_below", "doses_percent_at_least",
                 "risk_level_at_most"}
_SIGN_KEYS = {"categories", "source", "example", "note"}
_PACKAGE_KEYS = {"name", "values"}
_PACKAGE_ENTRY_KEYS = {"items", "source", "example", "note"}


class StandardsFileError(FileError):
    code = ErrorCode.STANDARDS_INVALID


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[DomainError] = []

    def error(self, msg: str, node, key, path: str) -> None:
        self.errors.append(StandardsFileError(msg, file=self.file, line=line_of(node, key),
                                              key=path))

    def keys(self, node: dict, allowed: set[str], path: str) -> None:
        for key in node:
            if key not in allowed:
                self.error(f"未知的键“{key}”", node, key, f"{path}.{key}" if path else str(key))

    def mapping(self, node, key, path: str) -> dict | None:
        value = node.get(key) if isinstance(node, dict) else None
        if not isinstance(value, dict):
            self.error(f"缺少 {key}（须为映射）", node, key if key in (node or {}) else None,
                       path)
            return None
        return value

    def whole(self, node: dict, key: str, path: str, *, low: int = 0, high: int = 1000,
              required: bool = True) -> int | None:
        if key not in node:
            if required:
                self.error(f"缺少“{key}”", node, None, path)
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(f"取值“{value}”须为{low}至{high}之间的整数", node, key, f"{path}.{key}")
            return None
        return value

    def provenance(self, entry: dict, path: str) -> tuple[str, bool] | None:
        example = entry.get("example")
        if "example" in entry and example is not True:
            self.error("example 只能写 true", entry, "example", f"{path}.example")
        source = entry.get("source")
        if source is not None and not isinstance(source, str):
            self.error("source 须为文字", entry, "source", f"{path}.source")
            source = ""
        source = (source or "").strip()
        if not source and example is not True:
            self.error("须注明来源（source），无公开来源时写 example: true", entry, None, path)
            return None
        return source, example is True

    def dated(self, spec: dict, path: str):
        """(start date, entry mapping) of `spec.values` in order; errors for bad dates."""
        values = spec.get("values")
        if not isinstance(values, dict) or not values:
            self.error("须有 values：日期 → 取值", spec, "values" if "values" in spec else None,
                       path)
            return
        last = None
        for start, entry in values.items():
            where = f"{path}.values.{start}"
            if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
                self.error("起始日期须为 YYYY-MM-DD", values, start, where)
                continue
            if not isinstance(entry, dict):
                self.error("须为映射（取值与 source 或 example: true）", values, start, where)
                continue
            if last is not None and start <= last:
                self.error("日期须按先后排列且不重复", values, start, where)
                continue
            last = start
            yield start, entry, where


def _disease_entry(c: _Checker, code: str, name: str, start: dt.date, entry: dict,
                   where: str) -> DiseaseStandard | None:
    n_errors = len(c.errors)
    c.keys(entry, _ENTRY_KEYS, where)
    for key in _ENTRY_REQUIRED:
        if key not in entry:
            c.error(f"缺少“{key}”", entry, None, where)
    min_visits = c.whole(entry, "min_visits", where, low=0, high=366)
    next_months = c.whole(entry, "next_visit_months", where, low=1, high=12)
    max_gap = c.whole(entry, "max_gap_months", where, low=1, high=12, required=False)
    doses = c.whole(entry, "standard_doses_percent_at_least", where, low=1, high=100,
                    required=False)
    denominator = entry.get("standard_denominator")
    if "standard_denominator" in entry and denominator not in DENOMINATORS:
        c.error(f"“{denominator}”无效，须为 managed（已管理）或 on_register（在册）", entry,
                "standard_denominator", f"{where}.standard_denominator")
    by_risk: list[tuple[int, int]] = []
    risk = entry.get("next_visit_by_risk")
    if risk is not None:
        if not isinstance(risk, dict):
            c.error("须为映射：危险性等级 → 天数", entry, "next_visit_by_risk",
                    f"{where}.next_visit_by_risk")
        else:
            for level, days in risk.items():
                p = f"{where}.next_visit_by_risk.{level}"
                if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 5:
                    c.error("危险性等级须为0至5", risk, level, p)
                elif isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
                    c.error(f"天数“{days}”须为1至366之间的整数", risk, level, p)
                else:
                    by_risk.append((level, days))
    control_node = entry.get("control")
    control = None
    if "control" in entry:
        if not isinstance(control_node, dict) or not control_node:
            c.error("control 须为映射（控制标准）", entry, "control", f"{where}.control")
        else:
            cp = f"{where}.control"
            c.keys(control_node, _CONTROL_KEYS, cp)
            values: dict = {}
            for key, (low, high) in {"systolic_below": (50, 300), "diastolic_below": (30, 200),
                                     "older_from_age": (1, 120),
                                     "older_systolic_below": (50, 300),
                                     "older_diastolic_below": (30, 200),
                                     "doses_percent_at_least": (1, 100),
                                     "risk_level_at_most": (0, 5)}.items():
                values[key] = c.whole(control_node, key, cp, low=low, high=high, required=False)
            glucose = control_node.get("glucose_below")
            if glucose is not None:
                if isinstance(glucose, bool) or not isinstance(glucose, (int, Decimal)) \
                        or not Decimal("1.0") <= Decimal(glucose) <= Decimal("40.0"):
                    c.error(f"取值“{glucose}”须为1.0至40.0之间的数", control_node,
                            "glucose_below", f"{cp}.glucose_below")
                    glucose = None
                else:
                    glucose = Decimal(glucose)
            values["glucose_below"] = glucose
            older = [values[k] for k in ("older_from_age", "older_systolic_below",
                                         "older_diastolic_below")]
            if any(v is not None for v in older) and not all(v is not None for v in older):
                c.error("older_from_age、older_systolic_below、older_diastolic_below 须同时给出",
                        control_node, None, cp)
            if (values["systolic_below"] is None) != (values["diastolic_below"] is None):
                c.error("systolic_below 与 diastolic_below 须同时给出", control_node, None, cp)
            if values["older_from_age"] is not None and values["systolic_below"] is None:
                c.error("老年人的血压标准须与一般标准同时给出", control_node, None, cp)
            control = Control(**values)
    note = entry.get("note", "")
    if not isinstance(note, str):
        c.error("note 须为文字", entry, "note", f"{where}.note")
    prov = c.provenance(entry, where)
    if len(c.errors) > n_errors or prov is None or control is None:
        return None
    return DiseaseStandard(
        disease=code, name=name, start=start, min_visits=min_visits,
        next_visit_months=next_months, control=control, standard_denominator=denominator,
        max_gap_months=max_gap, standard_doses_percent_at_least=doses,
        next_visit_by_risk=tuple(sorted(by_risk, reverse=True)), source=prov[0],
        example=prov[1], note=note if isinstance(note, str) else "")


def parse(data, *, file: str) -> Standards:
    """Validate the content of a standards file; all errors at once (ValidationErrors)."""
    c = _Checker(file)
    if not isinstance(data, dict):
        raise ValidationErrors([StandardsFileError("文件内容须为映射", file=file, line=1)])
    c.keys(data, _TOP_KEYS, "")
    diseases: dict[str, list[DiseaseStandard]] = {}
    node = c.mapping(data, "diseases", "diseases")
    if node is not None:
        for code in node:
            if code not in DISEASES:
                c.error(f"未知的病种“{code}”（可用：{'、'.join(DISEASES)}）", node, code,
                        f"diseases.{code}")
        for code in DISEASES:
            spec = node.get(code)
            path = f"diseases.{code}"
            if not isinstance(spec, dict):
                c.error(f"缺少病种“{code}”", node, code if code in node else None, path)
                continue
            c.keys(spec, _DISEASE_KEYS, path)
            name = spec.get("name")
            if not isinstance(name, str) or not name.strip():
                c.error("缺少 name（中文病种名）", spec, "name" if "name" in spec else None, path)
                name = code
            entries = [_disease_entry(c, code, name, start, entry, where)
                       for start, entry, where in c.dated(spec, path)]
            diseases[code] = [e for e in entries if e is not None]
    should_sign: list[SignRule] = []
    node = c.mapping(data, "should_sign", "should_sign")
    if node is not None:
        c.keys(node, {"values", "description"}, "should_sign")
        for start, entry, where in c.dated(node, "should_sign"):
            n_errors = len(c.errors)
            c.keys(entry, _SIGN_KEYS, where)
            cats = entry.get("categories")
            codes = {x.value for x in Category}
            if not isinstance(cats, list) or not cats:
                c.error("categories 须为类别代码的列表", entry,
                        "categories" if "categories" in entry else None, f"{where}.categories")
                cats = []
            for cat in cats:
                if cat not in codes:
                    c.error(f"未知的类别“{cat}”", entry, "categories", f"{where}.categories")
            prov = c.provenance(entry, where)
            if len(c.errors) == n_errors and prov is not None:
                should_sign.append(SignRule(start, frozenset(cats), prov[0], prov[1]))
    packages: dict[str, list[Package]] = {}
    node = c.mapping(data, "packages", "packages")
    if node is not None:
        for code in node:
            if code not in PACKAGES:
                c.error(f"未知的服务包“{code}”（可用：{'、'.join(PACKAGES)}）", node, code,
                        f"packages.{code}")
        for code in PACKAGES:
            spec = node.get(code)
            path = f"packages.{code}"
            if not isinstance(spec, dict):
                c.error(f"缺少服务包“{code}”", node, code if code in node else None, path)
                continue
            c.keys(spec, _PACKAGE_KEYS, path)
            name = spec.get("name") if isinstance(spec.get("name"), str) else code
            found = []
            for start, entry, where in c.dated(spec, path):
                n_errors = len(c.errors)
                c.keys(entry, _PACKAGE_ENTRY_KEYS, where)
                items = entry.get("items")
                if not isinstance(items, dict) or not items:
                    c.error("items 须为映射：服务项目 → 每年次数", entry,
                            "items" if "items" in entry else None, f"{where}.items")
                    items = {}
                for item in items:
                    if item not in ITEMS:
                        c.error(f"未知的服务项目“{item}”（可用：{'、'.join(ITEMS)}）", items, item,
                                f"{where}.items.{item}")
                    else:
                        c.whole(items, item, f"{where}.items", low=1, high=366)
                prov = c.provenance(entry, where)
                if len(c.errors) == n_errors and prov is not None:
                    found.append(Package(code, name, start, dict(items), prov[0], prov[1]))
            packages[code] = found
    if c.errors:
        raise ValidationErrors(c.errors)
    return Standards(diseases=diseases, should_sign=should_sign, packages=packages)


def load(path: Path | None = None) -> Standards:
    """Read and validate the standards file (by default the one under JKFP_POLICIES_DIR)."""
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(path))
    except DomainError as exc:
        raise ValidationErrors([StandardsFileError(exc.message, file=str(path),
                                                   line=exc.row)]) from None
    return parse(data, file=str(path))
