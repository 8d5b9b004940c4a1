"""How `csvio`'s columnar path reads each value of the columns with few distinct values: one
parse per distinct text (`csvcheck._distinct`), and the texts the compiled pass takes checked
against it (`csvfast._enum_forms`). Plain Python: no Polars, no Numba, so that the compiled
pass needs neither (decision 106)."""

from __future__ import annotations

from .schema import LOCATION_INDEX
from .stay_input import _category, _date, _grade, _referred

_ORDINAL_1970 = 719163  # date(1970, 1, 1).toordinal()


def _by(check):
    """A stay_input checker (value, bad) as text → value or None (None on any error)."""
    def parse(text: str):
        errors: list[object] = []
        value = check(text.strip(), lambda *a, **k: errors.append(a))
        return None if errors else (int(value) if value is not None else None)
    return parse


def _county(text: str) -> int | None:
    t = text.strip()
    return int(t) if len(t) == 6 and t.isascii() and t.isdigit() else None


def _location(text: str) -> int | None:
    return LOCATION_INDEX.get(text.strip()) if text.strip() else None


def _day(text: str) -> int | None:
    """Days since 1970-01-01 of a date `stay_input` accepts."""
    d = _by(lambda v, bad: (lambda x: x and x.toordinal())(_date(v, "d", bad)))(text)
    return None if d is None else d - _ORDINAL_1970


#: How the columns with few distinct values are read (each distinct value once).
def parsers() -> dict:
    return {"county_code": _county, "category": _by(_category),
            "hospital_grade": _by(_grade), "location": _location,
            "referred": _by(_referred), "admission_date": _day, "discharge_date": _day}


__all__ = ["parsers"]
