"""Exact money and ratios.

- Money is an `int` of fen (分) inside the engine. Decimal appears only at the edges (parsing a
  file, showing an amount). Float is never used for money.
- Ratios (报销比例, shares, factors) are `int` basis points: 1 = 0.01 % = 1/10,000, so 80 % is
  8000 and a ratio of 0.5 is 5000. A parameter file may not state a ratio more precisely than
  that (the loader refuses 0.12345), so no ratio is ever rounded.
- A product of fen and basis points is rounded half up to the fen once, where a tier's amount
  is computed (`round_half_up`).
- This module is the one place where yuan become fen and fen become yuan, for the whole
  system: `parse_yuan` (strict, raises `DomainError(AMOUNT_INVALID)`) for what people and
  clients type; `yuan_text_to_fen` / `decimal_to_fen` (None when invalid) for files the engine
  reads; `fmt_fen` (CSV and API text), `fmt_amount` / `fmt_yuan` (shown to people) and
  `fen_to_yuan` (Decimal) the other way.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from jkfp.errors import DomainError, ErrorCode

BP = 10_000  # basis points in a ratio of 1
#: Stands for "no limit" in integer arithmetic (10 trillion yuan): larger than any amount the
#: engine accepts, small enough that sums and products by BP stay inside int64.
INF = 10**15
#: The largest single amount accepted in a stay (one billion yuan).
MAX_AMOUNT_FEN = 10**11

#: Integer digits an amount typed by a person or a client may have: fen then fit a 64-bit
#: integer and a JavaScript number exactly.
YUAN_MAX_DIGITS = 12

_YUAN = re.compile(r"^\d+(\.\d{1,2})?$")
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def round_half_up(numerator: int, denominator: int = BP) -> int:
    """numerator / denominator rounded half up, for numerator >= 0 and denominator > 0.
    (⌊(2n + d) / 2d⌋ = ⌊(n + ⌊d/2⌋) / d⌋: one pass fewer on arrays.)"""
    return (numerator + denominator // 2) // denominator


def apply_ratio(fen: int, bp: int) -> int:
    """fen × ratio, rounded half up to the fen."""
    return round_half_up(fen * bp)


def yuan_text_to_fen(text: str) -> int | None:
    """'1234.5' → 123450; None if not a non-negative amount with at most two decimals."""
    t = text.strip()
    if not _YUAN.match(t):
        return None
    whole, _, frac = t.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def parse_yuan(value: str | int | Decimal, *, field: str | None = None,
               negative: bool = False) -> int:
    """Yuan (text such as "12345.60", an int or a Decimal) → int fen, strictly.

    Refused with `DomainError(AMOUNT_INVALID)` naming `field`: a float or any other type, text
    that is not a plain decimal number (no exponent, no thousands separator), a non-finite
    value, more than two decimals, more than `YUAN_MAX_DIGITS` integer digits, and a negative
    amount unless `negative` is true."""
    shown = value if not isinstance(value, str) else value.strip()
    shown = str(shown) if len(str(shown)) <= 40 else str(shown)[:40] + "…"

    def bad(why: str) -> DomainError:
        return DomainError(ErrorCode.AMOUNT_INVALID, f"金额“{shown}”{why}", field=field)

    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise DomainError(ErrorCode.AMOUNT_INVALID,
                          "金额须以文本或整数表示的元填写，最多两位小数，如 \"12345.60\"（不接受浮点数）",
                          field=field)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise bad("不是有效数字")
        d = Decimal(text)
    else:
        d = Decimal(value)
        if not d.is_finite():
            raise bad("不是有效数字")
    if d.as_tuple().exponent < -2:  # as written: "1.000" has three decimals
        raise bad("最多两位小数")
    if abs(d) >= Decimal(10) ** YUAN_MAX_DIGITS:
        raise bad(f"过大：整数部分最多{YUAN_MAX_DIGITS}位")
    if d < 0 and not negative:
        raise bad("不能为负数")
    return int(d * 100)


def decimal_to_fen(value: Decimal | int) -> int | None:
    """An exact Decimal/int yuan amount → fen; None if it has more than two decimals or < 0."""
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError):
        return None
    if not d.is_finite() or d < 0:
        return None
    fen = d * 100
    if fen != fen.to_integral_value():
        return None
    return int(fen)


def decimal_to_bp(value: Decimal | int) -> int | None:
    """An exact ratio (0.8) → basis points (8000); None if finer than 1/10,000."""
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError):
        return None
    if not d.is_finite():
        return None
    bp = d * BP
    if bp != bp.to_integral_value():
        return None
    return int(bp)


def fen_to_yuan(fen: int) -> Decimal:
    """123450 → Decimal('1234.50')."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def fmt_fen(fen: int) -> str:
    """123450 → '1234.50' (the CSV form)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def fmt_amount(fen: int) -> str:
    """123450 → '1,234.50' (grouped, without unit: a column headed （元））."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def fmt_yuan(fen: int) -> str:
    """123450 → '1,234.50元'; INF → '不设上限' (the form shown to people)."""
    if fen >= INF:
        return "不设上限"
    return f"{fmt_amount(fen)}元"


def fmt_exact(numerator: int) -> str:
    """An exact product of fen and basis points (numerator / BP fen) as yuan, every decimal
    kept: 6_500_000_000 → '6,500.00元', 1_234_567 → '1.234567元' (a segment's product before the
    tier's one rounding)."""
    fen, rest = divmod(numerator, BP)
    if rest == 0:
        return fmt_yuan(fen)
    return f"{fmt_amount(fen)}{f'{rest:04d}'.rstrip('0')}元"


def fmt_bp(bp: int) -> str:
    """8000 → '80%', 7550 → '75.5%', 25 → '0.25%'."""
    sign = "-" if bp < 0 else ""
    bp = abs(bp)
    whole, rest = divmod(bp, 100)
    if rest == 0:
        return f"{sign}{whole}%"
    return f"{sign}{whole}.{rest:02d}".rstrip("0") + "%"
