"""The vocabulary of parameter files: dimensions, tier kinds, bases, funds, units, keys.

A stay is classified by four things, and every parameter value may depend on the first three:
- category of the person on the admission date (DOMAIN.md section 4; `jkfp.categories`),
- location of the hospital (`county` 县域内, `city` 市域内县外, `province` 省内市外, `outside` 省外),
- hospital grade 0-3 (0 未定级/基层, 1 一级, 2 二级, 3 三级),
- referred or not (used by eligibility and by adjustments).
Compiled tables hold one cell per combination: 11 × 4 × 4 × 2 = 352 cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jkfp.categories import LABELS as CATEGORY_LABELS
from jkfp.categories import Category, parse_category

CATEGORIES: tuple[Category, ...] = tuple(Category)
CATEGORY_INDEX: dict[str, int] = {c.value: i for i, c in enumerate(CATEGORIES)}


class Location(StrEnum):
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    OUTSIDE = "outside"


LOCATIONS: tuple[Location, ...] = tuple(Location)
LOCATION_INDEX: dict[str, int] = {loc.value: i for i, loc in enumerate(LOCATIONS)}
LOCATION_LABELS = {
    Location.COUNTY: "县域内",
    Location.CITY: "市域内县外",
    Location.PROVINCE: "省内市外",
    Location.OUTSIDE: "省外",
}
GRADES = (0, 1, 2, 3)
GRADE_LABELS = {0: "未定级（基层）", 1: "一级医院", 2: "二级医院", 3: "三级医院"}

#: (code, label) pairs for the settlement's forms, model fields and API: the one source of the
#: labels of locations and hospital grades.
LOCATION_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (loc.value, LOCATION_LABELS[loc]) for loc in LOCATIONS)
GRADE_CHOICES: tuple[tuple[int, str], ...] = tuple((g, GRADE_LABELS[g]) for g in GRADES)
LOCATION_CODES: tuple[str, ...] = tuple(loc.value for loc in LOCATIONS)


def choices_text(choices: tuple[tuple[object, str], ...]) -> str:
    """`county 县域内，city 市域内县外，…`: the codes and labels, for API descriptions."""
    return "，".join(f"{code} {label}" for code, label in choices)

N_CAT, N_LOC, N_GRADE = len(CATEGORIES), len(LOCATIONS), len(GRADES)
N_CELL = N_CAT * N_LOC * N_GRADE * 2


def cell_index(cat: int, loc: int, grade: int, referred: bool) -> int:
    return ((cat * N_LOC + loc) * N_GRADE + grade) * 2 + int(referred)


def category_label(cat: int) -> str:
    return CATEGORY_LABELS[CATEGORIES[cat]]


def parse_category_index(text: str) -> int | None:
    """Index of a category given by its code or its Chinese name."""
    c = parse_category(text)
    return None if c is None else CATEGORY_INDEX[c.value]


class Kind(StrEnum):
    REIMBURSEMENT = "reimbursement"  # pays a share of a base above a deductible
    GUARANTEE = "guarantee"  # 兜底: caps what the patient pays


class Base(StrEnum):
    IN_POLICY = "in_policy"
    IN_POLICY_LEFT = "in_policy_left"
    TOTAL_LEFT = "total_left"


BASE_LABELS = {
    Base.IN_POLICY: "政策范围内费用",
    Base.IN_POLICY_LEFT: "前面各层支付后剩余的政策范围内费用",
    Base.TOTAL_LEFT: "前面各层支付后剩余的总费用",
}


class Per(StrEnum):
    STAY = "stay"
    YEAR = "year"


PER_LABELS = {Per.STAY: "每次住院", Per.YEAR: "年度累计"}

FUNDS: dict[str, str] = {
    "basic_insurance": "基本医疗保险",
    "critical_illness_insurance": "大病保险",
    "supplementary_insurance": "补充医疗保险",
    "medical_assistance": "医疗救助",
    "local_guarantee": "地方兜底保障",
    "other": "其他",
}


class Unit(StrEnum):
    YUAN = "yuan"  # an amount; in files, yuan with up to two decimals
    RATIO = "ratio"  # 0..1, at most four decimals
    POINTS = "points"  # -1..1, added to a ratio (0.05 = 5 percentage points)
    BOOLEAN = "boolean"
    SEGMENTS = "segments"  # list of {up_to: yuan|null, ratio}


@dataclass(frozen=True)
class ParamSpec:
    unit: Unit
    label: str
    required: bool = False
    unlimited: bool = False  # the value `unlimited` is allowed (caps)
    income_share: bool = False  # {income_share: r} allowed (deductibles)
    not_covered: bool = False  # the leaf `not_covered` allowed (a tier's parameters)


# The parameters of a tier of each kind are its kind's (`reimbursement.PARAMS`,
# `guarantee.PARAMS`); those of adjustments and of the regime are common.
ADJUSTMENT_PARAMS: dict[str, ParamSpec] = {
    "deductible_factor": ParamSpec(Unit.RATIO, "起付线系数"),
    "deductible": ParamSpec(Unit.YUAN, "起付线（调整为）"),
    "ratio_points": ParamSpec(Unit.POINTS, "支付比例增减"),
    "stay_cap": ParamSpec(Unit.YUAN, "单次住院支付上限（调整为）", unlimited=True),
    "annual_cap": ParamSpec(Unit.YUAN, "年度支付限额（调整为）", unlimited=True),
    "cap_removed": ParamSpec(Unit.BOOLEAN, "取消封顶线"),
}
#: Pairs of adjustment parameters one adjustment may not hold together (set, or changed).
ADJUSTMENT_EXCLUSIVE = (("deductible", "deductible_factor"), ("annual_cap", "cap_removed"))
REGIME_PARAMS: dict[str, ParamSpec] = {
    "reimbursement_ceiling": ParamSpec(Unit.RATIO, "各项合计报销不超过总费用的比例"),
    "reference_income": ParamSpec(Unit.YUAN, "上年居民人均可支配收入（起付线参照）"),
}

# Keys allowed in each kind of node (required ones first).
REGION_KEYS = ({"id", "name", "codes"}, {"description"})
REGIME_KEYS = ({"id", "name", "version", "start", "end", "sources", "tiers"},
               {"description", "deposit_waiver", "parameters"})
SOURCE_KEYS = ({"title"}, {"document", "url", "published", "note"})
# (the keys of a tier file are its kind's: `reimbursement.KEYS`, `guarantee.KEYS`)
ELIGIBILITY_KEYS = (set(), {"categories", "locations", "grades", "referral_required"})
ADJUSTMENT_KEYS = ({"id", "name", "when", "parameters"}, {"description"})
WHEN_KEYS = (set(), {"categories", "locations", "grades", "referred"})
PARAMETER_KEYS = ({"unit", "values"}, {"description"})
ENTRY_KEYS = ({"value"}, {"source", "cite", "example", "note"})
DEPOSIT_KEYS = ({"categories", "locations"}, {"source", "cite", "example", "note"})
SEGMENT_KEYS = ({"up_to", "ratio"}, set())
OVERLAY_KEYS = ({"name", "changes"}, {"description"})
