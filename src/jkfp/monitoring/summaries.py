"""The warnings' summaries (decision 62), registered when the app is ready.

The region overview's counts of warnings (open, to verify, overdue, confirmed, closed this year)
come from `summaries.RegionCount`, kept in the same transaction as every write of a warning (the
scan's bulk writes, the push, each step of the workflow) and rebuilt by `jkfp summary rebuild`:

- `monitoring.warnings_status`: warnings by village and status (open, to verify, confirmed);
- `monitoring.warnings_unverified_due`: warnings not yet verified (found or pushed) by village
  and due date. "Overdue" changes with the date without a write, so what is stored is the due
  date, and the overdue count is the sum of the keys before today: exact on any date, no
  nightly rebuild;
- `monitoring.warnings_closed_year`: closed warnings by village and the year they were closed.
"""

from __future__ import annotations

from django.db.models import CharField, Q
from django.db.models.functions import Cast, ExtractYear

from jkfp.summaries.definitions import SummaryDefinition, define

from .models import RiskWarning, WarningStatus

W = WarningStatus
UNVERIFIED = (W.FOUND, W.PUSHED)

BY_STATUS = define(SummaryDefinition(
    name="monitoring.warnings_status", model=RiskWarning, where=Q(),
    counts=lambda w: True, key_field="status", description="监测预警数，按村、状态"))

UNVERIFIED_DUE = define(SummaryDefinition(
    name="monitoring.warnings_unverified_due", model=RiskWarning,
    where=Q(status__in=UNVERIFIED), counts=lambda w: w.status in UNVERIFIED,
    key_field="due_on", description="未核实的监测预警数，按村、核实期限"))

CLOSED_YEAR = define(SummaryDefinition(
    name="monitoring.warnings_closed_year", model=RiskWarning,
    where=Q(status=W.CLOSED, closed_on__isnull=False),
    counts=lambda w: w.status == W.CLOSED and w.closed_on is not None,
    key_of=lambda w: str(w.closed_on.year) if hasattr(w.closed_on, "year")
    else str(w.closed_on)[:4],
    key_expr=Cast(ExtractYear("closed_on"), output_field=CharField()),
    description="已办结的监测预警数，按村、办结年度"))

#: the fields the summaries read off a warning (load them with the rows a bulk write changes)
FIELDS = ("region_code", "status", "due_on", "closed_on")
