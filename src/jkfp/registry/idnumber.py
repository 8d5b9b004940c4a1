"""Resident identity numbers (GB 11643-1999): normalisation, check character, birth date, sex.

Plain Python, no Django: used by the registry, the demo generator and imports alike.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jkfp.errors import DomainError, ErrorCode

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
CHINA = ZoneInfo("Asia/Shanghai")  # DESIGN.md rule 9: "today" is today in China


def check_char(first17: str) -> str:
    """The check character of the first 17 digits."""
    s = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[s % 11]


def normalize(raw: str) -> str:
    """Full-width digits and letters → ASCII, spaces removed, `x` → `X`.

    A legacy 15-digit number is converted to 18 (insert `19` before the year, add the check).
    The 20- and 22-character disability-card numbers are cut to their 18-character ID.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if not ch.isspace()).upper()
    if len(text) == 15 and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        return first17 + check_char(first17)
    if len(text) in (20, 22) and text[:17].isdigit():
        return text[:18]
    return text


@dataclass(frozen=True, slots=True)
class IdInfo:
    number: str
    address_code: str
    birth_date: dt.date
    sex: str  # "M" / "F"


def parse(raw: str, *, field: str = "id_number") -> IdInfo:
    """Normalise and check an ID number; raise a DomainError naming the field if it is invalid."""
    number = normalize(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (
        number[17].isdigit() or number[17] == "X"
    ):
        raise DomainError(
            ErrorCode.ID_FORMAT,
            f"身份证号“{raw}”格式不正确：应为18位（前17位为数字，末位为数字或X）、15位旧号码"
            "或20、22位残疾证号",
            field=field,
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1880 or birth > dt.datetime.now(CHINA).date():
        raise DomainError(
            ErrorCode.ID_BIRTH_DATE, f"身份证号“{number}”中的出生日期{number[6:14]}无效", field=field
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise DomainError(
            ErrorCode.ID_CHECKSUM,
            f"身份证号“{number}”校验位错误：末位应为{expected}",
            field=field,
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, address_code=number[:6], birth_date=birth, sex=sex)


def is_full_number(raw: str) -> bool:
    """Whether a search text is a whole ID number (18 characters, or 15 digits of an old one).

    Such a text never travels in a URL (decision 39): the page search sends it by POST and keeps
    a keyed hash in the URL, the API takes it in a body (`POST /persons/lookup`).
    """
    number = normalize(raw)
    return len(number) == 18 and number[:17].isdigit() and (number[17].isdigit()
                                                           or number[17] == "X")


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except DomainError:
        return False
    return True


#: what a role without the reveal right sees of an ID number (DESIGN.md rule 11, decision 39):
#: the address code and the last two characters; the birth date is shown as its year only
#: (`birth_shown`). Left unknown: the 4 digits of month and day (365 or 366 dates of the shown
#: year) and the first 2 of the 3 sequence digits (the third is shown; its parity is the sex).
#: The check character shown cuts the candidates by 11: 365 × 100 / 11 ≈ 3,318 numbers stay
#: consistent with everything shown (tests/registry/test_masking.py counts them for every view).
#: Showing one more digit, the month or an age that changes on the birthday breaks the rule.
MASK_KEEP_START, MASK_KEEP_END = 6, 2


def mask(number: str) -> str:
    """`64032319900101123X` → `640323**********3X`: keep the address code and the last 2."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(0, len(number) - 4) + number[-2:]
    return (number[:MASK_KEEP_START] + "*" * (len(number) - MASK_KEEP_START - MASK_KEEP_END)
            + number[-MASK_KEEP_END:])


def birth_year(birth: dt.date | None) -> int | None:
    """The birth date as users without the reveal right see it: its year (see `mask`)."""
    return birth.year if birth else None


def birth_shown(birth: dt.date | None) -> str:
    """`1990-01-01` → `1990年`: the one text of a birth date on pages, exports and history."""
    return f"{birth.year}年" if birth else ""


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def make(address_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-character ID number (used by the demo generator and factories)."""
    first17 = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
