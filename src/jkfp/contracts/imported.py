"""Set-based writes of follow-up visits for the follow-up list import (decision 53): create
and update visits in two statements with history, and void them on undo (nothing deleted).
The plan (`exchange/kind_followups.py`) checks each row with `followup_check`, the rules of
`followup_record`; these only write, inside the caller's transaction (re-exported by
`contracts.services`)."""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_health_writer
from jkfp.accounts.models import User

from .models import FollowUp

#: the fields an import writes on a visit (and an undo restores)
VISIT_FIELDS = ("way", "member_id", "systolic", "diastolic", "fasting_glucose", "risk_level",
                "doses_due", "doses_taken", "classification", "next_visit_on", "void")


def followups_import(*, user: User, creates: list[dict], updates: dict[int, dict],
                     reason: str) -> tuple[list[FollowUp], list[dict]]:
    """Create `creates` (field values) and update `updates` (pk → VISIT_FIELDS values);
    return the created visits (with pks) and the values before of each updated one."""
    require_health_writer(user)
    new = [FollowUp(created_by=user, **values) for values in creates]
    made = bulk_create_with_history(new, FollowUp, default_user=user,
                                    default_change_reason=reason)
    if any(v.pk is None for v in made):  # a backend that returns no ids
        ids = {(r, d): pk for pk, r, d in FollowUp.objects.filter(
            registration_id__in=[v.registration_id for v in made], void=False
        ).values_list("pk", "registration_id", "visited_on")}
        for v in made:
            v.pk = ids[(v.registration_id, v.visited_on)]
    befores = []
    if updates:
        objs = list(FollowUp.objects.select_for_update().filter(pk__in=list(updates)))
        for v in objs:
            befores.append({"id": v.pk, **{n: _json(getattr(v, n)) for n in VISIT_FIELDS}})
            for name, value in updates[v.pk].items():
                if name not in VISIT_FIELDS:
                    raise ValueError(name)
                setattr(v, name, value)
        bulk_update_with_history(objs, FollowUp, [f.removesuffix("_id") for f in VISIT_FIELDS],
                                 default_user=user, default_change_reason=reason)
    return made, befores


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (int, str, bool)):
        return str(value)  # Decimal
    return value


#: the fields an import writes on a contract (and an undo restores)
CONTRACT_FIELDS = ("signed_on", "package", "fee_fen", "fee_payer", "ended_on", "end_reason")


def contracts_import(*, user: User, creates: list[dict], updates: dict[int, dict],
                     reason: str) -> tuple[list, list[dict]]:
    """Create `creates` (field values) and update `updates` (pk → CONTRACT_FIELDS values)
    with history; return the created contracts (with pks) and the values before."""
    from .models import Contract

    require_health_writer(user)
    new = [Contract(created_by=user, **values) for values in creates]
    made = bulk_create_with_history(new, Contract, default_user=user,
                                    default_change_reason=reason)
    if any(c.pk is None for c in made):  # a backend that returns no ids
        ids = {(p, y): pk for pk, p, y in Contract.objects.filter(
            person_id__in=[c.person_id for c in made], ended_on__isnull=True
        ).values_list("pk", "person_id", "year")}
        for c in made:
            c.pk = ids[(c.person_id, c.year)]
    befores = []
    if updates:
        objs = list(Contract.objects.select_for_update().filter(pk__in=list(updates)))
        for c in objs:
            befores.append({"id": c.pk, **{n: _json(getattr(c, n)) for n in CONTRACT_FIELDS}})
            for name, value in updates[c.pk].items():
                if name not in CONTRACT_FIELDS:
                    raise ValueError(name)
                setattr(c, name, value)
            c.version += 1
        bulk_update_with_history(objs, Contract, [*CONTRACT_FIELDS, "version"],
                                 default_user=user, default_change_reason=reason)
    return made, befores


def teams_import(*, user: User, teams: list[dict], members: list[dict], reason: str
                 ) -> tuple[list[int], list[int]]:
    """Create the teams and members a signing list names (decision 81), with history: each
    team its villages and doctors as `members` gives them (`team` is the id of a stored team
    or the `key` of one of `teams`). A team made here is not yet 1+1+X (no nurse in a list):
    its page says so (`composition_gaps`). Returns the ids of the teams and the members."""
    from jkfp.writes import model_create

    from .models import Team, TeamMember, TeamVillage

    require_health_writer(user)
    made: dict[str, int] = {}
    for t in teams:
        team = model_create(Team, user=user, name=t["name"], region_code=t["region_code"],
                            institution=t["institution"], created_by=user, change_reason=reason)
        TeamVillage.objects.bulk_create([TeamVillage(team=team, village_code=v)
                                         for v in t["villages"]])
        made[t["key"]] = team.pk
    member_ids = [model_create(TeamMember, user=user, team_id=made.get(m["team"], m["team"]),
                               name=m["name"], role=m["role"], institution=m["institution"],
                               start_date=m["start_date"], change_reason=reason).pk
                  for m in members]
    return [made[t["key"]] for t in teams], member_ids


def teams_import_undo(*, user: User, teams: list[int], members: list[int], reason: str) -> None:
    """The undo of `teams_import`: the teams retired, the memberships ended on their first
    day; nothing deleted."""
    from jkfp.writes import model_update

    from .models import Team, TeamMember

    require_health_writer(user)
    for m in TeamMember.objects.filter(pk__in=members, end_date__isnull=True):
        model_update(instance=m, user=user, data={"end_date": m.start_date},
                     change_reason=reason)
    for t in Team.objects.filter(pk__in=teams):
        model_update(instance=t, user=user, data={"active": False}, change_reason=reason)
