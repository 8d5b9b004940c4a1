"""Set-based creation of households and persons for the monitoring list import (decision
53c): households in two statements (created, then their heads set), persons in one, with
history; numbers made by the village's rule (`numbering.py`) where the list gives none; the
undo ends the households it created (nothing deleted). The plan
(`exchange/monitoring_households.py`) checks the rows; these only write, inside the caller's
transaction (re-exported by `services`)."""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_in_scope, require_writer
from jkfp.accounts.models import User
from jkfp.regions.models import Region

from . import numbering
from .models import Household, Person


def _numbers(village: str, n: int, taken: set[str]) -> list[str]:
    """`n` free numbers of the village's rule, from its next serial on."""
    rule = numbering.rule_for(village)
    first = numbering.next_number(village_code=village)
    serial = int(rule.pattern(village).match(first)[1])
    out = []
    while len(out) < n:
        number = rule.render(village, serial)
        if number not in taken and not Household.objects.filter(
                household_number=number).exists():
            out.append(number)
            taken.add(number)
        serial += 1
    return out


def households_persons_import(*, user: User, households: list[dict], persons: list[dict],
                              reason: str) -> tuple[dict[str, Household], list[Person]]:
    """`households`: {key, household_number (may be ""), village_code}; `persons`: {household
    (a key of `households` or an existing household's pk), id_number, name, sex, birth_date,
    relation, work_ability, phone}. Returns the households by key and the persons made."""
    require_writer(user)
    villages = {h["village_code"] for h in households}
    for v in villages:
        require_in_scope(user, v, field="village")
    list(Region.objects.select_for_update().filter(code__in=villages))  # numbering waits
    taken: set[str] = {h["household_number"] for h in households if h["household_number"]}
    for v in villages:
        blank = [h for h in households if h["village_code"] == v and not h["household_number"]]
        for h, number in zip(blank, _numbers(v, len(blank), taken), strict=True):
            h["household_number"] = number
    new = [Household(household_number=h["household_number"], village_id=h["village_code"],
                     region_code=h["village_code"]) for h in households]
    made = bulk_create_with_history(new, Household, default_user=user,
                                    default_change_reason=reason)
    if any(h.pk is None for h in made):
        ids = dict(Household.objects.filter(household_number__in=[h.household_number
                                                                   for h in made])
                   .values_list("household_number", "pk"))
        for h in made:
            h.pk = ids[h.household_number]
    by_key = {h["key"]: m for h, m in zip(households, made, strict=True)}
    existing = {h.pk: h for h in Household.objects.filter(
        pk__in=[p["household"] for p in persons if isinstance(p["household"], int)])}
    for h in existing.values():
        require_in_scope(user, h.region_code, field="household")
    people = []
    for p in persons:
        hh = by_key.get(p["household"]) or existing[p["household"]]
        people.append(Person(
            id_number=p["id_number"], id_rev=p["id_number"][::-1], name=p["name"], sex=p["sex"],
            birth_date=p["birth_date"], phone=p.get("phone") or "", household=hh,
            relation=p["relation"], region_code=hh.region_code,
            work_ability=p.get("work_ability") or "able",
            health_status=p.get("health_status") or ""))
    people = bulk_create_with_history(people, Person, default_user=user,
                                      default_change_reason=reason)
    if any(p.pk is None for p in people):
        ids = dict(Person.objects.filter(id_number__in=[p.id_number for p in people])
                   .values_list("id_number", "pk"))
        for p in people:
            p.pk = ids[p.id_number]
    heads = []
    for p in people:
        hh = p.household
        if p.relation == "head" and hh.pk in {m.pk for m in made}:
            hh.head_id = p.pk
            heads.append(hh)
    bulk_update_with_history(heads, Household, ["head"], default_user=user,
                             default_change_reason=reason)
    return by_key, people


def households_end_imported(*, user: User, ids: list[int], on: dt.date, reason: str) -> int:
    """End (注销) the households an import created, on its undo; their members stay."""
    require_writer(user)
    objs = list(Household.objects.select_for_update().filter(pk__in=ids, ended_on__isnull=True))
    for h in objs:
        require_in_scope(user, h.region_code, field="household")
        h.ended_on, h.end_reason, h.version = on, reason[:200], h.version + 1
    bulk_update_with_history(objs, Household, ["ended_on", "end_reason", "version"],
                             default_user=user, default_change_reason=reason)
    return len(objs)
