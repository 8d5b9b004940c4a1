"""Reads of the change history (django-simple-history) for the record pages.

Each entry says who changed what and when, with every field's value before → after. ID and
phone numbers stay masked in the history too (DESIGN.md rule 11). Each reader takes the user
and answers 404 for a record outside the user's region, like every selector.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category
from jkfp.policy.money import fmt_amount

from . import idnumber
from .models import CategoryPeriod, Household, HouseholdIncome, Person, SupportMeasure

SKIP = {"id", "version", "created_at", "updated_at", "id_rev", "created_by"}
ACTION_LABELS = {"+": "新增", "~": "修改", "-": "删除"}
LIMIT = 300


@dataclass
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    user: str
    action: str          # "+", "~", "-"
    action_label: str
    subject: str
    changes: list[FieldChange] = field(default_factory=list)
    summary: str = ""


def _show(model_field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    name = model_field.name
    if name == "id_number":
        return idnumber.mask(value)
    if name == "phone":
        return idnumber.mask_phone(value)
    if name == "birth_date":
        return idnumber.birth_shown(value)
    if name.endswith("_fen"):
        return fmt_amount(value)  # exact, never through a float
    if name == "category":
        try:
            return LABELS[Category(value)]
        except ValueError:
            return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if model_field.is_relation:
        return names.get((model_field.name, value), f"#{value}")
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _user_name(rec) -> str:
    u = rec.history_user
    if u is None:
        return "系统"  # shown through the translation catalogue (web.labels)
    return u.full_name or u.username


def _entries(model, records, subject, summary, names: dict) -> list[HistoryEntry]:
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIP]
    last: dict[int, object] = {}
    out: list[HistoryEntry] = []
    for rec in records:
        before = last.get(rec.id)
        last[rec.id] = rec
        changes: list[FieldChange] = []
        text = ""
        if rec.history_type == "~" and before is not None:
            for f in fields:
                old, new = getattr(before, f.attname), getattr(rec, f.attname)
                if old != new:
                    label = str(f.verbose_name).replace("（分）", "（元）")  # shown in yuan
                    changes.append(FieldChange(label, _show(f, old, names),
                                               _show(f, new, names)))
            if not changes:
                continue
        else:
            text = summary(rec)
        if rec.history_change_reason:  # why: a household change, a correction
            text = f"{text}（{rec.history_change_reason}）" if text else rec.history_change_reason
        out.append(HistoryEntry(at=rec.history_date, user=_user_name(rec),
                                action=rec.history_type,
                                action_label=ACTION_LABELS.get(rec.history_type, ""),
                                subject=subject(rec), changes=changes, summary=text))
    return out


def _ordered(qs):
    return qs.select_related("history_user").order_by("history_date", "history_id")


def _names(households, persons) -> dict:
    names = {}
    for h in households:
        names[("household", h.pk)] = h.household_number
    for p in persons:
        names[("head", p.pk)] = p.name
        names[("person", p.pk)] = p.name
    return names


def _period_subject(persons: dict):
    def subject(rec) -> str:
        try:
            label = LABELS[Category(rec.category)]
        except ValueError:
            label = rec.category
        who = persons.get(rec.person_id)
        return f"类别 {label}" + (f"（{who}）" if who else "（本户）")
    return subject


def _period_summary(rec) -> str:
    text = f"{rec.start_date} 至 {rec.end_date or '今'}"
    if rec.reason:
        text += f"，理由：{rec.reason}"
    return text


def _person_summary(rec) -> str:
    return f"{rec.name}，{idnumber.mask(rec.id_number)}"


def _require_visible(user: User, model, obj) -> None:
    if not scoped(model.objects.filter(pk=obj.pk), user).exists():
        raise Http404("无此记录或不在您的管辖区域内")


def _person_rows(household: Household) -> list:
    """The history rows of the persons while they were members of the household, and the row
    that moved each one out (a move, a split, a merge: its reason says where to)."""
    ids = set(Person.history.filter(household_id=household.pk).values_list("id", flat=True))
    rows, was_in = [], {}
    for rec in _ordered(Person.history.filter(id__in=ids)):
        now_in = rec.household_id == household.pk
        if now_in or was_in.get(rec.id):
            rows.append(rec)
        was_in[rec.id] = now_in
    return rows


def household_history(*, user: User, household: Household) -> list[HistoryEntry]:
    """Changes of the household, its members, categories, incomes and support measures."""
    _require_visible(user, Household, household)
    members = list(Person.objects.filter(household=household).only("id", "name"))
    member_ids = [p.pk for p in members]
    persons = {p.pk: p.name for p in members}
    names = _names([household], members)
    village = household.village
    names[("village", village.pk)] = village.name
    entries = _entries(
        Household, _ordered(Household.history.filter(id=household.pk)),
        lambda r: "家庭户", lambda r: f"户编号 {r.household_number}，住址 {r.address or '—'}", names)
    person_rows = _person_rows(household)
    for number_pk, number in Household.objects.filter(
            pk__in={r.household_id for r in person_rows}).values_list("pk", "household_number"):
        names.setdefault(("household", number_pk), number)
    entries += _entries(Person, person_rows, lambda r: f"成员 {r.name}", _person_summary, names)
    entries += _entries(
        CategoryPeriod,
        _ordered(CategoryPeriod.history.filter(Q(household_id=household.pk)
                                               | Q(person_id__in=member_ids))),
        _period_subject(persons), _period_summary, names)
    entries += _entries(
        HouseholdIncome, _ordered(HouseholdIncome.history.filter(household_id=household.pk)),
        lambda r: f"{r.year}年收入",
        lambda r: f"家庭纯收入 {fmt_amount(r.total_fen)} 元，{r.members} 人", names)
    entries += _entries(
        SupportMeasure, _ordered(SupportMeasure.history.filter(household_id=household.pk)),
        lambda r: "帮扶措施",
        lambda r: f"{SupportMeasure.Kind(r.kind).label}：{r.description}（{r.start_date}起）",
        names)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:LIMIT]


def person_history(*, user: User, person: Person) -> list[HistoryEntry]:
    """Changes of the person and of the person's own category periods."""
    _require_visible(user, Person, person)
    names = _names([person.household], [person])
    persons = {person.pk: person.name}
    entries = _entries(Person, _ordered(Person.history.filter(id=person.pk)),
                       lambda r: "人员", _person_summary, names)
    entries += _entries(CategoryPeriod,
                        _ordered(CategoryPeriod.history.filter(person_id=person.pk)),
                        _period_subject(persons), _period_summary, names)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:LIMIT]
