"""The contradiction of a 特困 person in a household whose per-capita income is over the
monitoring income line (decision 53a; the line per province and year in
`policies/registry/income_lines.yaml`). The year compared is the year of the check (today,
China time): a monitoring export's 人均纯收入 is read as that year's, and for a civil-affairs
list the registry's `HouseholdIncome` of that year is compared. No line for the year, no
comparison."""

from __future__ import annotations

import datetime as dt

from jkfp.accounts.models import User
from jkfp.categories import Category
from jkfp.registry.models import HouseholdIncome
from jkfp.registry.selectors import category_period_scope, income_line, person_scope

WHAT = "特困人员所在户收入超过监测线"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def income_contradictions(*, user: User, kind: str, rows, today: dt.date) -> list[dict]:
    """`rows`: the batch's rows (line, person_id, data) linked to a person."""
    if kind not in ("monitoring", "civil_affairs"):
        return []
    year = today.year
    linked = [r for r in rows if r.person_id]
    people = {pk: (hh, region) for pk, hh, region in person_scope(user=user).filter(
        pk__in=[r.person_id for r in linked]).values_list("pk", "household_id", "region_code")}
    incomes: dict[int, tuple[int, int, str]] = {}  # household → (fen, line, where it is from)
    poor: set[int] = set()
    if kind == "monitoring":
        for r in linked:
            fen = r.data.get("income")
            if fen is not None and r.person_id in people:
                incomes.setdefault(people[r.person_id][0], (fen, r.line, "名单"))
    else:
        lines = {people[r.person_id][0]: r.line for r in linked if r.person_id in people
                 and r.data.get("category") == Category.EXTREME_POOR.value}
        for hh, fen in HouseholdIncome.objects.filter(
                household_id__in=[h for h in lines if h in {p[0] for p in people.values()}],
                year=year, void=False).values_list("household_id", "per_capita_fen"):
            incomes[hh] = (fen, lines[hh], "登记")
        poor = set(lines)
    households = list(incomes)
    poor |= set(category_period_scope(user=user).filter(
        category=Category.EXTREME_POOR.value, end_date__isnull=True,
        person__household_id__in=households).values_list("person__household_id", flat=True))
    poor |= set(category_period_scope(user=user).filter(
        category=Category.EXTREME_POOR.value, end_date__isnull=True,
        household_id__in=households).values_list("household_id", flat=True))
    region_of = dict(people.values())
    out = []
    for hh, (fen, line_no, where) in sorted(incomes.items(), key=lambda i: i[1][1]):
        if hh not in poor:
            continue
        line = income_line(region_code=region_of.get(hh, ""), year=year)
        if line is None or fen <= line.fen:
            continue
        note = "（示例值）" if line.example else ""
        out.append({
            "line": line_no, "household_id": hh, "what": WHAT,
            "text": f"{where}人均纯收入{_yuan(fen)}元高于{year}年监测收入标准"
                    f"{_yuan(line.fen)}元{note}，户中有特困人员"})
    return out
