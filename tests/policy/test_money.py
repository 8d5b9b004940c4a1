from __future__ import annotations

from decimal import Decimal

import pytest

from jkfp.policy.money import (
    INF,
    apply_ratio,
    decimal_to_bp,
    decimal_to_fen,
    fen_to_yuan,
    fmt_bp,
    fmt_fen,
    fmt_yuan,
    round_half_up,
    yuan_text_to_fen,
)


@pytest.mark.parametrize(("num", "den", "expected"), [
    (85_000, 10_000, 9), (84_999, 10_000, 8), (5, 10, 1), (15, 10, 2), (25, 10, 3), (0, 7, 0),
    (14, 10, 1)])
def test_round_half_up(num: int, den: int, expected: int) -> None:
    assert round_half_up(num, den) == expected


def test_apply_ratio_rounds_each_product_once() -> None:
    assert apply_ratio(10, 8500) == 9  # 8.5 fen → 9 (banker's rounding would give 8)
    assert apply_ratio(1, 8000) == 1  # 0.8 fen → 1
    assert apply_ratio(1, 4000) == 0


@pytest.mark.parametrize(("text", "fen"), [
    ("0", 0), ("12", 1200), ("12.3", 1230), ("12.34", 1234), (" 7.05 ", 705),
    ("12.345", None), ("-1", None), ("1e3", None), ("abc", None), ("", None), ("1,000", None)])
def test_yuan_text_to_fen(text: str, fen: int | None) -> None:
    assert yuan_text_to_fen(text) == fen


def test_decimals() -> None:
    assert decimal_to_fen(Decimal(5000)) == 500_000
    assert decimal_to_fen(Decimal("0.001")) is None
    assert decimal_to_bp(Decimal("0.85")) == 8500
    assert decimal_to_bp(Decimal("0.12345")) is None
    assert fen_to_yuan(93_780) == Decimal("937.80")


def test_formats() -> None:
    assert fmt_fen(4_637_480) == "46374.80"
    assert fmt_yuan(4_637_480) == "46,374.80元"
    assert fmt_yuan(INF) == "不设上限"
    assert fmt_bp(8000) == "80%" and fmt_bp(7550) == "75.5%" and fmt_bp(-1000) == "-10%"
