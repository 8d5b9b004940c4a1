"""Set-based writes of the registry for imports of the owning departments' lists (issue 10).

The import of a department's list is one of the procedures that open and end categories
(decision 28). Its writes are many rows at once, so they are not the one-row services of
`periods.py` called in a loop but their set-based form: one lock of the subjects, one check of
overlaps against what is stored, one `bulk_create`/`bulk_update` with history (the acting user
named), one upsert of the summaries' differences and the `period_changed` events after commit.
The caller (the exchange app) runs them inside its own transaction, with its provenance rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jkfp import bulkwrite
from jkfp.accounts.access import code_in_scope, require_writer
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish_many
from jkfp.summaries.services import summary_add, summary_deltas, summary_snapshot

from .models import CategoryPeriod, Person

#: rows per UPDATE of a bulk update: Django's bulk_update writes one CASE WHEN per field with a
#: branch per row, so an UPDATE of n rows costs n² comparisons; 500 keeps 100,000 rows linear
#: (decision 54c; unbatched, 40,000 ended periods were one statement of 1.6·10⁹ comparisons)

#: the person fields an import may change
PERSON_FIELDS = ("phone", "work_ability", "health_status", "relation")


@dataclass(frozen=True)
class PeriodOpen:
    category: str
    start_date: dt.date
    region_code: str
    person_id: int | None = None
    household_id: int | None = None
    end_date: dt.date | None = None
    end_reason: str = ""
    end_way: str = ""
    exit_year: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class PeriodEndChange:
    """Set a period's end (a date to end it, None to reopen it as it was before)."""

    period_id: int
    end_date: dt.date | None
    end_reason: str = ""
    end_way: str = ""


def _require_scope(user: User, codes) -> None:
    bad = sorted({c for c in codes if not code_in_scope(user, c)})
    if bad:
        raise DomainError(
            ErrorCode.REGION_OUT_OF_SCOPE,
            f"区划“{'、'.join(bad[:5])}”不在您的管辖区域内",
            field="region_code",
        )


def _overlap_check(opens: list[PeriodOpen]) -> None:
    """Refuse an opened period that overlaps a stored one (or another opened one)."""
    by_subject = defaultdict(list)
    for o in opens:
        by_subject[(o.person_id, o.household_id, o.category)].append((o.start_date, o.end_date))
    persons = {o.person_id for o in opens if o.person_id}
    households = {o.household_id for o in opens if o.household_id}
    stored = CategoryPeriod.objects.filter(category__in={o.category for o in opens})
    rows = (
        list(
            stored.filter(person_id__in=bulkwrite.in_ids(persons)).values_list(
                "person_id", "household_id", "category", "start_date", "end_date"
            )
        )
        if persons
        else []
    )
    if households:
        rows += list(
            stored.filter(household_id__in=bulkwrite.in_ids(households)).values_list(
                "person_id", "household_id", "category", "start_date", "end_date"
            )
        )
    for p, h, c, s, e in rows:
        if (p, h, c) in by_subject:
            by_subject[(p, h, c)].append((s, e))
    errors = []
    for (_p, _h, c), spans in by_subject.items():
        spans.sort(key=lambda x: x[0])
        for (s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            if e1 is None or e1 >= s2:
                errors.append(
                    DomainError(
                        ErrorCode.CATEGORY_OVERLAP,
                        f"“{LABELS[Category(c)]}”期间与已有期间（{s1} 至 {e1 or '今'}）重叠",
                        field="start_date",
                    )
                )
                break
    if errors:
        raise ValidationErrors(errors)


def category_periods_import(
    *,
    user: User,
    opens: list[PeriodOpen],
    end_changes: list[PeriodEndChange],
    source: str,
    reason: str = "",
) -> tuple[list[CategoryPeriod], list[dict]]:
    """Open `opens` and set the ends of `end_changes`, set-based, in one transaction.

    Returns the periods created and, per changed period, its values before
    (`{"id", "end_date", "end_reason", "end_way"}`)."""
    require_writer(user)
    with transaction.atomic():
        subjects = {o.person_id for o in opens if o.person_id}
        if subjects:
            list(Person.objects.select_for_update().filter(pk__in=bulkwrite.in_ids(subjects))
                 .values_list("pk"))
        changed = list(
            CategoryPeriod.objects.select_for_update().filter(
                pk__in=bulkwrite.in_ids([c.period_id for c in end_changes])
            )
        )
        _require_scope(user, [o.region_code for o in opens] + [p.region_code for p in changed])
        _overlap_check(opens)
        by_id = {c.period_id: c for c in end_changes}
        befores, pairs = [], []
        for p in changed:
            c = by_id[p.pk]
            if c.end_date is not None and c.end_date < p.start_date:
                raise DomainError(
                    ErrorCode.CATEGORY_DATES, "终止日期不能早于起始日期", field="end_date"
                )
            was = summary_snapshot(p)
            befores.append(
                {
                    "id": p.pk,
                    "end_date": p.end_date and p.end_date.isoformat(),
                    "end_reason": p.end_reason,
                    "end_way": p.end_way,
                }
            )
            p.end_date, p.end_reason, p.end_way = c.end_date, c.end_reason, c.end_way
            pairs.append((was, summary_snapshot(p)))
        if changed:
            bulkwrite.update(CategoryPeriod, changed, ["end_date", "end_reason", "end_way"])
            bulkwrite.history(
                CategoryPeriod, [p.pk for p in changed], kind="~", user=user,
                reason=reason or source,
            )
        new = [
            CategoryPeriod(
                category=o.category,
                person_id=o.person_id,
                household_id=o.household_id,
                region_code=o.region_code,
                start_date=o.start_date,
                end_date=o.end_date,
                end_reason=o.end_reason,
                end_way=o.end_way,
                exit_year=o.exit_year,
                source=source,
                reason=o.reason,
                created_by=user,
            )
            for o in opens
        ]
        bulkwrite.history(
            CategoryPeriod, bulkwrite.insert(CategoryPeriod, new), kind="+", user=user,
            reason=reason or source,
        )
        created = new
        pairs += [({}, summary_snapshot(p)) for p in created]
        summary_add(summary_deltas(pairs))
        publish_many(
            Event.PERIOD_CHANGED,
            [
                {"period_id": p.pk, "region_code": p.region_code, "category": p.category}
                for p in [*changed, *created]
            ],
        )
    return created, befores


def persons_update_imported(
    *, user: User, updates: dict[int, dict], reason: str = ""
) -> list[dict]:
    """Set the fields of `updates` (person id → {field: value}, fields of PERSON_FIELDS) in
    one bulk update with history, bumping each person's version; returns the values before."""
    require_writer(user)
    bad = {f for d in updates.values() for f in d if f not in PERSON_FIELDS}
    if bad:
        raise DomainError(ErrorCode.INVALID, f"导入不能修改字段 {'、'.join(sorted(bad))}")
    with transaction.atomic():
        persons = list(
            Person.objects.select_for_update().filter(pk__in=bulkwrite.in_ids(list(updates)))
        )
        _require_scope(user, [p.region_code for p in persons])
        befores, pairs, fields = [], [], set()
        for p in persons:
            data = {k: v for k, v in updates[p.pk].items() if getattr(p, k) != v}
            if not data:
                continue
            was = summary_snapshot(p)
            befores.append({"id": p.pk, **{k: getattr(p, k) for k in data}})
            for k, v in data.items():
                setattr(p, k, v)
            p.version += 1
            p.updated_at = timezone.now()
            fields |= set(data)
            pairs.append((was, summary_snapshot(p)))
        ids = {b["id"] for b in befores}
        touched = [p for p in persons if p.pk in ids]
        if touched:
            bulkwrite.update(Person, touched, [*sorted(fields), "version", "updated_at"])
            bulkwrite.history(Person, [p.pk for p in touched], kind="~", user=user, reason=reason)
            summary_add(summary_deltas(pairs))
            publish_many(
                Event.PERSON_CHANGED,
                [
                    {"person_id": p.pk, "household_id": p.household_id, "region_code": p.region_code}
                    for p in touched
                ],
            )
    return befores
