"""Categories of people and households (DOMAIN.md section 4). Plain Python, shared by all apps."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    REGISTERED_POOR = "registered_poor"
    LIFTED_OUT = "lifted_out"
    UNSTABLE_LIFTED = "unstable_lifted"
    MARGINAL = "marginal"
    SUDDEN_HARDSHIP = "sudden_hardship"
    EXTREME_POOR = "extreme_poor"
    MINIMUM_LIVING = "minimum_living"
    NEAR_MINIMUM_LIVING = "near_minimum_living"
    RETURNED_TO_POVERTY = "returned_to_poverty"
    ILLNESS_IMPOVERISHED = "illness_impoverished"
    GENERAL = "general"


LABELS: dict[Category, str] = {
    Category.REGISTERED_POOR: "建档立卡贫困人口",
    Category.LIFTED_OUT: "脱贫人口",
    Category.UNSTABLE_LIFTED: "脱贫不稳定户",
    Category.MARGINAL: "边缘易致贫户",
    Category.SUDDEN_HARDSHIP: "突发严重困难户",
    Category.EXTREME_POOR: "特困人员",
    Category.MINIMUM_LIVING: "低保对象",
    Category.NEAR_MINIMUM_LIVING: "低保边缘家庭成员",
    Category.RETURNED_TO_POVERTY: "返贫致贫人口",
    Category.ILLNESS_IMPOVERISHED: "因病致贫重病患者",
    Category.GENERAL: "普通城乡居民",
}

# Which subject a category attaches to: "household", "person" or "both".
LEVEL: dict[Category, str] = {
    Category.REGISTERED_POOR: "household",
    Category.LIFTED_OUT: "household",
    Category.UNSTABLE_LIFTED: "household",
    Category.MARGINAL: "household",
    Category.SUDDEN_HARDSHIP: "household",
    Category.EXTREME_POOR: "person",
    Category.MINIMUM_LIVING: "both",
    Category.NEAR_MINIMUM_LIVING: "person",
    Category.RETURNED_TO_POVERTY: "person",
    Category.ILLNESS_IMPOVERISHED: "person",
    Category.GENERAL: "person",
}

# 防止返贫监测对象: the three monitored household types.
MONITORED = frozenset({Category.UNSTABLE_LIFTED, Category.MARGINAL, Category.SUDDEN_HARDSHIP})

CHOICES = [(c.value, LABELS[c]) for c in Category]


def parse_category(text: str) -> Category | None:
    """A category from its code or its Chinese name; None if unknown."""
    t = (text or "").strip()
    try:
        return Category(t)
    except ValueError:
        pass
    for c, label in LABELS.items():
        if t == label or t.rstrip("户") == label.rstrip("户"):
            return c
    return None
