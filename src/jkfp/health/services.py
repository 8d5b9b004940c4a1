"""Writes of the health app (DESIGN.md rule 2).

PLACEHOLDER FOR THE LEAD (written in the contracts worktree so that contracts.services can call
it before the lead's health/services.py lands on main): only `chronic_visit_noted`, with the
signature of the brief. On merge, keep the lead's file.
"""

from __future__ import annotations

import datetime as dt

from jkfp.writes import locked

from .models import ChronicRegistration


def chronic_visit_noted(*, registration: ChronicRegistration, visited_on: dt.date,
                        next_visit_on: dt.date | None, risk_level: int | None = None) -> None:
    """Keep the registration's latest and next visit current (called by the follow-up service in
    its own transaction; a later visit recorded first is not overwritten by an earlier one)."""
    reg = locked(ChronicRegistration, registration.pk)
    if reg.last_visit_on is not None and visited_on < reg.last_visit_on:
        return
    reg.last_visit_on = visited_on
    reg.next_visit_on = next_visit_on
    fields = ["last_visit_on", "next_visit_on"]
    if risk_level is not None:
        reg.risk_level = risk_level
        fields.append("risk_level")
    reg.save(update_fields=fields)  # derived fields: no new history row, no version bump
