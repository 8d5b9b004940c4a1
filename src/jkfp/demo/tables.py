"""Column tables the generator produces and the loader writes, and date helpers.

A `Table` holds one model's rows as columns (database column name → list of plain Python values:
int, str, bool, None, ISO date strings, aware datetimes). Dates are handled inside the generator
as NumPy int64 day numbers since 1970-01-01 (NONE = no date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

EPOCH = dt.date(1970, 1, 1)
LOCAL = ZoneInfo("Asia/Shanghai")
NONE = -(10**9)  # "no date" in day-number arrays (-1 would be 1969-12-31)


@dataclass
class Table:
    model: type
    columns: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def rows(self) -> list[tuple]:
        """Rows as tuples in column order (for tests and small tables)."""
        return list(zip(*self.columns.values(), strict=True))


def day(d: dt.date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def iso(days: np.ndarray) -> list[str | None]:
    """Day numbers → 'YYYY-MM-DD' strings; NONE → None. (Formats each distinct day once.)"""
    days = np.asarray(days, dtype=np.int64)
    if not len(days):
        return []
    uniq, inverse = np.unique(days, return_inverse=True)
    text = np.array([None if n == NONE else (EPOCH + dt.timedelta(days=n)).isoformat()
                     for n in uniq.tolist()], dtype=object)
    return text[inverse].tolist()


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers → (year, month, day) integer arrays."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def add_years_minus_one_day(days: np.ndarray, years: int = 1) -> np.ndarray:
    """The last day of a validity of `years` years starting on each day (29 Feb → 28 Feb)."""
    out = []
    for n in np.asarray(days).tolist():
        d = to_date(n)
        try:
            e = d.replace(year=d.year + years)
        except ValueError:
            e = d.replace(year=d.year + years, day=28)
        out.append(day(e) - 1)
    return np.asarray(out, dtype=np.int64)


def local_dt(n: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware datetime on day number n at a local (Asia/Shanghai) time."""
    d = to_date(n)
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=LOCAL)


def local_dts(days: np.ndarray, hour: int = 9) -> list[dt.datetime]:
    """`local_dt` for an array of day numbers (one datetime object per distinct day)."""
    uniq, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    objs = np.array([local_dt(n, hour) for n in uniq.tolist()] + [None], dtype=object)[:-1]
    return objs[inverse].tolist()


def pick(rng: np.random.Generator, options, size: int, p=None) -> list:
    """`size` draws from a short list of options (strings), as a Python list."""
    idx = rng.choice(len(options), size=size, p=p)
    return [options[i] for i in idx.tolist()]
