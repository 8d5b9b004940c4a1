"""Administrative division codes (GB/T 2260 and the statistics bureau's 12-digit codes).

Codes are kept at their natural length: 2 province, 4 city, 6 county, 9 township, 12 village.
A region scope is then a plain prefix filter (DESIGN.md rule 3).
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


LEVEL_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
LENGTH_LEVEL = {v: k for k, v in LEVEL_LENGTH.items()}
LEVEL_LABELS = {
    Level.PROVINCE: "省",
    Level.CITY: "市",
    Level.COUNTY: "县（区）",
    Level.TOWNSHIP: "乡镇（街道）",
    Level.VILLAGE: "村（社区）",
}


def normalize_code(raw: str) -> str:
    """Return the natural-length code of a division code as written in statistics tables.

    `140400000000` → `1404`, `640323100000` → `640323100`, `140403` → `140403`.
    Raises ValueError for anything that is not digits of a known length.
    """
    code = (raw or "").strip()
    # ASCII digits only: str.isdigit() also takes full-width digits (１４０４), which are not codes
    if not (code.isascii() and code.isdigit()) or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(code)
    if len(code) == 12:
        return _strip_zero_pairs(code)
    return code


def has_fullwidth_digits(raw: str) -> bool:
    """Full-width digits (０-９), as spreadsheets type them: a user error worth naming."""
    return any("\uff10" <= ch <= "\uff19" for ch in raw or "")


def halfwidth(raw: str) -> str:
    """`１４０４` → `1404` (to tell the user what to write instead)."""
    return "".join(chr(ord(ch) - 0xFEE0) if "\uff10" <= ch <= "\uff19" else ch for ch in raw)


def _strip_zero_pairs(code: str) -> str:
    """`140400000000` → `1404`; `640323100000` → `640323100`."""
    if code[9:] != "000":
        return code
    code = code[:9]
    if code[6:] != "000":
        return code
    code = code[:6]
    if code[4:] != "00":
        return code
    code = code[:4]
    if code[2:] != "00":
        return code
    return code[:2]


def level_of(code: str) -> Level:
    try:
        return LENGTH_LEVEL[len(code)]
    except KeyError:
        raise ValueError(code) from None


def parent_code(code: str) -> str | None:
    lengths = (2, 4, 6, 9, 12)
    i = lengths.index(len(code))
    return code[: lengths[i - 1]] if i else None


def township_kind(code: str) -> str:
    """7th-9th digit: 001-099 街道, 100-199 镇, 200-399 乡."""
    serial = int(code[6:9])
    if serial < 100:
        return "街道"
    if serial < 200:
        return "镇"
    return "乡"
