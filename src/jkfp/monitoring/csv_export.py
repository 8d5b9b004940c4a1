"""The warnings as CSV (`jkfp warnings export`): the rows of the user's scope, the ID number
full only for the roles that may see it (each full showing logged), masked otherwise."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from jkfp.accounts.access import can_see_full_identity, scoped
from jkfp.accounts.services import data_access_log
from jkfp.registry.idnumber import mask

from .models import RiskWarning

COLUMNS = ("rule", "id_number", "name", "region_code", "period", "status", "found_on", "amount",
           "threshold", "due_on", "departments", "uses_examples")


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@dataclass
class Exported:
    rows: int
    full_ids: int


def warnings_for_export(user, *, region_code: str = "", status: str = ""):
    qs = scoped(RiskWarning.objects.all(), user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("person", "household__head").order_by("region_code", "rule_id", "id")


def export_csv(path: str, *, user, region_code: str = "", status: str = "") -> Exported:
    full = can_see_full_identity(user)
    shown: list[int] = []
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for w in warnings_for_export(user, region_code=region_code, status=status).iterator(2000):
            person = w.person or w.household.head
            number = person.id_number if person else ""
            if full and person:
                shown.append(person.pk)
            out.writerow([w.rule_id, number if full else mask(number),
                          person.name if person else "", w.region_code, w.period, w.status,
                          w.found_on.isoformat(), _yuan(w.amount_fen), _yuan(w.threshold_fen),
                          w.due_on.isoformat(), "|".join(w.departments),
                          "1" if w.uses_examples else "0"])
            n += 1
    if shown:
        data_access_log(user=user, person_ids=shown, field="id_number", channel="export",
                        path="jkfp warnings export")
    return Exported(rows=n, full_ids=len(set(shown)))
