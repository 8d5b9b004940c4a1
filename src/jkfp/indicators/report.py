"""The monthly report of one region (decision 66b): every indicator of the month against its
target, the month before, and for each one short of its target the sub-region that pulls it
down most. Read from the figures table only, like the dashboard (decision 59)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jkfp.accounts.models import User

from . import selectors
from .periods import Period, parse


@dataclass(frozen=True)
class ReportRow:
    now: selectors.Row
    before: selectors.Row | None
    worst: selectors.Row | None     # the sub-region furthest from the target (short rows only)

    @property
    def change(self) -> str:
        """The change since the month before, in points (percent) or units (count)."""
        a, b = self.now.value, self.before.value if self.before else None
        if a is None or b is None:
            return "—"
        if self.now.indicator.unit == "count":
            return f"{a - b:+.0f}"
        return f"{a - b:+.2f}个百分点"


def month_of(code: str | None, today: dt.date) -> Period:
    """The report's month: a month as given; a year or quarter → its last month begun by
    `today`; none → the month before today's (the last complete one)."""
    if not code:
        first = today.replace(day=1) - dt.timedelta(days=1)
        return parse(f"{first.year}-{first.month:02d}")
    p = parse(code)
    if p.unit == "month":
        return p
    end = min(p.end, today)
    if end < p.start:
        end = p.start
    return parse(f"{end.year}-{end.month:02d}")


def _previous(p: Period) -> str:
    d = p.start - dt.timedelta(days=1)
    return f"{d.year}-{d.month:02d}"


def monthly_report(*, user: User, region_code: str, month: Period) -> list[ReportRow]:
    now = selectors.figures_of(user=user, region_code=region_code, period=month.code)
    before = {r.indicator.id: r for r in selectors.figures_of(
        user=user, region_code=region_code, period=_previous(month))}
    out = []
    for r in now:
        worst = None
        if r.short:
            children = [c for c in selectors.children_of(
                user=user, region_code=region_code, period=month.code,
                indicator=r.indicator.id) if c.short]
            worst = children[0] if children else None
        out.append(ReportRow(r, before.get(r.indicator.id), worst))
    return out
