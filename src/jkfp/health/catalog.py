"""The disease catalogs as dated data (DOMAIN.md section 6; docs/catalogs.md).

`catalogs/` holds YAML files, one list each: the region it applies to (a region-code prefix, or
`national`), its kind (大病专项救治 `special_treatment`, 重点管理慢病 `chronic_priority`, 门诊慢性病
`outpatient_chronic`) and its diseases, each with a stable code, a Chinese name, ICD-10 codes or
ranges, the dates it is in force and its source (or `example: true`). One more kind of file,
`eligibility`, says which categories of people (jkfp.categories) may open a case of a programme,
also per region and date.

A diagnosis is an ICD-10 code; `Catalog.match` finds the disease of the list in force on the date
in the person's region. A region's own list of a kind replaces the national one (and any shorter
prefix) on every date one of its entries is in force: the most specific region wins.

Every file is validated strictly when it is read — unknown or missing keys, a code that is not
snake_case, an ICD-10 code not in form, a range whose ends are reversed, an end before the start,
an entry without a source, the same disease twice or two diseases claiming the same ICD-10 codes
in one list on the same dates — and every error names the file and the line (ErrorCode
CATALOG_INVALID). `load(directory)` is pure Python; `catalog()` reads the folder of
settings.JKFP_CATALOG_DIR and keeps it until a file changes (looked at every RECHECK_SECONDS).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode

SPECIAL_TREATMENT = "special_treatment"
CHRONIC_PRIORITY = "chronic_priority"
OUTPATIENT_CHRONIC = "outpatient_chronic"
KINDS = (SPECIAL_TREATMENT, CHRONIC_PRIORITY, OUTPATIENT_CHRONIC)
KIND_LABELS = {
    SPECIAL_TREATMENT: "大病专项救治",
    CHRONIC_PRIORITY: "重点管理慢病",
    OUTPATIENT_CHRONIC: "门诊慢性病",
}
ELIGIBILITY = "eligibility"
#: Programmes an eligibility rule may name: one per kind of list.
PROGRAMMES = KINDS
NATIONAL = ""

_DISEASE_FILE_KEYS = {"region", "kind", "description", "icd10_source", "source", "example",
                      "start", "end", "entries"}
_DISEASE_FILE_REQUIRED = ("region", "kind", "icd10_source", "entries")
_ENTRY_KEYS = {"code", "name", "icd10", "start", "end", "source", "example", "note"}
_ELIGIBILITY_FILE_KEYS = {"kind", "description", "rules"}
_RULE_KEYS = {"region", "programme", "start", "end", "categories", "source", "example", "note"}
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_CODE_MAX = 40  # ChronicRegistration.disease_code / SpecialCase.disease_code
_NAME_MAX = 100
_REGION = re.compile(r"\d+")
_REGION_LENGTHS = (2, 4, 6, 9, 12)
_ICD10 = re.compile(r"([A-Z])(\d{2})(?:\.([0-9A-Z]{1,2}))?")
_CATEGORIES = {c.value for c in Category}


# --- ICD-10 codes ------------------------------------------------------------------------------

def icd10_normalise(code: str) -> str:
    """A diagnosis code in its canonical form: `C16`, `C16.9`, `I21.01`.

    Full-width characters, spaces, lower case and a trailing dot are normalised; a placeholder
    sub-code `x` (`I21.x`, as lists write a whole category) is the category itself (`I21`).
    Anything else — not a letter, two digits and optionally a dot with one or two characters —
    raises DomainError(ErrorCode.ICD10_FORMAT, field="icd10").
    """
    raw = "" if code is None else str(code)
    text = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    if text.endswith("."):
        text = text[:-1]
    m = _ICD10.fullmatch(text)
    if not m:
        raise DomainError(ErrorCode.ICD10_FORMAT,
                          f"诊断编码“{raw.strip()}”不是 ICD-10 格式（一个字母加两位数字，"
                          "可带小数点和一至两位细目，如 I10、C16.9）", field="icd10")
    letter, digits, sub = m.groups()
    if sub and set(sub) == {"X"}:
        sub = None
    return f"{letter}{digits}.{sub}" if sub else f"{letter}{digits}"


def _low(code: str) -> str:
    """Sort key of the first code a normalised code stands for (`C16` ≤ `C16.0` ≤ `C16.9`)."""
    return code


def _high(code: str) -> str:
    """Sort key of the last code a normalised code stands for (`C16` covers `C16.99`)."""
    return code + "~"  # "~" sorts after every digit, letter and the dot


@dataclass(frozen=True)
class Icd10Range:
    """Codes from `first` to `last` (normalised) inclusive; a category covers its sub-codes."""

    first: str
    last: str
    text: str = field(compare=False)
    lo: str = field(init=False, repr=False, compare=False)
    hi: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "lo", _low(self.first))
        object.__setattr__(self, "hi", _high(self.last))

    def contains(self, code: str) -> bool:
        """Whether everything the normalised `code` denotes lies in the range: `C18-C20`
        contains C18, C19.9 and C20, not C21; `N18.5` contains N18.5 but not the broader N18."""
        return self.lo <= _low(code) and _high(code) <= self.hi

    def overlaps(self, other: Icd10Range) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first}-{self.last}"


def icd10_range(text: str) -> Icd10Range:
    """`C16`, `I21.x`, `C18-C20` or `C18.0-C18.9` as a range (ICD10_FORMAT if not in form or
    reversed)."""
    raw = "" if text is None else str(text)
    parts = unicodedata.normalize("NFKC", raw).split("-")
    if len(parts) > 2:
        raise DomainError(ErrorCode.ICD10_FORMAT, f"ICD-10 范围“{raw}”只能有一个“-”",
                          field="icd10")
    first = icd10_normalise(parts[0])
    last = icd10_normalise(parts[-1])
    if _low(last) < _low(first) or _high(last) < _high(first):
        raise DomainError(ErrorCode.ICD10_FORMAT,
                          f"ICD-10 范围“{raw}”的起止颠倒（{first} 在 {last} 之后）", field="icd10")
    return Icd10Range(first, last, raw)


# --- what the files hold -----------------------------------------------------------------------

@dataclass(frozen=True)
class Disease:
    """One disease of one list: in force from `start` to `end` (inclusive; None: open) in the
    region whose code starts with `region` ("" = national)."""

    code: str
    name: str
    kind: str
    icd10: tuple[Icd10Range, ...]
    start: dt.date
    end: dt.date | None
    region: str
    source: str
    example: bool
    note: str = ""
    icd10_source: str = "system mapping"
    file: str = ""
    line: int | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def matches(self, icd10: str) -> bool:
        """Whether the diagnosis (any form icd10_normalise accepts) is one of this disease's."""
        code = icd10_normalise(icd10)
        return any(r.contains(code) for r in self.icd10)

    @property
    def icd10_text(self) -> str:
        return "、".join(str(r) for r in self.icd10)

    @property
    def provenance(self) -> str:
        return "示例" if self.example else self.source

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class EligibilityRule:
    """Which categories may open a case of `programme` in `region` from `start` to `end`."""

    region: str
    programme: str
    start: dt.date
    end: dt.date | None
    categories: frozenset[str]
    source: str
    example: bool
    note: str = ""
    file: str = ""
    line: int | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def _merged(items) -> list[tuple[dt.date, dt.date]]:
    """The periods (start, end inclusive) covered by at least one of the items, merged."""
    out: list[list[dt.date]] = []
    for item in sorted(items, key=lambda i: i.start):
        end = item.end or dt.date.max
        if out and (out[-1][1] == dt.date.max
                    or item.start <= out[-1][1] + dt.timedelta(days=1)):
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([item.start, end])
    return [(a, b) for a, b in out]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown catalog kind {kind!r}; one of {', '.join(KINDS)}")


class Catalog:
    """The diseases and eligibility rules of a catalog folder, queried per region and date."""

    def __init__(self, diseases=(), rules=(), *, directory: Path | None = None,
                 files: tuple[str, ...] = ()):
        self.diseases: tuple[Disease, ...] = tuple(diseases)
        self.rules: tuple[EligibilityRule, ...] = tuple(rules)
        self.directory = directory
        self.files = tuple(files)
        self._by_kind: dict[str, dict[str, list[Disease]]] = {k: {} for k in KINDS}
        for d in self.diseases:
            self._by_kind[d.kind].setdefault(d.region, []).append(d)
        # per kind, the regions longest first, each with the periods its list covers
        self._coverage: dict[str, list[tuple[str, list[tuple[dt.date, dt.date]]]]] = {
            kind: sorted(((region, _merged(diseases)) for region, diseases in lists.items()),
                         key=lambda item: -len(item[0]))
            for kind, lists in self._by_kind.items()}
        self._in_force_cache: dict[tuple[str, str, dt.date], list[Disease]] = {}

    def list_region(self, *, region_code: str, on: dt.date, kind: str) -> str | None:
        """The region of the list that applies: the longest prefix of `region_code` with a
        disease of `kind` in force on `on` ("" = the national list); None if no list does."""
        _check_kind(kind)
        for region, periods in self._coverage[kind]:
            if region_code.startswith(region) and any(a <= on <= b for a, b in periods):
                return region
        return None

    def in_force(self, *, region_code: str, on: dt.date, kind: str) -> list[Disease]:
        """The diseases of `kind` in force on `on` in the region (its most specific list)."""
        return list(self._in_force(region_code, on, kind))

    def _in_force(self, region_code: str, on: dt.date, kind: str) -> list[Disease]:
        region = self.list_region(region_code=region_code, on=on, kind=kind)
        if region is None:
            return []
        key = (kind, region, on)
        found = self._in_force_cache.get(key)
        if found is None:
            if len(self._in_force_cache) > 10_000:
                self._in_force_cache.clear()
            found = self._in_force_cache[key] = [d for d in self._by_kind[kind][region]
                                                 if d.in_force(on)]
        return found

    def get(self, *, code: str, region_code: str, on: dt.date,
            kind: str | None = None) -> Disease | None:
        """The disease `code` of the lists in force (of `kind`, or of the first kind in KINDS
        order that has it); None if no list in force has it."""
        for k in (kind,) if kind else KINDS:
            for d in self._in_force(region_code, on, k):
                if d.code == code:
                    return d
        return None

    def match(self, *, icd10: str, region_code: str, on: dt.date, kind: str) -> Disease | None:
        """The disease of the list in force whose ICD-10 codes contain the diagnosis; None if
        none does. A code not in ICD-10 form raises DomainError(ICD10_FORMAT, field="icd10")."""
        code = icd10_normalise(icd10)
        lo, hi = _low(code), _high(code)
        for d in self._in_force(region_code, on, kind):
            for r in d.icd10:
                if r.lo <= lo and hi <= r.hi:
                    return d
        return None

    def eligibility_rule(self, *, region_code: str, on: dt.date,
                         programme: str = SPECIAL_TREATMENT) -> EligibilityRule | None:
        """The rule in force of the most specific region; None if there is none."""
        _check_kind(programme)
        best = None
        for r in self.rules:
            if r.programme == programme and region_code.startswith(r.region) and r.in_force(on) \
                    and (best is None or len(r.region) > len(best.region)):
                best = r
        return best

    def eligible_categories(self, *, region_code: str, on: dt.date,
                            programme: str = SPECIAL_TREATMENT) -> frozenset[str]:
        """Codes of the categories (jkfp.categories) whose members may open a case of the
        programme on the date in the region; empty if no rule is in force."""
        rule = self.eligibility_rule(region_code=region_code, on=on, programme=programme)
        return rule.categories if rule else frozenset()


def load(directory: Path | str) -> Catalog:
    """Read and validate every catalog file under `directory` (`catalog_files.load`)."""
    from .catalog_files import load as load_files

    return load_files(directory)


# --- the folder of the settings, cached --------------------------------------------------------

def default_dir() -> Path:
    """`catalogs/` of the repository."""
    import jkfp

    return Path(jkfp.__file__).resolve().parents[2] / "catalogs"


def _configured():
    from django.conf import settings

    return getattr(settings, "JKFP_CATALOG_DIR", None) if settings.configured else None


def catalog_dir() -> Path:
    """settings.JKFP_CATALOG_DIR, else the repository's `catalogs/`."""
    configured = _configured()
    return Path(configured) if configured else default_dir()


#: How long `catalog()` trusts its copy before it looks at the files again (seconds).
RECHECK_SECONDS = 2.0
# (the setting's value, the folder, the files' stamp, when looked at, the catalog)
_state: tuple | None = None


def _stamp(directory: Path) -> tuple:
    files = sorted(p for p in directory.rglob("*.yaml") if p.is_file()) \
        if directory.is_dir() else []
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def catalog() -> Catalog:
    """The catalog of settings.JKFP_CATALOG_DIR (ValidationErrors if a file is invalid), read
    again when a file changes: the files are looked at again at most every RECHECK_SECONDS."""
    global _state
    configured = _configured()
    now = time.monotonic()
    state = _state
    if state is not None and state[0] is configured and now - state[3] < RECHECK_SECONDS:
        return state[4]
    directory = Path(configured) if configured else default_dir()
    stamp = _stamp(directory)
    if state is not None and state[1] == str(directory) and state[2] == stamp:
        found = state[4]
    else:
        found = load(directory)
    _state = (configured, str(directory), stamp, now, found)
    return found
