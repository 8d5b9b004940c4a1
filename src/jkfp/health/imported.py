"""Set-based writes of chronic registrations for the follow-up list import (decision 53):
create the registrations a list names for the first time, move their visit dates, end
their management, and undo all that. The rules are checked by the caller's plan
(`exchange/kind_followups.py`) with the service's own rules; these only write, with history,
inside the caller's transaction (re-exported by `health.services`)."""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_health_writer
from jkfp.accounts.models import User

from .models import ChronicRegistration

#: the fields an import may change on a registration (and an undo restores)
IMPORT_FIELDS = ("last_visit_on", "next_visit_on", "ended_on", "end_reason")


def chronic_registrations_import(
    *, user: User, creates: list[dict], updates: dict[int, dict], reason: str
) -> tuple[list[ChronicRegistration], list[dict]]:
    """Create `creates` (field values) and apply `updates` (pk → fields of IMPORT_FIELDS) in
    two statements with history; return the created rows (with pks) and the values before
    of each updated one (with its `id`)."""
    require_health_writer(user)
    new = [ChronicRegistration(created_by=user, **values) for values in creates]
    made = bulk_create_with_history(new, ChronicRegistration, default_user=user,
                                    default_change_reason=reason)
    if any(r.pk is None for r in made):  # a backend that returns no ids
        ids = {(p, d): pk for pk, p, d in ChronicRegistration.objects.filter(
            person_id__in=[r.person_id for r in made], ended_on__isnull=True
        ).values_list("pk", "person_id", "disease_code")}
        for r in made:
            r.pk = ids[(r.person_id, r.disease_code)]
    befores = []
    if updates:
        objs = list(ChronicRegistration.objects.select_for_update().filter(pk__in=list(updates)))
        for r in objs:
            befores.append({"id": r.pk, **{n: _json(getattr(r, n)) for n in IMPORT_FIELDS}})
            for name, value in updates[r.pk].items():
                if name not in IMPORT_FIELDS:
                    raise ValueError(name)
                setattr(r, name, value)
            r.version += 1
        bulk_update_with_history(objs, ChronicRegistration, [*IMPORT_FIELDS, "version"],
                                 default_user=user, default_change_reason=reason)
    return made, befores


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def chronic_visit_dates(*, ids: set[int]) -> dict[int, object]:
    """The latest visit date held of each registration (for the import's write, which holds
    these ids from a scoped plan)."""
    return dict(ChronicRegistration.objects.filter(pk__in=list(ids))
                .values_list("pk", "last_visit_on"))
