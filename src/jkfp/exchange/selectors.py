"""Reads of the exchange app, every one scoped to the user (DESIGN.md rule 3): the batches and
their rows, the registry persons a list is linked against, the state a plan compares with,
the villages a monitoring list names."""

from __future__ import annotations

import io
from collections import defaultdict

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.bulkwrite import in_ids
from jkfp.regions.models import Region, RegionCodeAlias
from jkfp.registry.selectors import category_period_scope, person_scope
from jkfp.settlement.models import ExternalSettlement, HospitalStay

from .compare import KIND_CATEGORIES, PeriodState, PersonState, State
from .compare_frame import PERIOD_SCHEMA, PERSON_SCHEMA, FrameState, PersonsFrame
from .enrolment import EnrolmentState
from .kinds import header_key
from .models import Batch, BatchRow, BatchState, Enrolment, RowStatus
from .settlements import SettlementState, content_key


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
    return _frame(qs, REGISTRY_SCHEMA)


def _frame(qs, schema: dict) -> pl.DataFrame:
    """A `values_list` query as a frame of `schema` (its columns in order); on PostgreSQL by
    one COPY read by Polars."""
    if connection.vendor == "postgresql":
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:  # e.g. `pk__in=[]`
            return pl.DataFrame(schema=schema)
        out = io.BytesIO()
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                for block in copy:
                    out.write(block)
        if not out.tell():
            return pl.DataFrame(schema=schema)
        out.seek(0)
        frame = pl.read_csv(
            out, has_header=False, schema={c: (pl.String if t == pl.Boolean else t)
                                           for c, t in schema.items()}
        )
        # COPY writes booleans as t / f
        return frame.with_columns(
            (pl.col(c) == "t").alias(c) for c, t in schema.items() if t == pl.Boolean
        )
    return pl.DataFrame(list(qs), orient="row", schema=schema)


def plan_state_frame(*, user: User, kind: str, person_ids: pl.Series) -> FrameState:
    """`plan_state` of a monitoring list as frames (decision 74): the persons in scope among
    `person_ids`, the household periods of the kind's categories (and 脱贫户) of their
    households, the ID address codes of each county."""
    ids = person_ids.drop_nulls().unique()
    person_cols = (
        "pk", "name", "id_number", "alive", "region_code", "household_id", "phone", "work_ability",
        "health_status", "relation",
    )
    qs = person_scope(user=user)
    if ids.len() <= IN_LIST_MAX:
        qs = qs.filter(pk__in=ids.to_list())
    persons = _frame(qs.values_list(*person_cols), PERSON_SCHEMA)
    persons = persons.filter(pl.col("id").is_in(ids.implode()))
    cats = [*KIND_CATEGORIES.get(kind, ()), "lifted_out"]
    households = persons["household_id"].unique()
    periods = category_period_scope(user=user).filter(
        category__in=cats, person__isnull=True, household__isnull=False
    )
    if households.len() <= IN_LIST_MAX:
        periods = periods.filter(household_id__in=households.to_list())
    period_cols = ("pk", "household_id", "category", "start_date", "end_date")
    periods = _frame(
        periods.order_by("-start_date", "pk").values_list(*period_cols), PERIOD_SCHEMA
    )
    periods = periods.filter(pl.col("household_id").is_in(households.implode()))
    counties = persons["region_code"].str.slice(0, 6).unique().to_list()
    return FrameState(
        persons=PersonsFrame(persons), periods=periods, county_codes=county_codes(counties)
    )


def county_codes(counties) -> dict[str, set[str]]:
    """Each county's code and its old codes (the ID address codes it may be written with)."""
    codes: dict[str, set[str]] = defaultdict(set)
    for c in counties:
        codes[c].add(c)
    for code, current in RegionCodeAlias.objects.filter(current_id__in=counties).values_list(
        "code", "current_id"
    ):
        codes[current].add(code[:6])
    return dict(codes)


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


#: above this many ids a read takes the whole scope and keeps the ids in Python: one scan
#: instead of a statement with a parameter per id (decision 54b)
IN_LIST_MAX = 20_000
#: on PostgreSQL, up to this many ids go as one array parameter (`= ANY` by a join on the
#: index) instead of the scan of the whole scope: 100,000 of a million persons (decision 97)
IN_ARRAY_MAX = 300_000


def _rows_of(qs: QuerySet, field: str, ids, *columns: str, at: int) -> list[tuple]:
    """`qs.filter(<field>__in=ids).values_list(*columns)`, set-based for many ids: the row's
    column `at` is the one compared with `ids`."""
    ids = ids if isinstance(ids, set | frozenset) else set(ids)
    if len(ids) <= IN_LIST_MAX:
        return list(qs.filter(**{f"{field}__in": list(ids)}).values_list(*columns))
    if connection.vendor == "postgresql" and len(ids) <= IN_ARRAY_MAX:
        # one array parameter joined by the server: the rows of the ids only (decision 97)
        return list(qs.filter(**{f"{field}__in": in_ids(sorted(ids))}).values_list(*columns))
    return [r for r in qs.values_list(*columns).iterator(chunk_size=20_000) if r[at] in ids]


def plan_state(*, user: User, kind: str, person_ids: set[int]) -> State:
    """The persons, the periods of the kind's categories (of the persons and their
    households) and the ID address codes of each county, for `compare`."""
    person_cols = (
        "pk", "name", "id_number", "alive", "region_code", "household_id", "phone", "work_ability",
        "health_status", "relation",
    )
    persons = {
        row[0]: PersonState(*row)
        for row in _rows_of(person_scope(user=user), "pk", person_ids, *person_cols, at=0)
    }
    cats = list(KIND_CATEGORIES.get(kind, ()))
    if kind == "monitoring":
        cats.append("lifted_out")
    qs = category_period_scope(user=user).filter(category__in=cats)
    households = {p.household_id for p in persons.values()}
    period_cols = ("pk", "person_id", "household_id", "category", "start_date", "end_date")
    periods = [
        PeriodState(*r)
        for r in _rows_of(
            qs.filter(person__isnull=False), "person_id", set(persons), *period_cols, at=1
        )
    ]
    periods += [
        PeriodState(*r)
        for r in _rows_of(
            qs.filter(household__isnull=False), "household_id", households, *period_cols, at=2
        )
    ]
    counties = {p.region_code[:6] for p in persons.values()}
    codes: dict[str, set[str]] = defaultdict(set)
    for c in counties:
        codes[c].add(c)
    for code, current in RegionCodeAlias.objects.filter(current_id__in=counties).values_list(
        "code", "current_id"
    ):
        codes[current].add(code[:6])
    state = State(persons=persons, periods=periods, county_codes=dict(codes))
    if kind == "enrolment":
        state.enrolments = enrolment_state(user=user, person_ids=set(persons))
    if kind == "insurance_settlements":
        state.settlements = settlement_state(user=user, person_ids=set(persons))
    return state


def settlement_state(*, user: User, person_ids: set[int]) -> SettlementState:
    """The platform records held of these persons (not voided: numbers and content keys) and
    jkfp's own stays, for `settlements.plan_settlements`."""
    ids = list(person_ids)
    numbers, keys = {}, {}
    qs = scoped(ExternalSettlement.objects.filter(person_id__in=ids, voided_at__isnull=True), user)
    for pk, number, *key in qs.values_list(
        "pk", "record_number", "person_id", "visit_type", "institution_name",
        "admission_date", "discharge_date", "total_fen",
    ):
        if number:
            numbers[number] = pk
        keys[content_key(*key)] = pk
    stays = {}
    for pk, *key in scoped(HospitalStay.objects.filter(person_id__in=ids), user).values_list(
        "pk", "person_id", "admission_date", "discharge_date"
    ).order_by("-pk"):
        stays[tuple(key)] = pk
    return SettlementState(numbers=numbers, keys=keys, stays=stays)


def enrolment_state(*, user: User, person_ids: set[int]) -> dict:
    """The enrolments held of these persons, by (person, year), for `enrolment.plan_enrolment`."""
    rows = scoped(Enrolment.objects.filter(person_id__in=list(person_ids)), user).values_list(
        "pk", "person_id", "year", "status", "subsidy_category", "subsidy_fen", "void", "batch_id"
    )
    return {(r[1], r[2]): EnrolmentState(*r) for r in rows}


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
