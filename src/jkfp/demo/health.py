"""Health data of the demo population (issue 9), vectorised with NumPy; nothing touches the DB.

What is generated (demo assumptions, not statistics), all on or before the demo date:
- family-doctor teams (1+1+X): one to four per township, each serving a run of its villages,
  with a township doctor, a nurse or public-health worker, a specialist of the county hospital
  and the village doctor of each village served (names from the Faker pools). The demo account
  `village_yc` is the village doctor of its village, `township_yc` the township doctor of every
  team of 花马池镇, so that their worklists have patients;
- chronic registrations (慢病登记) of the four diseases under priority management: hypertension
  and type 2 diabetes of residents 35+ with a prevalence growing with age (a little higher in
  poor and low-income households), tuberculosis (a six-to-eight-month course, then ended as
  cured) and severe mental disorders (risk level 0-5); one registration per person and disease,
  ended on the day of death;
- yearly contracts (签约) in the previous and the current year: most of the persons who should
  sign (registered poor / lifted out / monitored / 低保 / 特困 on the year's reference day) sign,
  a minority not — the 应签尽签 list has people —, as do most chronic patients and some old
  people; a contract is with the team serving the person's village, renews last year's, and
  ends on the day of death; a few services delivered (health checks, medication guidance);
- follow-up visits (随访) of each registration in both years while the patient has a contract,
  by the village or township doctor of that team: quarterly for hypertension, diabetes and
  severe mental disorders (some patients are seen less often, some visits are late, some
  patients stop being seen — overdue), monthly over a tuberculosis course with its doses; blood
  pressure or fasting glucose with some patients not controlled, classification consistent
  with the reading (under 140/90, or 150/90 from 65; glucose under 7.0);
- 两癌 screening campaigns of women 35-64 in 盐池县 in both years, with results; suspected and
  positive results are referred, confirmed or ruled out, a confirmed cancer of a person who may
  open a case becomes a special-treatment case (the declared step `open_case`); a few results
  still wait for their first step;
- special-treatment cases (大病专项救治) of persons who hold a category making them eligible on
  the day found: found through a hospital stay (the stay and the person's later stays during the
  case carry its ICD-10 code in `diagnosis_icd10`), through screening, a village doctor's report
  or a department's list; each moves along the transition table of `health/rules.py` (found →
  opened → in treatment → treated → closed as cured / died / moved / not eligible) as far as
  its dates allow, with one step row per transition.

Disease codes and ICD-10 codes are those of the catalogs (`catalogs/`, `health/catalog.py`): each
registration's and case's code is the one the catalog in force matches for its ICD-10 code in the
person's region on the day diagnosed / found (tested); the generic diagnoses given to other stays
match no special-treatment disease.

The generators live beside this module: `health_data` (the assumptions and shared helpers),
`health_teams` (teams, chronic registrations), `health_contracts` (contracts, follow-ups) and
`health_cases` (screening, special-treatment cases). They draw from one generator in the order
`generate_health` calls them, so the same seed gives the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.health.models import SpecialCase

from .categories import Categories
from .health_cases import _cases, _CaseSeeds, _screening
from .health_contracts import _contracts, _followups
from .health_data import ELIGIBLE_CASE, SHOULD_SIGN, _Eligibility, _Ids
from .health_teams import _registrations, _teams
from .pools import Pools
from .population import Population
from .requests import Actor
from .stays import _hospital_names
from .tables import Table, day


@dataclass
class Health:
    tables: list[Table]                   # in load order
    stay_diagnosis: list[str] | None      # diagnosis_icd10 of each stay, or None (no stays)




def generate_health(*, rng: np.random.Generator, pop: Population, cats: Categories,
                    pools: Pools, stays: Table | None, as_of: dt.date, actors: dict[str, Actor],
                    first_ids: dict[type, int]) -> Health:
    """Every health row of the demo (module docstring); ids from `first_ids`."""
    if "admin" not in actors or not len(pop.p_ids):
        return Health([], None)
    today = day(as_of)
    years = (as_of.year - 1, as_of.year)
    ids = _Ids(dict(first_ids))
    counties, _ = _hospital_names(pop)
    should = _Eligibility(cats, pop, SHOULD_SIGN)
    eligible = should if ELIGIBLE_CASE == SHOULD_SIGN else _Eligibility(cats, pop, ELIGIBLE_CASE)
    teams = _teams(rng, pop, pools, ids, actors)
    poor = should.on(today)
    regs = _registrations(rng, pop, poor, today, ids, actors, counties)
    con = _contracts(rng, pop, should, regs, years, today, ids, teams, actors)
    followups = _followups(rng, pop, regs, con, years, today, ids, teams, actors)
    seeds = _CaseSeeds([], [], [], [], [], [])
    screening = _screening(rng, pop, years, today, ids, actors, eligible, counties, seeds,
                           ids.first[SpecialCase])
    cases, diagnosis = _cases(rng, pop, stays, today, ids, actors, eligible, counties, seeds,
                              regs)
    tables = [*teams.tables, regs.table, con.table, followups]
    if con.deliveries is not None:
        tables.append(con.deliveries)
    tables += cases + screening
    return Health(tables, diagnosis)
