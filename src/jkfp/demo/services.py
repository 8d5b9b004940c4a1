"""The demo-data generator: deterministic regions, accounts and population of 长治 and 盐池.

`demo_generate` is pure: the same persons, seed, demo date, first ids and actors give the same
tables, value for value. `demo_data_load` generates and writes everything in one transaction.

No simple_history rows are written for the bulk demo load: the history of a demo record starts
with its first real change (writing 1.5 million historical rows would double the load time and
tell nothing — every demo row would show one identical "created" entry).

Hospital stays and their explained statements (`stays.py`) are settled by the policy engine
during generation, with the policies of `settings.JKFP_POLICIES_DIR` unless others are given.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from jkfp.admission.models import ChangeRequest, ChangeRequestStep
from jkfp.exchange.models import Batch
from jkfp.indicators.services import indicators_rebuild
from jkfp.monitoring.services import push_found, warnings_scan
from jkfp.policy.regimes import PolicySet
from jkfp.regions.models import Region
from jkfp.regions.services import region_load_rows
from jkfp.registry.models import CategoryPeriod, Household, HouseholdIncome, Person, SupportMeasure
from jkfp.settlement.models import ExternalSettlement, HospitalStay, Statement
from jkfp.settlement.services import policy_set
from jkfp.summaries.services import summary_rebuild

from .accounts import FIRST_VILLAGE_HUAMACHI, AccountRow, demo_accounts_ensure, demo_users
from .categories import generate_categories
from .enrolment import ENROLMENT_MODELS, generate_enrolment
from .facilities import generate_facilities
from .health import generate_health
from .health_data import HEALTH_MODELS
from .load import next_ids, write_tables
from .platform import PLATFORM_MODELS, generate_platform_records
from .pools import draw_pools
from .population import generate_population
from .regions import DemoRegions, generate_regions
from .requests import Actor, generate_requests
from .stays import generate_stays
from .tables import Table

# The demo's "today": ages, categories and requests are computed for this day, so that the
# same seed gives the same rows on any day (a machine whose clock is earlier uses its today).
DEMO_AS_OF = dt.date(2026, 11, 1)
MODELS = (Household, Person, CategoryPeriod, SupportMeasure, HouseholdIncome, ChangeRequest,
          ChangeRequestStep, HospitalStay, Statement, *HEALTH_MODELS, *ENROLMENT_MODELS,
          *PLATFORM_MODELS)


class DemoDataExists(Exception):
    """Persons exist already and --if-empty was not given."""


@dataclass
class DemoData:
    regions: DemoRegions
    tables: list[Table]           # in load order
    stays_expected: float = 0.0   # stays the admission chances give, before scaling down
    stays_scale: float = 1.0      # the factor applied to them (see stays.MAX_STAYS)
    seconds_settle: float = 0.0   # of the generation: settling the stays
    seconds_health: float = 0.0   # of the generation: the health data (health.py)
    platform_batches: int = 0     # batches of the platform's settlement records (platform.py)

    def table(self, model: type) -> Table:
        return next(t for t in self.tables if t.model is model)


@dataclass
class DemoResult:
    as_of: dt.date
    skipped: bool = False
    regions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds_setup: float = 0.0      # regions and accounts
    seconds_generate: float = 0.0
    seconds_settle: float = 0.0     # of seconds_generate: the statements of the stays
    seconds_health: float = 0.0     # of seconds_generate: the health data
    stays_scale: float = 1.0        # admission chances scaled down for a big run (stays.py)
    seconds_load: float = 0.0       # writing, indexes, constraints, commit
    accounts: list[AccountRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # of the load, by phase
    existing_persons: int = 0
    platform_batches: int = 0       # of counts["batch"]: the platform's settlement records'

    @property
    def persons(self) -> int:
        return self.counts.get("person", 0)


def default_as_of() -> dt.date:
    return min(DEMO_AS_OF, timezone.localdate())


def _rngs(seed: int) -> list[np.random.Generator]:
    # spawn(n) begins with the children of spawn(n - 1): a new stream leaves the others as they were
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]


def demo_regions(*, seed: int) -> DemoRegions:
    r_regions = _rngs(seed)[0]
    return generate_regions(pools=draw_pools(seed), rng=r_regions)


def demo_generate(*, persons: int, seed: int, as_of: dt.date, first_ids: dict[type, int],
                  actors: dict[str, Actor], stays: bool = True, health: bool = True,
                  policies: PolicySet | None = None,
                  settle_progress: Callable[[int], Callable[[int], None] | None] | None = None,
                  ) -> DemoData:
    """Every demo row, ids assigned from `first_ids`; nothing is read from or written to the DB.

    With `stays`, hospital stays and their statements too, settled under `policies` (default:
    the loaded policy folder); `settle_progress(stays)` may return a callback `(settled)`.
    With `health`, the health data of `health.py` (teams, contracts, chronic registrations and
    follow-ups, special-treatment cases, screenings; the diagnoses of some stays).
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    r_regions, r_pop, r_cat, r_req, r_stay, r_health, r_enrol, r_platform = _rngs(seed)
    pools = draw_pools(seed)
    regions = generate_regions(pools=pools, rng=r_regions)
    pop = generate_population(rng=r_pop, pools=pools, villages=regions.villages, persons=persons,
                              as_of=as_of, first_household_id=first_ids[Household],
                              first_person_id=first_ids[Person])
    cats = generate_categories(rng=r_cat, pop=pop, as_of=as_of,
                               first_measure_id=first_ids[SupportMeasure],
                               first_income_id=first_ids[HouseholdIncome])
    reqs = generate_requests(rng=r_req, pop=pop, cats=cats, as_of=as_of, actors=actors,
                             first_period_id=first_ids[CategoryPeriod],
                             first_id=first_ids[ChangeRequest],
                             first_step_id=first_ids[ChangeRequestStep])
    periods = cats.periods.table(first_ids[CategoryPeriod], created_by=reqs.period_creator,
                                 change_request=reqs.period_request)
    t = time.perf_counter()
    st = generate_stays(rng=r_stay, pop=pop, cats=cats, as_of=as_of,
                        actors=actors if stays else {},
                        policies=(policies or policy_set()) if stays else None,
                        first_stay_id=first_ids[HospitalStay],
                        first_statement_id=first_ids[Statement], progress=settle_progress)
    seconds_settle = time.perf_counter() - t
    t = time.perf_counter()
    health_tables = []
    if health:
        hd = generate_health(rng=r_health, pop=pop, cats=cats, pools=pools,
                             stays=st.stays if len(st.stays) else None, as_of=as_of,
                             actors=actors, first_ids=first_ids)
        health_tables = hd.tables
        if hd.stay_diagnosis is not None:
            st.stays.columns["diagnosis_icd10"] = hd.stay_diagnosis
    enrolment = generate_enrolment(rng=r_enrol, pop=pop, as_of=as_of, actors=actors,
                                   first_ids=first_ids)
    platform = generate_platform_records(
        rng=r_platform, stays=st.stays, statements=st.statements, as_of=as_of, actors=actors,
        first_batch_id=first_ids[Batch] + (len(enrolment[0]) if enrolment else 0),
        first_record_id=first_ids[ExternalSettlement]) if enrolment else None
    if platform is not None:  # the platform's batches go with the enrolment lists' (one table)
        batches, records = platform
        for name, values in batches.items():
            enrolment[0].columns[name] += values
        enrolment.append(records)
    return DemoData(regions=regions, tables=[
        pop.households, pop.persons, periods, cats.measures, cats.incomes, reqs.requests,
        reqs.steps, st.stays, st.statements, *health_tables, *enrolment], stays_expected=st.expected,
        stays_scale=st.scale, seconds_settle=seconds_settle,
        platform_batches=len(platform[0]["id"]) if platform is not None else 0,
        seconds_health=time.perf_counter() - t)


def _actors(users) -> dict[str, Actor]:
    return {name: Actor(u.pk, u.region_code) for name, u in users.items()}


def demo_data_load(*, persons: int, seed: int, as_of: dt.date | None = None,
                   if_empty: bool = False, accounts: bool = True, stays: bool = True,
                   health: bool = True,
                   progress: Callable[[int], Callable[[int, str], None]] | None = None,
                   settle_progress: Callable[[int], Callable[[int], None] | None] | None = None,
                   ) -> DemoResult:
    """Generate and write the demo in one transaction; see the module docstring.

    `progress(total_rows)` is called once the rows are generated and returns a callback
    `(rows_written, table)` for a progress bar; `settle_progress(stays)` likewise before the
    stays are settled, with a callback `(stays_settled)`. `stays=False` generates none,
    `health=False` no health data.
    """
    as_of = as_of or default_as_of()
    result = DemoResult(as_of=as_of)
    with transaction.atomic():
        existing = Person.objects.count()
        result.existing_persons = existing
        if existing and not if_empty:
            raise DemoDataExists(existing)
        if existing:
            result.skipped = True
            if not Region.objects.filter(code=FIRST_VILLAGE_HUAMACHI).exists():
                result.regions = region_load_rows(rows=demo_regions(seed=seed).rows,
                                                  generated=True)
            if accounts:
                result.accounts = demo_accounts_ensure()
            return result
        t0 = time.perf_counter()
        regions = demo_regions(seed=seed)
        result.regions = region_load_rows(rows=regions.rows, generated=True)
        if accounts:
            result.accounts = demo_accounts_ensure()
        actors = _actors(demo_users())
        first_ids = next_ids(MODELS)
        t1 = time.perf_counter()
        data = demo_generate(persons=persons, seed=seed, as_of=as_of, first_ids=first_ids,
                             actors=actors, stays=stays, health=health,
                             settle_progress=settle_progress)
        t2 = time.perf_counter()
        callback = progress(sum(len(t) for t in data.tables)) if progress else None
        result.timings = write_tables(data.tables, progress=callback)
        t3 = time.perf_counter()
        # the summaries (decision 25) from the loaded tables, in the same transaction
        summary_rebuild()
        result.timings["summaries"] = time.perf_counter() - t3
        if health:
            t3 = time.perf_counter()
            users = demo_users()
            generate_facilities(seed=seed, as_of=as_of, users=users)
            result.timings["facilities"] = time.perf_counter() - t3
            # the warnings of a full scan on the as-of day, pushed to the townships and
            # departments, then the dashboards' figures of the demo's last two years: without
            # them the demo's worklists and a leader's first page were empty (no worker runs
            # the schedules in `make demo`)
            t3 = time.perf_counter()
            if accounts:
                admin = users["admin"]
                warnings_scan(user=admin, region_code="", on_date=as_of)
                push_found(user_or_none=admin, region_code="", on_date=as_of)
                result.timings["warnings"] = time.perf_counter() - t3
            t3 = time.perf_counter()
            indicators_rebuild(years=[as_of.year - 1, as_of.year], today=as_of)
            result.timings["indicators"] = time.perf_counter() - t3
        t3 = time.perf_counter()
        result.seconds_setup = t1 - t0
        result.seconds_generate = t2 - t1
        result.seconds_settle = data.seconds_settle
        result.seconds_health = data.seconds_health
        result.stays_scale = data.stays_scale
        result.counts = {t.model._meta.model_name: len(t) for t in data.tables}
        result.platform_batches = data.platform_batches
    result.seconds_load = time.perf_counter() - t2  # with the commit
    result.timings["commit"] = time.perf_counter() - t3
    return result
