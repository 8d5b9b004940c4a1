"""The kinds of list other departments send, as data (`policies/exchange/kinds.yaml`).

Each kind names its owning department and its fields; each field its header variants, whether
it is required, its type and, for an enum, the department's labels → our codes. The file is
validated strictly when it is read (an unknown or missing key, an unknown type, an enum label
given twice or a code outside its vocabulary, a kind without a source or `example: true`), and
every error names the file and the line (as `admission/procedure.py`); `jkfp check` reports a
broken file (jkfp.E012).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, FileError, ValidationErrors
from jkfp.policy.errors import PolicyError
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed
from jkfp.registry.models import HealthStatus, Relation, WorkAbility

FILE = Path("exchange") / "kinds.yaml"
TYPES = (
    "id_number",
    "text",
    "date",
    "month",
    "yes_no",
    "enum",
    "money",
    "integer",
    "year",
    "phone",
    "region_code",
)
VOCABULARIES: dict[str, frozenset[str]] = {
    "category": frozenset(c.value for c in Category),
    "relation": frozenset(Relation.values),
    "work_ability": frozenset(WorkAbility.values),
    "health_status": frozenset(HealthStatus.values),
    "household_type": frozenset({"lifted_out", "monitored", "general"}),
    "end_way": frozenset({"aided", "natural"}),
    "enrolment_status": frozenset({"insured", "not_insured", "suspended"}),
    "visit_type": frozenset({"inpatient", "outpatient"}),
    "hospital_grade": frozenset({"0", "1", "2", "3"}),
    "location": frozenset({"county", "city", "province", "outside"}),
    "chronic_disease": frozenset(
        {"hypertension", "diabetes_type2", "tuberculosis", "severe_mental_disorder"}
    ),
    "followup_way": frozenset({"clinic", "home", "phone"}),
    "followup_class": frozenset({"controlled", "not_controlled", "adverse", "referred"}),
    "chronic_end": frozenset({"died", "moved", "cured", "error"}),
    "contract_package": frozenset({"basic", "personalised"}),
    "fee_payer": frozenset({"public_health", "medical_insurance", "local_finance", "self"}),
    "institution_kind": frozenset({"county_hospital", "township_centre", "village_clinic"}),
    "centre_standard": frozenset({"basic", "recommended"}),
    "qualification": frozenset({"licensed_doctor", "assistant_doctor", "general_practitioner",
                                "village_doctor", "nurse", "none"}),
}
_TOP_KEYS = {"description", "kinds"}
_KIND_KEYS = {"name", "department", "source", "example", "note", "key", "fields", "persons"}
_FIELD_KEYS = {"headers", "type", "required", "values", "vocabulary", "note"}
DEPARTMENTS = (
    "monitoring",
    "civil_affairs",
    "enrolment",
    "insurance_settlements",
    "contracts",
    "followups",
    "institutions",
    "staff",
)


def header_key(text: str) -> str:
    """How a header is compared: full-width → half-width, no spaces, brackets alike."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in t if not ch.isspace())


@dataclass(frozen=True)
class FieldSpec:
    name: str
    headers: tuple[str, ...]
    type: str
    required: bool = False
    values: dict[str, str] = field(default_factory=dict)  # label (header_key form) → code
    vocabulary: str = ""

    @property
    def label(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    department: str
    fields: dict[str, FieldSpec]
    key: tuple[str, ...]
    source: str = ""
    example: bool = False
    note: str = ""
    #: whether the rows are persons linked to the registry (`persons: false`: institutions,
    #: staff — rows matched by the kind's own plan, decision 79)
    persons: bool = True

    def field_for_header(self) -> dict[str, str]:
        """header variant (compared form) → field name."""
        return {header_key(h): f.name for f in self.fields.values() for h in f.headers}


class KindsFileError(FileError):
    code = ErrorCode.EXCHANGE_KINDS_INVALID


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[DomainError] = []

    def error(self, msg: str, node, key, path: str) -> None:
        self.errors.append(KindsFileError(msg, file=self.file, line=line_of(node, key), key=path))

    def keys(self, node: dict, allowed: set[str], path: str) -> None:
        for key in node:
            if key not in allowed:
                self.error(f"未知的键“{key}”", node, key, f"{path}.{key}" if path else str(key))

    def text(self, node: dict, key: str, path: str, *, required: bool = True) -> str:
        value = node.get(key)
        if value is None:
            if required:
                self.error(f"缺少“{key}”", node, None, path)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(f"“{key}”须为非空文字", node, key, f"{path}.{key}")
            return ""
        return value.strip()


def _field(c: _Checker, name: str, node, path: str) -> FieldSpec | None:
    if not isinstance(node, dict):
        c.error("须为映射（headers、type 等）", node, None, path)
        return None
    before = len(c.errors)
    c.keys(node, _FIELD_KEYS, path)
    headers = node.get("headers")
    if (
        not isinstance(headers, list)
        or not headers
        or not all(isinstance(h, str) and h.strip() for h in headers)
    ):
        c.error(
            "headers 须为非空的表头写法列表", node, "headers" if "headers" in node else None, path
        )
        headers = []
    kind = node.get("type")
    if kind not in TYPES:
        c.error(
            f"type“{kind}”无效，须为 {'、'.join(TYPES)} 之一",
            node,
            "type" if "type" in node else None,
            path,
        )
    required = node.get("required", False)
    if not isinstance(required, bool):
        c.error("required 须为 true 或 false", node, "required", f"{path}.required")
    values: dict[str, str] = {}
    vocabulary = node.get("vocabulary", "")
    if kind == "enum":
        if vocabulary not in VOCABULARIES:
            c.error(
                f"enum 须指明 vocabulary（{'、'.join(VOCABULARIES)} 之一）",
                node,
                "vocabulary" if "vocabulary" in node else None,
                path,
            )
        raw = node.get("values")
        if not isinstance(raw, dict) or not raw:
            c.error(
                "enum 须有 values：部门写法 → 代码",
                node,
                "values" if "values" in node else None,
                path,
            )
        else:
            for label, code in raw.items():
                where = f"{path}.values.{label}"
                k = header_key(label)
                if k in values:
                    c.error(f"写法“{label}”重复", raw, label, where)
                elif vocabulary in VOCABULARIES and code not in VOCABULARIES[vocabulary]:
                    c.error(f"代码“{code}”不在 {vocabulary} 中", raw, label, where)
                else:
                    values[k] = str(code)
    elif "values" in node or "vocabulary" in node:
        c.error(
            "只有 enum 类型可以有 values 和 vocabulary",
            node,
            "values" if "values" in node else "vocabulary",
            path,
        )
    if len(c.errors) > before:
        return None
    return FieldSpec(
        name=name,
        headers=tuple(h.strip() for h in headers),
        type=kind,
        required=required,
        values=values,
        vocabulary=vocabulary or "",
    )


def _kind(c: _Checker, code: str, node, path: str) -> Kind | None:
    if code not in DEPARTMENTS:
        c.error(f"名单种类“{code}”未知，须为 {'、'.join(DEPARTMENTS)} 之一", node, None, path)
        return None
    if not isinstance(node, dict):
        c.error("须为映射", node, None, path)
        return None
    before = len(c.errors)
    c.keys(node, _KIND_KEYS, path)
    name = c.text(node, "name", path)
    department = c.text(node, "department", path)
    source = c.text(node, "source", path, required=False)
    example = node.get("example", False)
    if "example" in node and example is not True:
        c.error("example 只能写 true", node, "example", f"{path}.example")
    if not source and example is not True:
        c.error("须注明来源（source），无公开来源时写 example: true", node, None, path)
    raw_fields = node.get("fields")
    fields: dict[str, FieldSpec] = {}
    if not isinstance(raw_fields, dict) or not raw_fields:
        c.error(
            "须有 fields：字段 → 表头写法和类型", node, "fields" if "fields" in node else None, path
        )
    else:
        seen: dict[str, str] = {}
        for fname, fnode in raw_fields.items():
            spec = _field(c, str(fname), fnode, f"{path}.fields.{fname}")
            if spec is None:
                continue
            for h in spec.headers:
                other = seen.get(header_key(h))
                if other is not None and other != spec.name:
                    c.error(
                        f"表头“{h}”已属于字段 {other}",
                        fnode,
                        "headers",
                        f"{path}.fields.{fname}.headers",
                    )
                seen[header_key(h)] = spec.name
            fields[spec.name] = spec
    key = node.get("key", [])
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        c.error("key 须为字段名列表", node, "key", f"{path}.key")
        key = []
    elif raw_fields and isinstance(raw_fields, dict):
        for k in key:
            if k not in raw_fields:
                c.error(f"key 中的“{k}”不是本名单的字段", node, "key", f"{path}.key")
    persons = node.get("persons", True)
    if persons not in (True, False):
        c.error("persons 只能写 true 或 false", node, "persons", f"{path}.persons")
    if (persons is not False and "id_number" not in fields and isinstance(raw_fields, dict)
            and "id_number" not in raw_fields):
        c.error("须有 id_number 字段（按证件号码关联）", node, "fields", path)
    if len(c.errors) > before:
        return None
    return Kind(
        code=code,
        name=name,
        department=department,
        fields=fields,
        key=tuple(key),
        source=source,
        example=example is True,
        note=str(node.get("note") or ""),
        persons=persons is not False,
    )


def load_file(path: Path, *, display: str | None = None) -> dict[str, Kind]:
    """Read and check a kinds file; raise ValidationErrors listing every problem."""
    name = display or str(path)
    try:
        data = load_yaml_file(path, display=name)
    except PolicyError as exc:
        raise ValidationErrors([KindsFileError(exc.message, file=name, line=exc.line)]) from None
    c = _Checker(name)
    if not isinstance(data, dict):
        raise ValidationErrors(
            [KindsFileError("须为映射（description、kinds）", file=name, line=None)]
        )
    c.keys(data, _TOP_KEYS, "")
    kinds: dict[str, Kind] = {}
    raw = data.get("kinds")
    if not isinstance(raw, dict) or not raw:
        c.error("须有 kinds：名单种类 → 定义", data, "kinds" if "kinds" in data else None, "kinds")
    else:
        for code, node in raw.items():
            kind = _kind(c, str(code), node, f"kinds.{code}")
            if kind is not None:
                kinds[kind.code] = kind
    if c.errors:
        raise ValidationErrors(c.errors)
    return kinds


def kinds_path() -> Path:
    return Path(settings.JKFP_POLICIES_DIR) / FILE


def load() -> dict[str, Kind]:
    """The kinds in force (the file is read again when it changes)."""
    path = kinds_path()
    return read_when_changed(path, lambda p: load_file(p, display=str(FILE)))


def kind(code: str) -> Kind:
    kinds = load()
    if code not in kinds:
        raise DomainError(
            ErrorCode.INVALID, f"名单种类“{code}”不存在，可选：{'、'.join(kinds)}", field="kind"
        )
    return kinds[code]
