"""The state a list's plan is compared with (split from `selectors` by concept; read through it):
the persons in the user's scope among those a list names, the periods of the kind's categories
of them and their households, the ID address codes of each county, the enrolments and the
platform settlement records held of them. Every read goes through the registry's scoped
selectors or `accounts.access.scoped` (DESIGN.md rule 3)."""

from __future__ import annotations

import io
from collections import defaultdict

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.bulkwrite import in_ids
from jkfp.regions.models import RegionCodeAlias
from jkfp.registry.selectors import category_period_scope, person_scope
from jkfp.settlement.models import ExternalSettlement, HospitalStay

from .compare import KIND_CATEGORIES, PeriodState, PersonState, State
from .compare_frame import PERIOD_SCHEMA, PERSON_SCHEMA, FrameState, PersonsFrame
from .enrolment import EnrolmentState
from .models import Enrolment
from .settlements import SettlementState, content_key

#: the person columns a plan compares (`PersonState`, `PERSON_SCHEMA`), in their order
PERSON_COLUMNS = (
    "pk", "name", "id_number", "alive", "region_code", "household_id", "phone", "work_ability",
    "health_status", "relation",
)

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
    persons = {
        row[0]: PersonState(*row)
        for row in _rows_of(person_scope(user=user), "pk", person_ids, *PERSON_COLUMNS, at=0)
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
    state = State(persons=persons, periods=periods, county_codes=county_codes(counties))
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


def query_frame(qs, schema: dict) -> pl.DataFrame:
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
    qs = person_scope(user=user)
    if ids.len() <= IN_LIST_MAX:
        qs = qs.filter(pk__in=ids.to_list())
    persons = query_frame(qs.values_list(*PERSON_COLUMNS), PERSON_SCHEMA)
    persons = persons.filter(pl.col("id").is_in(ids.implode()))
    cats = [*KIND_CATEGORIES.get(kind, ()), "lifted_out"]
    households = persons["household_id"].unique()
    periods = category_period_scope(user=user).filter(
        category__in=cats, person__isnull=True, household__isnull=False
    )
    if households.len() <= IN_LIST_MAX:
        periods = periods.filter(household_id__in=households.to_list())
    period_cols = ("pk", "household_id", "category", "start_date", "end_date")
    periods = query_frame(
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
