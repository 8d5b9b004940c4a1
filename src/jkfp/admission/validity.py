"""When each category may be admitted, as dated data (decision 40).

`policies/procedure/categories.yaml` names, for every category, the first and last day an
admission may take effect (`from`, `until`; null for no bound) with its source or
`example: true` and a note. 建档立卡 (registered_poor) ended with 2020: it cannot be admitted any
more. The file is validated strictly — every category exactly once, no unknown key, real dates in
order, a source for each entry — and every error names the file and the line (system check
jkfp.E040).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed

from .procedure import ProcedureFileError

FILE = Path("procedure") / "categories.yaml"
_TOP_KEYS = {"description", "categories"}
_ENTRY_KEYS = {"from", "until", "source", "example", "note"}


@dataclass(frozen=True)
class Validity:
    category: Category
    start: dt.date | None
    until: dt.date | None
    source: str
    example: bool

    def admits_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (
            self.until is None or day <= self.until
        )


def parse(data, *, file: str) -> dict[Category, Validity]:
    """Validate the content of a validity file; all errors at once (ValidationErrors)."""

    def err(msg: str, node, key, path: str) -> ProcedureFileError:
        return ProcedureFileError(msg, file=file, line=line_of(node, key), key=path)

    if not isinstance(data, dict):
        raise ValidationErrors([ProcedureFileError("文件内容须为映射", file=file, line=1)])
    errors: list[DomainError] = [
        err(f"未知的键“{k}”", data, k, str(k)) for k in data if k not in _TOP_KEYS
    ]
    cats = data.get("categories")
    if not isinstance(cats, dict):
        errors.append(err("缺少 categories：类别 → 有效期", data, "categories", "categories"))
        raise ValidationErrors(errors)
    known = {c.value for c in Category}
    errors += [err(f"未知的类别“{k}”", cats, k, str(k)) for k in cats if k not in known]
    out: dict[Category, Validity] = {}
    for cat in Category:
        entry = cats.get(cat.value)
        if entry is None:
            errors.append(err(f"缺少类别“{cat.value}”（{LABELS[cat]}）", cats, None, cat.value))
            continue
        if not isinstance(entry, dict):
            errors.append(
                err("须为 from、until 与 source（或 example: true）", cats, cat.value, cat.value)
            )
            continue
        errors += [
            err(f"未知的键“{k}”", entry, k, f"{cat.value}.{k}")
            for k in entry
            if k not in _ENTRY_KEYS
        ]
        bounds = {}
        for key in ("from", "until"):
            if key not in entry:
                errors.append(
                    err(f"缺少 {key}（无限制时写 null）", entry, None, f"{cat.value}.{key}")
                )
            elif entry[key] is not None and not isinstance(entry[key], dt.date):
                errors.append(
                    err(
                        f"“{entry[key]}”须为日期 YYYY-MM-DD 或 null",
                        entry,
                        key,
                        f"{cat.value}.{key}",
                    )
                )
            else:
                bounds[key] = entry[key]
        example = entry.get("example") is True
        source = str(entry.get("source") or "").strip()
        if not source and not example:
            errors.append(
                err(
                    "须注明来源（source），无公开来源时写 example: true 和 note",
                    entry,
                    None,
                    cat.value,
                )
            )
        if example and not str(entry.get("note") or "").strip():
            errors.append(err("示例值须有说明（note）", entry, "example", f"{cat.value}.note"))
        start, until = bounds.get("from"), bounds.get("until")
        if start and until and until < start:
            errors.append(err("until 不能早于 from", entry, "until", f"{cat.value}.until"))
        out[cat] = Validity(cat, start, until, source, example)
    if errors:
        raise ValidationErrors(errors)
    return out


def load(path: Path | None = None) -> dict[Category, Validity]:
    path = path or Path(settings.JKFP_POLICIES_DIR) / FILE
    try:
        data = load_yaml_file(path, display=str(path))
    except DomainError as exc:
        raise ValidationErrors(
            [ProcedureFileError(exc.message, file=str(path), line=exc.row)]
        ) from None
    return parse(data, file=str(path))


def validity(category: Category | str) -> Validity:
    table = read_when_changed(Path(settings.JKFP_POLICIES_DIR) / FILE, load)
    return table[Category(category)]


def admissible(*, on: dt.date) -> list[Category]:
    """The categories that may still be admitted today (the propose form offers these)."""
    return [c for c in Category if validity(c).admits_on(on)]


def admission_problem(
    *, category: Category | str, effective_date: dt.date, today: dt.date
) -> DomainError | None:
    """Why `category` cannot be admitted with this effective date today (None when it can)."""
    v = validity(category)
    label = LABELS[v.category]
    if not v.admits_on(today) or not v.admits_on(effective_date):
        if v.until is not None and (today > v.until or effective_date > v.until):
            message = f"“{label}”已于{v.until}停止认定，不能再纳入"
        else:
            message = f"“{label}”自{v.start}起方可纳入"
        return DomainError(ErrorCode.CATEGORY_ENDED, message, field="category")
    return None
