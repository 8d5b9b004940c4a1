"""What a list would change in the registry: per row a status of the summary, the changes
(before → after) and the writes that make them; for the list, the registry persons of its kind
missing from it and the contradictions found.

The plan is computed from the registry as it is now, at the check and again inside the apply
(under the locks), so an apply writes what is still different and a second apply of the same
file writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from jkfp.categories import LABELS, Category
from jkfp.registry import idnumber
from jkfp.registry.models import HealthStatus, Relation, WorkAbility
from jkfp.registry.services import PeriodEndChange, PeriodOpen

from .models import RowStatus


@dataclass
class RowIn:
    """A row ready to compare: its line, the linked person (or None) and its typed values."""

    line: int
    person_id: int | None
    data: dict


@dataclass
class RowPlan:
    status: str
    reason: str = ""
    changes: list[dict] = field(default_factory=list)
    opens: list[PeriodOpen] = field(default_factory=list)
    ends: list[PeriodEndChange] = field(default_factory=list)
    person_update: dict = field(default_factory=dict)
    record: dict = field(default_factory=dict)  # an enrolment to write (enrolment.py)
    errors: list[dict] = field(default_factory=list)  # rule errors found by a plan


@dataclass
class PersonState:
    id: int
    name: str
    id_number: str
    alive: bool
    region_code: str
    household_id: int
    phone: str
    work_ability: str
    health_status: str = ""
    relation: str = ""


@dataclass
class PeriodState:
    id: int
    person_id: int | None
    household_id: int | None
    category: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass
class State:
    """The registry as the plan needs it (read through the scoped selectors)."""

    persons: dict[int, PersonState]
    periods: list[PeriodState]
    county_codes: dict[str, set[str]] = field(default_factory=dict)  # county → codes in IDs
    enrolments: dict = field(default_factory=dict)  # (person, year) → enrolment.EnrolmentState
    settlements: object = None  # settlements.SettlementState (kind insurance_settlements)


@dataclass
class Plan:
    rows: dict[int, RowPlan]
    contradictions: list[dict] = field(default_factory=list)


def _label(cat: str) -> str:
    try:
        return LABELS[Category(cat)]
    except ValueError:
        return cat


def _span(start: dt.date, end: dt.date | None) -> str:
    return f"{start} 至 {end or '今'}"


def _month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


class _Periods:
    """The periods of the plan's subjects, kept current as the plan adds its own."""

    def __init__(self, periods: list[PeriodState]):
        self.by = defaultdict(list)
        for p in periods:
            self.by[(p.person_id, p.household_id, p.category)].append(p)

    def of(self, person_id, household_id, category) -> list[PeriodState]:
        return self.by[(person_id, household_id, category)]

    def add(self, p: PeriodState) -> None:
        self.by[(p.person_id, p.household_id, p.category)].append(p)


def _period_plan(
    plan: RowPlan,
    periods: _Periods,
    *,
    person_id,
    household_id,
    region_code,
    category: str,
    start: dt.date,
    end: dt.date | None,
    reason: str,
    end_way: str = "",
    exit_year: int | None = None,
    batch_note: str,
) -> None:
    """Add to `plan` what makes the registry hold `category` over [start, end]."""
    held = periods.of(person_id, household_id, category)
    open_ = [p for p in held if p.end_date is None]
    label = _label(category)
    if end is None:
        if open_:
            return
        later = [p for p in held if p.end_date is not None and p.end_date >= start]
        begin = max([start] + [p.end_date + dt.timedelta(days=1) for p in later])
        plan.opens.append(
            PeriodOpen(
                category=category,
                start_date=begin,
                region_code=region_code,
                person_id=person_id,
                household_id=household_id,
                reason=reason,
                exit_year=exit_year,
            )
        )
        periods.add(PeriodState(-1, person_id, household_id, category, begin, None))
        plan.changes.append({"field": label, "before": "无", "after": _span(begin, None)})
        return
    if open_:
        p = open_[0]
        if p.start_date > end:
            plan.changes.append(
                {
                    "field": label,
                    "before": _span(p.start_date, None),
                    "after": f"名单终止于{end}，早于登记的起始日期，未处理",
                }
            )
            return
        plan.ends.append(
            PeriodEndChange(period_id=p.id, end_date=end, end_reason=batch_note, end_way=end_way)
        )
        p.end_date = end
        plan.changes.append(
            {"field": label, "before": _span(p.start_date, None), "after": _span(p.start_date, end)}
        )
        return
    if any(p.start_date <= end and (p.end_date is None or p.end_date >= start) for p in held):
        return  # already recorded over that time
    plan.opens.append(
        PeriodOpen(
            category=category,
            start_date=start,
            end_date=end,
            end_reason=batch_note,
            end_way=end_way,
            region_code=region_code,
            person_id=person_id,
            household_id=household_id,
            reason=reason,
            exit_year=exit_year,
        )
    )
    periods.add(PeriodState(-1, person_id, household_id, category, start, end))
    plan.changes.append({"field": label, "before": "无", "after": _span(start, end)})


def _status(plan: RowPlan) -> str:
    if any(e.end_date is not None for e in plan.ends):
        return RowStatus.ENDED
    if plan.opens:
        return RowStatus.CREATED
    if plan.person_update:
        return RowStatus.UPDATED
    return RowStatus.UNCHANGED


def _contradictions(
    row: RowIn, person: PersonState, state: State, out: list[dict], active: bool
) -> bool:
    """Record what contradicts the registry; True when the row must not be applied."""
    id_number = row.data.get("id_number") or ""
    county = person.region_code[:6]
    codes = state.county_codes.get(county, {county})
    if id_number and row.data.get("id_valid") and id_number[:6] not in codes:
        out.append(
            {
                "line": row.line,
                "person_id": person.id,
                "what": "证件号码的县代码不符",
                "text": f"证件号码前6位{id_number[:6]}不是所在县{county}（或其旧代码）",
            }
        )
    if not person.alive and active:
        out.append(
            {
                "line": row.line,
                "person_id": person.id,
                "what": "死亡与在保矛盾",
                "text": "登记中此人已死亡，名单中仍为在保",
            }
        )
        return True
    return False


def plan_civil_affairs(rows: list[RowIn], state: State, *, note: str) -> Plan:
    periods = _Periods(state.periods)
    out = Plan(rows={})
    today = dt.datetime.now(idnumber.CHINA).date()  # today in China (DESIGN rule 9)
    for row in sorted(rows, key=lambda r: (r.data.get("start_date") or dt.date.min, r.line)):
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(
                RowStatus.IGNORED, "登记中无此人：民政名单不新建人员，见比对表"
            )
            continue
        d = row.data
        end = d.get("end_date")
        active = end is None or end >= today
        if _contradictions(row, person, state, out.contradictions, active):
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "登记中此人已死亡，未导入")
            continue
        plan = RowPlan(RowStatus.UNCHANGED)
        _period_plan(
            plan,
            periods,
            person_id=person.id,
            household_id=None,
            region_code=person.region_code,
            category=d["category"],
            start=d["start_date"],
            end=end,
            reason=f"民政名单：{note}",
            batch_note=f"民政名单终止：{note}",
        )
        plan.status = _status(plan)
        out.rows[row.line] = plan
    return out


MONITORING_UNKNOWN = "登记中无此人：新人员须在登记系统中建档（本版本不自动新建），见比对表"


def plan_monitoring(rows: list[RowIn], state: State, *, note: str) -> Plan:
    periods = _Periods(state.periods)
    out = Plan(rows={})
    household_done: set[int] = set()
    ordered = sorted(rows, key=lambda r: (r.data.get("relation") != "head", r.line))
    for row in ordered:
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, MONITORING_UNKNOWN)
            continue
        if _contradictions(row, person, state, out.contradictions, active=False):
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "")
            continue
        first = person.household_id not in household_done
        household_done.add(person.household_id)
        out.rows[row.line] = monitoring_row_plan(row.data, person, periods, first, note,
                                                 line=row.line,
                                                 contradictions=out.contradictions)
    out.contradictions.sort(key=lambda c: c["line"])  # by line, as the column-wise plan
    return out


def monitoring_row_plan(
    d: dict, person: PersonState, periods: _Periods, first: bool, note: str, *,
    line: int = 0, contradictions: list[dict] | None = None,
) -> RowPlan:
    """One linked row of a monitoring list: the person's fields, and for the household's
    first row (heads first) its periods. The reference of `compare_frame`, which calls it
    for the rows its columns do not decide (decision 74)."""
    plan = RowPlan(RowStatus.UNCHANGED)
    _person_fields(plan, person, d, line, contradictions if contradictions is not None else [])
    if first:
        _household_plan(plan, periods, person, d, note)
    plan.status = _status(plan)
    return plan


#: the person fields a monitoring list updates, with their labels (decision 82)
MONITORING_FIELDS = (("phone", "联系电话"), ("work_ability", "劳动能力"),
                     ("health_status", "健康状况"), ("relation", "与户主关系"))


def _shown(name: str, value: str) -> str:
    choices = {"work_ability": WorkAbility, "health_status": HealthStatus,
               "relation": Relation}.get(name)
    if choices is None or value not in choices.values:
        return value or "无"
    return str(choices(value).label)


def _person_fields(plan: RowPlan, person: PersonState, d: dict, line: int,
                   contradictions: list[dict]) -> None:
    """The person's fields the row changes. A relation is changed between members only: who
    heads the household changes through the registry's head-change procedure (its reason and
    every member's relation to the new head), never from a list: a row that disagrees about
    the head is a contradiction shown, not applied (decision 82)."""
    for name, label in MONITORING_FIELDS:
        value = d.get(name)
        before = getattr(person, name)
        if not value or value == before:
            continue
        if name == "relation" and Relation.HEAD in (value, before):
            contradictions.append({
                "line": line, "person_id": person.id, "what": "户主不一致",
                "text": f"名单中与户主关系为“{_shown(name, value)}”，登记中为"
                        f"“{_shown(name, before)}”：变更户主须在登记系统中办理“变更户主”"})
            continue
        plan.person_update[name] = value
        plan.changes.append({"field": label, "before": _shown(name, before),
                             "after": _shown(name, value)})


def _household_plan(
    plan: RowPlan, periods: _Periods, person: PersonState, d: dict, note: str
) -> None:
    region = person.region_code
    if d.get("household_type") == "lifted_out" and d.get("exit_year"):
        year = d["exit_year"]
        _period_plan(
            plan,
            periods,
            person_id=None,
            household_id=person.household_id,
            region_code=region,
            category=Category.LIFTED_OUT.value,
            start=dt.date(year, 1, 1),
            end=None,
            exit_year=year,
            reason=f"监测名单：{note}",
            batch_note=note,
        )
    kind = d.get("monitored_type")
    start = d.get("identified_month")
    if kind and start:
        end = (
            _month_end(d["cleared_month"])
            if d.get("risk_cleared") and d.get("cleared_month")
            else None
        )
        _period_plan(
            plan,
            periods,
            person_id=None,
            household_id=person.household_id,
            region_code=region,
            category=kind,
            start=start,
            end=end,
            end_way=d.get("clear_way") or "",
            reason=f"监测名单：{note}",
            batch_note=f"风险消除（监测名单）：{note}",
        )


PLANNERS = {"civil_affairs": plan_civil_affairs, "monitoring": plan_monitoring}
#: the categories each kind's list speaks for (its registry persons missing from the list)
KIND_CATEGORIES = {
    "civil_affairs": (
        Category.EXTREME_POOR.value,
        Category.MINIMUM_LIVING.value,
        Category.NEAR_MINIMUM_LIVING.value,
    ),
    "monitoring": (
        Category.UNSTABLE_LIFTED.value,
        Category.MARGINAL.value,
        Category.SUDDEN_HARDSHIP.value,
    ),
}
