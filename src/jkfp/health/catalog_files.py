"""Reading and validating the catalog files of `catalogs/` (docs/catalogs.md): every problem at
once, each naming the file and the line. The catalog itself and its queries are `catalog.py`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.yamlfile import YMap, line_of, load_yaml_file

from .catalog import (
    _CATEGORIES,
    _CODE,
    _CODE_MAX,
    _DISEASE_FILE_KEYS,
    _DISEASE_FILE_REQUIRED,
    _ELIGIBILITY_FILE_KEYS,
    _ENTRY_KEYS,
    _NAME_MAX,
    _REGION,
    _REGION_LENGTHS,
    _RULE_KEYS,
    ELIGIBILITY,
    KINDS,
    NATIONAL,
    PROGRAMMES,
    Catalog,
    Disease,
    EligibilityRule,
    Icd10Range,
    icd10_range,
)

# --- reading and validating --------------------------------------------------------------------

class CatalogFileError(FileError):
    """A problem in a catalog file; the message starts with file:line."""
    code = ErrorCode.CATALOG_INVALID


class _File:
    """Collects the errors of one file."""

    def __init__(self, name: str, errors: list[DomainError]):
        self.name = name
        self.errors = errors

    def error(self, message: str, node, key=None, path: str = "") -> None:
        self.errors.append(CatalogFileError(message, file=self.name, line=line_of(node, key),
                                            key=path))

    def unknown_keys(self, node: dict, allowed: set, prefix: str = "") -> None:
        for key in node:
            if key not in allowed:
                self.error(f"未知的键“{key}”（可用：{'、'.join(sorted(allowed))}）", node, key,
                           f"{prefix}{key}")

    def date(self, node: dict, key: str, path: str) -> dt.date | None | bool:
        """The date under `key`; None if absent; False if present but not a date."""
        if key not in node or node[key] is None:
            return None
        value = node[key]
        if type(value) is not dt.date:
            self.error(f"日期“{value}”须写成 YYYY-MM-DD", node, key, f"{path}{key}")
            return False
        return value

    def provenance(self, node: dict, path: str, default: tuple[str, bool] | None = None
                   ) -> tuple[str, bool] | None:
        """(source, example) of a node, else the default; None (and an error) if neither."""
        ok = True
        source = node.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            self.error("source 须为非空文字", node, "source", f"{path}source")
            ok = False
        example = node.get("example")
        if example is not None and example is not True:
            self.error("example 只能写 true（无公开来源时）", node, "example", f"{path}example")
            ok = False
        if not ok:
            return None
        if source and example:
            self.error("source 与 example: true 不能同时出现", node, "example", f"{path}example")
            return None
        if source:
            return source.strip(), False
        if example:
            return "", True
        if default is None:
            self.error("须注明来源（source），无公开来源时写 example: true", node, None,
                       path.rstrip(".") or "")
        return default

    def region(self, node: dict, path: str) -> str | None:
        value = node.get("region")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value in ("national", ""):
            return NATIONAL
        if isinstance(value, str) and _REGION.fullmatch(value) and len(value) in _REGION_LENGTHS:
            return value
        self.error(f"区划“{value}”须为 national 或 2、4、6、9、12 位区划代码前缀（加引号）",
                   node, "region", f"{path}region")
        return None


def _period(f: _File, node: dict, path: str, default_start=None, default_end=None):
    start = f.date(node, "start", path)
    end = f.date(node, "end", path)
    if start is False or end is False:
        return None
    start = start or default_start
    end = end or default_end
    if start is None:
        f.error("缺少起始日期 start", node, None, path.rstrip("."))
        return None
    if end is not None and end < start:
        f.error(f"结束日期 {end} 早于起始日期 {start}", node, "end" if "end" in node else None,
                f"{path}end")
        return None
    return start, end


def _parse_diseases(f: _File, data: dict) -> list[Disease]:
    f.unknown_keys(data, _DISEASE_FILE_KEYS)
    for key in _DISEASE_FILE_REQUIRED:
        if key not in data:
            f.error(f"缺少 {key}", data, None, key)
    region = f.region(data, "") if "region" in data else None
    kind = data.get("kind")
    icd10_source = data.get("icd10_source")
    if "icd10_source" in data and (not isinstance(icd10_source, str) or not icd10_source.strip()):
        f.error("icd10_source 须说明 ICD-10 对应的出处（本系统自定时写 system mapping）", data,
                "icd10_source", "icd10_source")
    file_prov = None
    if "source" in data or "example" in data:
        file_prov = f.provenance(data, "")
    file_start = f.date(data, "start", "") or None
    file_end = f.date(data, "end", "") or None
    if file_start and file_end and file_end < file_start:
        f.error(f"结束日期 {file_end} 早于起始日期 {file_start}", data, "end", "end")
    entries = data.get("entries")
    if "entries" in data and (not isinstance(entries, list) or not entries):
        f.error("entries 须为病种列表（至少一项）", data, "entries", "entries")
        return []
    if region is None or kind not in KINDS or not isinstance(icd10_source, str) \
            or not icd10_source.strip() or entries is None:
        return []
    out: list[Disease] = []
    for i, entry in enumerate(entries):
        path = f"entries[{i}]."
        if not isinstance(entry, dict):
            f.error("须为映射：code、name、icd10、start …", entries, None, path.rstrip("."))
            continue
        f.unknown_keys(entry, _ENTRY_KEYS, path)
        ok = True
        for key in ("code", "name", "icd10"):
            if key not in entry:
                f.error(f"缺少 {key}", entry, None, f"{path}{key}")
                ok = False
        code = entry.get("code")
        if "code" in entry and (not isinstance(code, str) or not _CODE.fullmatch(code)
                                or len(code) > _CODE_MAX):
            f.error(f"病种代码“{code}”须为英文小写加下划线（snake_case，至多 {_CODE_MAX} 个字符）",
                    entry, "code", f"{path}code")
            ok = False
        name = entry.get("name")
        if "name" in entry and (not isinstance(name, str) or not name.strip()
                                or len(name) > _NAME_MAX):
            f.error(f"病种名称须为非空文字（至多 {_NAME_MAX} 字）", entry, "name", f"{path}name")
            ok = False
        note = entry.get("note", "")
        if not isinstance(note, str):
            f.error("note 须为文字", entry, "note", f"{path}note")
            ok = False
        ranges: list[Icd10Range] = []
        icd10 = entry.get("icd10")
        if "icd10" in entry:
            if not isinstance(icd10, list) or not icd10:
                f.error("icd10 须为列表，如 [C16] 或 [C18-C20]", entry, "icd10", f"{path}icd10")
                ok = False
            else:
                for item in icd10:
                    try:
                        ranges.append(icd10_range(item))
                    except DomainError as exc:
                        f.errors.append(CatalogFileError(
                            exc.message, file=f.name, line=line_of(entry, "icd10"),
                            key=f"{path}icd10"))
                        ok = False
        period = _period(f, entry, path, default_start=file_start, default_end=file_end)
        prov = f.provenance(entry, path, default=file_prov)
        if not ok or period is None or prov is None:
            continue
        out.append(Disease(code=code, name=name.strip(), kind=kind, icd10=tuple(ranges),
                           start=period[0], end=period[1], region=region, source=prov[0],
                           example=prov[1], note=note.strip(),
                           icd10_source=icd10_source.strip(), file=f.name,
                           line=line_of(entry) if isinstance(entry, YMap) else None))
    return out


def _parse_rules(f: _File, data: dict) -> list[EligibilityRule]:
    f.unknown_keys(data, _ELIGIBILITY_FILE_KEYS)
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        f.error("rules 须为规则列表（至少一项）", data, "rules" if "rules" in data else None,
                "rules")
        return []
    out: list[EligibilityRule] = []
    for i, rule in enumerate(rules):
        path = f"rules[{i}]."
        if not isinstance(rule, dict):
            f.error("须为映射：region、programme、start、categories …", rules, None,
                    path.rstrip("."))
            continue
        f.unknown_keys(rule, _RULE_KEYS, path)
        ok = True
        for key in ("region", "programme", "categories"):
            if key not in rule:
                f.error(f"缺少 {key}", rule, None, f"{path}{key}")
                ok = False
        region = f.region(rule, path) if "region" in rule else None
        programme = rule.get("programme")
        if "programme" in rule and programme not in PROGRAMMES:
            f.error(f"未知的项目“{programme}”（可用：{'、'.join(PROGRAMMES)}）", rule, "programme",
                    f"{path}programme")
            ok = False
        categories = rule.get("categories")
        found: set[str] = set()
        if "categories" in rule:
            if not isinstance(categories, list) or not categories:
                f.error("categories 须为人员类别代码的列表", rule, "categories",
                        f"{path}categories")
                ok = False
            else:
                for c in categories:
                    if c not in _CATEGORIES:
                        f.error(f"未知的人员类别“{c}”（见 jkfp/categories.py）", rule,
                                "categories", f"{path}categories")
                        ok = False
                    elif c in found:
                        f.error(f"人员类别“{c}”重复", rule, "categories", f"{path}categories")
                        ok = False
                    found.add(c)
        note = rule.get("note", "")
        if not isinstance(note, str):
            f.error("note 须为文字", rule, "note", f"{path}note")
            ok = False
        period = _period(f, rule, path)
        prov = f.provenance(rule, path)
        if not ok or region is None or period is None or prov is None:
            continue
        out.append(EligibilityRule(region=region, programme=programme, start=period[0],
                                   end=period[1], categories=frozenset(found), source=prov[0],
                                   example=prov[1], note=note.strip(), file=f.name,
                                   line=line_of(rule)))
    return out


def _periods_overlap(a, b) -> bool:
    a_end = a.end or dt.date.max
    b_end = b.end or dt.date.max
    return a.start <= b_end and b.start <= a_end


def _cross_checks(diseases: list[Disease], rules: list[EligibilityRule],
                  errors: list[DomainError]) -> None:
    """One list must not hold a disease twice, nor two diseases sharing ICD-10 codes, on the
    same dates; one region must not have two eligibility rules of a programme on one date."""
    seen: dict[tuple[str, str], list[Disease]] = {}
    for d in diseases:
        others = seen.setdefault((d.region, d.kind), [])
        for o in others:
            if not _periods_overlap(d, o):
                continue
            if o.code == d.code:
                errors.append(CatalogFileError(
                    f"病种“{d.code}”在同一目录的同一时期重复（已见于 {o.where}）",
                    file=d.file, line=d.line, key="code"))
                continue
            shared = next(((a, b) for a in d.icd10 for b in o.icd10 if a.overlaps(b)), None)
            if shared:
                errors.append(CatalogFileError(
                    f"ICD-10 {shared[0]} 与病种“{o.code}”的 {shared[1]} 重叠（{o.where}），"
                    "同一目录同一时期一个诊断只能对应一个病种", file=d.file, line=d.line,
                    key="icd10"))
        others.append(d)
    seen_rules: dict[tuple[str, str], list[EligibilityRule]] = {}
    for r in rules:
        others = seen_rules.setdefault((r.region, r.programme), [])
        for o in others:
            if _periods_overlap(r, o):
                errors.append(CatalogFileError(
                    f"同一区划、同一项目的准入规则时期重叠（已见于 {o.where}）", file=r.file,
                    line=r.line, key="start"))
        others.append(r)


def catalog_files(directory: Path) -> list[Path]:
    """The catalog files of a folder: every *.yaml below it, in path order."""
    return sorted(p for p in Path(directory).rglob("*.yaml") if p.is_file())


def load(directory: Path | str) -> Catalog:
    """Read and validate every catalog file under `directory`; all errors at once
    (ValidationErrors of CatalogFileError, each naming the file and the line)."""
    directory = Path(directory)
    errors: list[DomainError] = []
    if not directory.is_dir():
        raise ValidationErrors([CatalogFileError("找不到疾病目录文件夹", file=str(directory),
                                                 line=None)])
    files = catalog_files(directory)
    if not files:
        raise ValidationErrors([CatalogFileError("文件夹中没有 *.yaml 目录文件",
                                                 file=str(directory), line=None)])
    diseases: list[Disease] = []
    rules: list[EligibilityRule] = []
    for path in files:
        name = str(path)
        try:
            data = load_yaml_file(path, display=name)
        except DomainError as exc:
            errors.append(CatalogFileError(exc.message, file=name, line=exc.row))
            continue
        f = _File(name, errors)
        if not isinstance(data, dict):
            f.error("文件内容须为映射（region、kind、entries …）", data)
            continue
        kind = data.get("kind")
        if kind == ELIGIBILITY:
            rules += _parse_rules(f, data)
        elif kind in KINDS:
            diseases += _parse_diseases(f, data)
        else:
            f.error(f"kind“{kind}”须为 {'、'.join((*KINDS, ELIGIBILITY))} 之一", data,
                    "kind" if "kind" in data else None, "kind")
    _cross_checks(diseases, rules, errors)
    if errors:
        errors.sort(key=lambda e: (getattr(e, "file", ""), getattr(e, "line", None) or 0))
        raise ValidationErrors(errors)
    return Catalog(diseases, rules, directory=directory, files=tuple(str(p) for p in files))


