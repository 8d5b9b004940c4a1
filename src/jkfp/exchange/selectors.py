"""Reads of the exchange app, every one scoped to the user (DESIGN.md rule 3): the batches and
their rows, the registry persons a list is linked against, the state a plan compares with,
the villages a monitoring list names."""

from __future__ import annotations

from collections import defaultdict

import polars as pl
from django.db.models import Q, QuerySet
from django.http import Http404

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.bulkwrite import in_ids
from jkfp.regions.models import Region
from jkfp.registry.selectors import category_period_scope, person_scope

from .compare import KIND_CATEGORIES
from .kinds import header_key
from .models import Batch, BatchRow, BatchState, RowStatus

# the state a plan compares with (`plan_state.py`), read by the app through this module
from .plan_state import (  # noqa: F401
    county_codes,
    enrolment_state,
    plan_state,
    plan_state_frame,
    query_frame,
    settlement_state,
)


def batch_list(*, user: User) -> QuerySet[Batch]:
    return scoped(Batch.objects.select_related("created_by"), user)


def batch_get(*, user: User, pk: int) -> Batch:
    try:
        return batch_list(user=user).get(pk=pk)
    except Batch.DoesNotExist:
        raise Http404("无此导入批次或不在您的管辖区域内") from None


def batch_rows(*, user: User, batch: Batch, status: str | None = None) -> QuerySet[BatchRow]:
    batch_get(user=user, pk=batch.pk)
    qs = batch.rows.select_related("person").order_by("line")
    return qs.filter(status=status) if status else qs


def can_apply(*, user: User, batch: Batch) -> bool:
    """Whether an apply would do anything: a checked (or failed) batch, or an applied one with
    rows decided after its apply or still waiting for a person's decision."""
    if batch.state in (BatchState.CHECKED, BatchState.FAILED):
        return True
    if batch.state != BatchState.APPLIED:
        return False
    return batch_rows(user=user, batch=batch).filter(
        Q(status=RowStatus.DOUBTFUL)
        | Q(applied=False, status__in=(RowStatus.CREATED, RowStatus.UPDATED, RowStatus.ENDED))
    ).exists()


def review_queue(*, user: User, batch: Batch) -> QuerySet[BatchRow]:
    """The doubtful rows waiting for a person, and those already decided (who and when)."""
    return (
        batch_rows(user=user, batch=batch)
        .filter(link_status__in=("doubtful", "conflict"))
        .select_related("decided_by")
    )


REGISTRY_SCHEMA = {
    "person_id": pl.Int64,
    "id_number": pl.String,
    "name": pl.String,
    "birth_date": pl.Date,
    "sex": pl.String,
    "region_code": pl.String,
}


def registry_frame(*, user: User) -> pl.DataFrame:
    """The persons of the user's scope, as linkage.link reads them. On PostgreSQL the scoped
    query's rows come by one `COPY ... TO STDOUT` read column-wise by Polars (a million
    persons: about a second, against several building a tuple per person; decision 54b)."""
    qs = person_scope(user=user).values_list(
        "pk", "id_number", "name", "birth_date", "sex", "region_code"
    )
    return query_frame(qs, REGISTRY_SCHEMA)


def candidate_persons(*, user: User, ids: list[int]) -> dict[int, dict]:
    """What the review queue shows of candidates: name, birth date, village and household
    number. No digits of the ID number: beside the birth date, a masked number (address code
    and last 4) would leave a single possible ID (DESIGN.md rule 12)."""
    out = {}
    rows = (
        person_scope(user=user)
        .filter(pk__in=ids)
        .values_list("pk", "name", "birth_date", "region_code", "household__household_number")
    )
    names = dict(Region.objects.filter(code__in={r[3] for r in rows}).values_list("code", "name"))
    for pk, name, birth, region, number in rows:
        out[pk] = {
            "id": pk,
            "name": name,
            "birth_date": birth,
            "region_code": region,
            "village": names.get(region, region),
            "household_number": number,
        }
    return out


def missing_from_list(
    *,
    user: User,
    kind: str,
    listed: set[tuple[int, str]],
    listed_households: set[int] = frozenset(),
) -> list[dict]:
    """Registry persons (or households) in scope holding an open period of the kind's
    categories whose pair is not in the list."""
    cats = KIND_CATEGORIES.get(kind, ())
    out = []
    qs = category_period_scope(user=user).filter(category__in=cats, end_date__isnull=True)
    for pid, hid, cat, start, name, hname in qs.values_list(
        "person_id",
        "household_id",
        "category",
        "start_date",
        "person__name",
        "household__household_number",
    ).order_by("region_code", "id")[:100000]:
        if pid is not None and (pid, cat) in listed:
            continue
        if hid is not None and hid in listed_households:
            continue
        out.append(
            {
                "person_id": pid,
                "household_id": hid,
                "category": cat,
                "start_date": start.isoformat(),
                "name": name or hname or "",
            }
        )
    return out


def village_resolver(*, user: User):
    """A function answering, for distinct (county, township, village) names of a list, the
    village code in the user's scope, or why not (`import_village`); a row naming a county
    outside the scope answers that county's code, so that it is reported as another county's
    row and not applied."""
    regions = list(
        scoped(Region.objects.all(), user, field="code").values_list("code", "name", "level")
    )
    by_code = {c: (n, lv) for c, n, lv in regions}
    townships: dict[str, list[str]] = defaultdict(list)
    villages: dict[tuple[str, str], str] = {}
    for code, name, level in regions:
        if level == "township":
            townships[header_key(name)].append(code)
        elif level == "village":
            villages[(code[:9], header_key(name))] = code

    # counties outside the scope by name (region names are not personal data): a row of
    # another county is reported and not applied, not an error that stops the apply
    in_scope = {header_key(n) for c, (n, lv) in by_code.items() if lv == "county"}
    elsewhere = {
        header_key(n): c
        for c, n in Region.objects.filter(level="county").values_list("code", "name")
        if header_key(n) not in in_scope
    }

    def resolve(frame: pl.DataFrame) -> pl.DataFrame:
        codes, why = [], []
        for county, township, village in frame.select("county", "township", "village").rows():
            if county and header_key(county) in elsewhere:
                codes.append(elsewhere[header_key(county)])  # outside the scope: ignored
                why.append(None)
                continue
            found = [
                t
                for t in townships.get(header_key(township), [])
                if not county
                or header_key(by_code.get(t[:6], ("",))[0]) in (header_key(county), "")
            ]
            if not found:
                codes.append(None)
                why.append(f"乡（镇）“{township}”不在您的管辖区域内或名称不符")
                continue
            code = next(
                (
                    villages.get((t, header_key(village)))
                    for t in found
                    if villages.get((t, header_key(village)))
                ),
                None,
            )
            codes.append(code)
            why.append(None if code else f"行政村“{village}”不在“{township}”中")
        return frame.with_columns(
            pl.Series("_village", codes, dtype=pl.String),
            pl.Series("_village_error", why, dtype=pl.String),
        )

    return resolve


def missing_people(*, user: User, person_ids: set[int], household_ids: set[int]) -> dict:
    """For the comparison's 登记中有而名单中无: per person and per household (its head) the
    name, ID number, household number, village name and region, within the user's scope."""
    cols = ("pk", "name", "id_number", "household_id", "household__household_number",
            "household__village__name", "region_code")

    def shown(row) -> dict:
        pk, name, idn, hid, number, village, region = row
        return {"person_id": pk, "name": name, "id_number": idn, "household_number": number,
                "village": village, "region_code": region}

    persons = {r[0]: shown(r) for r in person_scope(user=user).filter(
        pk__in=in_ids(sorted(person_ids))).values_list(*cols)} if person_ids else {}
    households = {r[3]: shown(r) for r in person_scope(user=user).filter(
        household_id__in=in_ids(sorted(household_ids)), relation="head").values_list(*cols)
    } if household_ids else {}
    return {"persons": persons, "households": households}


def person_scope_households(*, user: User, ids: list[int]) -> set[int]:
    return set(person_scope(user=user).filter(pk__in=ids).values_list("household_id", flat=True))


def period_starts(*, user: User, ids) -> dict[int, object]:
    return dict(
        category_period_scope(user=user).filter(pk__in=list(ids)).values_list("pk", "start_date")
    )
