"""Periods of the indicators: a year `2022`, a quarter `2022Q3`, a month `2022-07`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jkfp.errors import DomainError, ErrorCode

UNITS = ("month", "quarter", "year")
_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    code: str

    @property
    def unit(self) -> str:
        return "quarter" if "Q" in self.code else "month" if "-" in self.code else "year"

    @property
    def year(self) -> int:
        return self.start.year


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse(code: str) -> Period:
    m = _RE.match((code or "").strip())
    if not m:
        raise DomainError(ErrorCode.INVALID,
                          f"期间“{code}”无法识别：应为年（2022）、季度（2022Q3）或月份（2022-07）",
                          field="period")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        return Period(dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), f"{year}Q{q}")
    if m.group(3):
        month = int(m.group(3))
        return Period(dt.date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))


def of_year(year: int, *, until: dt.date | None = None) -> list[Period]:
    """The year, its quarters and months (those begun by `until`, if given)."""
    codes = [str(year)] + [f"{year}Q{q}" for q in range(1, 5)] + [
        f"{year}-{m:02d}" for m in range(1, 13)]
    out = [parse(c) for c in codes]
    return [p for p in out if until is None or p.start <= until]


def recent_months(end: Period, n: int = 12) -> list[Period]:
    """The n months up to the month containing end's last day (for trends)."""
    y, m = end.end.year, end.end.month
    out = []
    for _ in range(n):
        out.append(parse(f"{y}-{m:02d}"))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]
