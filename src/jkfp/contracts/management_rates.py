"""Management, standard-management and control rates per region and disease: the status
query of `management` aggregated in the database (re-exported by `management`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jkfp.health.models import ChronicRegistration

from . import standards
from .management import _fetch, status_sql, year_bounds


@dataclass(frozen=True)
class Rates:
    region_code: str
    disease_code: str
    registered: int      # counted for the year
    deceased: int
    population: int      # the denominator of the management rate
    managed: int
    standard: int
    controlled: int
    standard_denominator: str

    @staticmethod
    def _share(n: int, d: int) -> float | None:
        return None if d == 0 else n / d

    @property
    def management_rate(self) -> float | None:
        return self._share(self.managed, self.population)

    @property
    def standard_rate(self) -> float | None:
        d = self.population if self.standard_denominator == "on_register" else self.managed
        return self._share(self.standard, d)

    @property
    def control_rate(self) -> float | None:
        return self._share(self.controlled, self.managed)


def rates_by_region(registrations: QuerySet[ChronicRegistration], *, year: int,
                    on: dt.date | None = None, length: int) -> list[Rates]:
    """Management, standard-management and control rates per region (code cut to `length`)
    and disease, from the status query aggregated in the database."""
    sql, params = status_sql(registrations, year=year, on=on)
    _ys, _ye, _on, cut = year_bounds(year, on)
    on_register = [c for c in standards.DISEASES
                   if (s := standards.disease_standard(c, on=cut))
                   and s.standard_denominator == "on_register"]
    marks = ", ".join(["%s"] * len(on_register)) or "NULL"
    leave = f"(s.deceased = 1 AND s.disease_code IN ({marks}))"
    agg = f"""SELECT SUBSTR(s.region_code, 1, %s) AS region, s.disease_code,
                COUNT(*), SUM(s.deceased),
                SUM(CASE WHEN {leave} THEN 0 ELSE 1 END),
                SUM(CASE WHEN {leave} THEN 0 ELSE s.managed END),
                SUM(CASE WHEN {leave} THEN 0 ELSE s.standard END),
                SUM(CASE WHEN {leave} THEN 0 ELSE s.controlled END)
              FROM ({sql}) s GROUP BY SUBSTR(s.region_code, 1, %s), s.disease_code
              ORDER BY 1, 2"""
    all_params = [length] + on_register * 4 + params + [length]
    rows = _fetch(agg, all_params)
    denominators = {c: (s.standard_denominator if (s := standards.disease_standard(c, on=cut))
                        else "managed") for c in standards.DISEASES}
    return [Rates(region_code=r[0], disease_code=r[1], registered=int(r[2]),
                  deceased=int(r[3] or 0), population=int(r[4] or 0), managed=int(r[5] or 0),
                  standard=int(r[6] or 0), controlled=int(r[7] or 0),
                  standard_denominator=denominators.get(r[1], "managed")) for r in rows]
