"""Set-based writes of household incomes for the monitoring list import (decision 53b):
create and update a household's income of a year in two statements with history, and void
them on undo (nothing deleted). The plan (`exchange/monitoring_households.py`) decides the
values; these only write, inside the caller's transaction (re-exported by `services`)."""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp.accounts.access import require_writer
from jkfp.accounts.models import User

from .models import HouseholdIncome

INCOME_FIELDS = ("total_fen", "members", "per_capita_fen", "source", "void")


def household_incomes_import(*, user: User, creates: list[dict], updates: dict[int, dict],
                             reason: str) -> tuple[list[HouseholdIncome], list[dict]]:
    require_writer(user)
    made = bulk_create_with_history([HouseholdIncome(**v) for v in creates], HouseholdIncome,
                                    default_user=user, default_change_reason=reason)
    if any(i.pk is None for i in made):  # a backend that returns no ids
        ids = {(h, y): pk for pk, h, y in HouseholdIncome.objects.filter(
            household_id__in=[i.household_id for i in made]).values_list(
            "pk", "household_id", "year")}
        for i in made:
            i.pk = ids[(i.household_id, i.year)]
    befores = []
    if updates:
        objs = list(HouseholdIncome.objects.select_for_update().filter(pk__in=list(updates)))
        for i in objs:
            befores.append({"id": i.pk, **{n: getattr(i, n) for n in INCOME_FIELDS}})
            for name, value in updates[i.pk].items():
                if name not in INCOME_FIELDS:
                    raise ValueError(name)
                setattr(i, name, value)
        bulk_update_with_history(objs, HouseholdIncome, list(INCOME_FIELDS), default_user=user,
                                 default_change_reason=reason)
    return made, befores
