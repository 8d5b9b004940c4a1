"""Hospital stays of the demo population and their one-stop statements (结算单).

Which persons are admitted, when and where (demo assumptions, not statistics):
- person-years in which a regime of `policies/` is in force: 盐池 2019-2025, 长治 2019-2020;
  only while the person is born and alive, and before the demo date;
- the chance of being admitted in a year grows with age (2.5 % of school children, about 20 %
  of people over 80) and with the categories held that year: ×1.2 for 建档立卡/脱贫, ×1.6 for
  monitored, 低保, 低保边缘, 特困 and 返贫致贫 people, ×3 for 因病致贫重病患者; those admitted
  have 1-3 stays in the year (more often 2-3 for the vulnerable and the seriously ill);
- 70 % of stays in the county (the township health centre or the county hospital), the rest in
  the city, the province or outside it (mostly referred); lengths of stay and total costs are
  log-normal by hospital grade, the in-policy part 80-95 % of the total (less in higher grades);
- a person's stays never overlap.
Hospital names are generic forms built from the division names — “{county}人民医院”,
“{county}{township}卫生院”, “{city}中医医院”, “{province}人民医院” — generated, not taken from
a list of real institutions.

Each stay costs about 0.4 ms (its explained settlement, 0.25 ms, and writing its 5 KB of JSON):
a million persons would have 250,000 stays and take 100 s more. Above `MAX_STAYS` expected
stays, every admission chance is scaled down by the same factor, so that the shares (by region,
category, hospital level) stay representative but the admission rate of a run of more than
about 40,000 persons is lower than the one above (the command says so). `--no-stays` skips them.

Each stay is settled as `jkfp.settlement.services.stay_settle` would settle it on its admission
date: under each category the person (or their household) holds that day, the lowest self-pay
wins (`settle_best`); a person's stays in admission order, the year's accumulators carried; the
statement row is built by the same `statement_values`. Stays and statements are registered by
the demo village or township user of the person's region, else by `admin`; with no `admin`
account (`--no-accounts`) no stays are generated. Both are dated on the discharge day, when a
one-stop statement is settled.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jkfp.categories import MONITORED, Category
from jkfp.policy.regimes import PolicySet
from jkfp.policy.schema import CATEGORY_INDEX, LOCATION_INDEX
from jkfp.policy.stay_input import Stay
from jkfp.settlement.models import HospitalStay, Statement
from jkfp.settlement.services import settle_best, statement_values

from .categories import Categories
from .population import Population
from .regions import CHANGZHI, YANCHI, _read_csv
from .requests import Actor
from .tables import NONE, Table, day, iso, local_dts, to_date

# Years in which stays are generated, by region (regimes in force: policies/).
YEARS = {YANCHI: (2019, 2025), CHANGZHI: (2019, 2020)}
FIRST_YEAR, LAST_YEAR = 2019, 2025
MAX_STAYS = 10_000      # expected stays above which admission chances are scaled down
# chance of at least one stay in a year, by age band (upper bounds exclusive)
AGE_BANDS = np.array([5, 15, 45, 60, 70, 80])
AGE_P = np.array([0.06, 0.025, 0.04, 0.07, 0.12, 0.17, 0.22])
POOR = frozenset({Category.REGISTERED_POOR, Category.LIFTED_OUT})
VULNERABLE = frozenset(MONITORED | {Category.MINIMUM_LIVING, Category.NEAR_MINIMUM_LIVING,
                                    Category.EXTREME_POOR, Category.RETURNED_TO_POVERTY})
FACTOR = {**dict.fromkeys(POOR, 1.2), **dict.fromkeys(VULNERABLE, 1.6),
          Category.ILLNESS_IMPOVERISHED: 3.0}
# stays in a year of those admitted (1, 2, 3), by the highest factor held
COUNT_P = {1.0: [0.80, 0.16, 0.04], 1.2: [0.80, 0.16, 0.04], 1.6: [0.70, 0.22, 0.08],
           3.0: [0.45, 0.35, 0.20]}
P_MAX = 0.85


@dataclass(frozen=True)
class Place:
    """Where the stays of a region's people take place, with their probabilities."""
    key: str           # township | county | county_tcm | city | city_tcm | province | capital | outside
    location: str      # Location value
    grade: int | None  # None: the township centre's own grade
    p: float


PLACES = {
    YANCHI: [Place("township", "county", None, 0.22), Place("county", "county", 2, 0.38),
             Place("county_tcm", "county", 2, 0.12), Place("city", "city", 3, 0.07),
             Place("city_tcm", "city", 2, 0.03), Place("province", "province", 3, 0.07),
             Place("capital", "province", 3, 0.05), Place("outside", "outside", 3, 0.06)],
    CHANGZHI: [Place("township", "county", None, 0.20), Place("county", "county", 2, 0.38),
               Place("county_tcm", "county", 2, 0.10), Place("city", "city", 3, 0.12),
               Place("city_tcm", "city", 2, 0.05), Place("province", "province", 3, 0.06),
               Place("capital", "province", 3, 0.04), Place("outside", "outside", 3, 0.05)],
}
# Generic institutions outside the county: city, province and its capital, outside the province.
CITY = {YANCHI: "吴忠市", CHANGZHI: "长治市"}
PROVINCE = {YANCHI: ("宁夏回族自治区", "银川市"), CHANGZHI: ("山西省", "太原市")}
OUTSIDE = {YANCHI: ("陕西省", "甘肃省", "内蒙古自治区"), CHANGZHI: ("河南省", "河北省", "北京市")}
# length of stay (days) and total cost (yuan): log-normal medians and sigmas, by grade
LOS = {0: (5, 0.35), 1: (6, 0.35), 2: (8, 0.4), 3: (10, 0.45)}
COST = {0: (2_000, 0.55), 1: (2_600, 0.55), 2: (6_500, 0.7), 3: (16_000, 0.85)}
IN_POLICY = {0: (0.90, 0.95), 1: (0.90, 0.95), 2: (0.86, 0.94), 3: (0.80, 0.90)}
OUTSIDE_COST, ILL_COST = 1.3, 1.8


@dataclass
class Stays:
    stays: Table
    statements: Table
    expected: float     # stays expected before scaling down
    scale: float        # factor applied to the admission chances (1.0: none)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _empty() -> Stays:
    return Stays(Table(HospitalStay), Table(Statement), 0.0, 1.0)


def _creator(actors: dict[str, Actor], region: str) -> int:
    """The demo village or township user of the region, else admin."""
    for name in ("village_yc", "township_yc"):
        a = actors.get(name)
        if a and region.startswith(a.region_code):
            return a.id
    return actors["admin"].id


class _Periods:
    """The category periods of each person, their own and their household's, as arrays."""

    def __init__(self, cats: Categories, pop: Population):
        c = cats.periods.cols
        if not c["category"]:
            z = np.zeros(0, dtype=np.int64)
            self.person, self.start, self.end, self.factor = z, z, z, np.ones(0)
            self.category: list[str] = []
            return
        person = np.concatenate(c["person"])
        household = np.concatenate(c["household"])
        start, end = np.concatenate(c["start"]), np.concatenate(c["end"])
        codes = sorted(set(c["category"]))
        code_idx = {x: i for i, x in enumerate(codes)}
        cat = np.array([code_idx[x] for x in c["category"]], dtype=np.int64)
        # a household period is held by each member (persons are stored household by household)
        rows_h = np.flatnonzero(person < 0)
        first = np.searchsorted(pop.p_household, np.arange(len(pop.h_ids)))
        size = pop.h_size[household[rows_h]]
        rep = np.repeat(rows_h, size)
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(size) - size, size)
        rows_p = np.flatnonzero(person >= 0)
        rows = np.r_[rows_p, rep]
        self.person = np.r_[person[rows_p], first[household[rep]] + offset]
        self.start, self.end = start[rows], end[rows]
        self.codes = codes
        self.cat = cat[rows]
        self.factor = np.array([FACTOR.get(Category(x), 1.0) for x in codes])[self.cat]
        self._by_person: dict[int, list[tuple[str, int, int]]] = {}

    def factors(self, n: int, years: np.ndarray) -> np.ndarray:
        """The highest admission factor held during each year (years × persons)."""
        out = np.ones((len(years), n))
        strong = self.factor > 1
        for j, y in enumerate(years.tolist()):
            lo, hi = day(dt.date(y, 1, 1)), day(dt.date(y, 12, 31))
            m = strong & (self.start <= hi) & ((self.end == NONE) | (self.end >= lo))
            np.maximum.at(out[j], self.person[m], self.factor[m])
        return out

    def index(self, persons: np.ndarray, n: int) -> None:
        """Prepare `held` for these persons (of n)."""
        mark = np.zeros(n, dtype=bool)
        mark[persons] = True
        m = mark[self.person]
        by: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        for p, c, s, e in zip(self.person[m].tolist(), self.cat[m].tolist(),
                              self.start[m].tolist(), self.end[m].tolist(), strict=True):
            by[p].append((self.codes[c], s, e))
        self._by_person = by

    def held(self, p: int, on: int) -> list[str]:
        """As `jkfp.settlement.services.categories_on`: sorted codes, or ['general']."""
        out = {c for c, s, e in self._by_person.get(p, ()) if s <= on and (e == NONE or e >= on)}
        return sorted(out) or [Category.GENERAL.value]


def _hospital_names(pop: Population) -> tuple[dict[str, str], dict[str, str]]:
    """County and township names by code (townships of the demo villages)."""
    counties = {r["code"]: r["name"] for r in _read_csv("divisions.csv") if r["level"] == "county"}
    townships = {v.code[:9]: v.township_name for v in pop.villages}
    return counties, townships


def generate_stays(*, rng: np.random.Generator, pop: Population, cats: Categories,
                   as_of: dt.date, actors: dict[str, Actor], policies: PolicySet,
                   first_stay_id: int, first_statement_id: int,
                   progress: Callable[[int], Callable[[int], None] | None] | None = None,
                   ) -> Stays:
    """The stays and their statements; see the module docstring.

    `progress(number_of_stays)` is called before the settlement and may return a callback
    `(stays_settled)` for a progress bar.
    """
    if "admin" not in actors:
        return _empty()
    n = len(pop.p_ids)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    region = pop.h_region
    yanchi = pop.h_yanchi[pop.p_household]
    today = day(as_of)
    alive_end = np.where(pop.p_death == NONE, today - 7, pop.p_death)  # admitted before then
    birth_year = (pop.p_birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
                  + 1970)
    periods = _Periods(cats, pop)
    factor = periods.factors(n, years)                       # years × persons
    keys = sorted(COUNT_P)
    fkey = np.searchsorted(keys, factor).astype(np.int8)     # the factors are exactly the keys
    mean_count = np.array([np.dot([1, 2, 3], COUNT_P[f]) for f in keys])

    def window(j: int, persons: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """First and last admission day in year j: born, alive, regime in force."""
        y = int(years[j])
        lo = np.maximum(day(dt.date(y, 1, 1)), pop.p_birth[persons] + 1)
        hi = np.minimum(day(dt.date(y, 12, 31)), alive_end[persons])
        yc = yanchi[persons]
        in_force = np.where(yc, YEARS[YANCHI][0] <= y <= YEARS[YANCHI][1],
                            YEARS[CHANGZHI][0] <= y <= YEARS[CHANGZHI][1])
        return lo, np.where(in_force, hi, lo - 1)

    # the chance of a first stay in each person-year, prorated to the days of the window
    p = np.zeros((len(years), n))
    for j in range(len(years)):
        lo, hi = window(j, slice(None))
        age = int(years[j]) - birth_year
        pj = AGE_P[np.searchsorted(AGE_BANDS, age, side="right")] * factor[j]
        p[j] = np.minimum(pj, P_MAX) * np.maximum(hi - lo + 1, 0) / 365.0
    expected = float((p * mean_count[fkey]).sum())
    scale = min(1.0, MAX_STAYS / expected) if expected else 1.0
    admitted = rng.random(p.shape) < p * scale
    del p
    yi, pi = np.nonzero(admitted)
    u = rng.random(len(pi))
    counts = np.ones(len(pi), dtype=np.int64)
    for i, f in enumerate(keys):
        m = fkey[yi, pi] == i
        counts[m] = 1 + np.minimum(np.searchsorted(np.cumsum(COUNT_P[f]), u[m], side="right"), 2)
    sp = np.repeat(pi, counts)
    sy = np.repeat(yi, counts)
    ill = np.repeat(fkey[yi, pi] == keys.index(FACTOR[Category.ILLNESS_IMPOVERISHED]), counts)
    k = len(sp)
    adm = np.empty(k, dtype=np.int64)
    for j in range(len(years)):
        m = sy == j
        lo, hi = window(j, sp[m])
        adm[m] = lo + np.floor(rng.random(int(m.sum())) * (hi - lo + 1)).astype(np.int64)

    # where: a place by region, its grade, the institution's name
    yc = yanchi[sp]
    place = np.empty(k, dtype=np.int64)
    u = rng.random(k)
    for key, m in ((YANCHI, yc), (CHANGZHI, ~yc)):
        cp = np.cumsum([pl.p for pl in PLACES[key]])
        place[m] = np.minimum(np.searchsorted(cp / cp[-1], u[m], side="right"),
                              len(cp) - 1)
    codes = [region[h] for h in pop.p_household[sp].tolist()]
    counties, townships = _hospital_names(pop)
    outside_pick = rng.integers(0, 3, size=k).tolist()
    names, grades, locations = [], [], []
    for i, (pl_i, code, yc_i) in enumerate(zip(place.tolist(), codes, yc.tolist(), strict=True)):
        key = YANCHI if yc_i else CHANGZHI
        pl = PLACES[key][pl_i]
        county = counties[code[:6]]
        if pl.key == "township":
            town = townships[code[:9]]
            grade = 0 if int(code[:9]) % 4 == 0 else 1  # a centre's grade is its own
            suffix = "社区卫生服务中心" if town.endswith("街道") else "卫生院"
            name = f"{county}{town}{suffix}"
        else:
            grade = pl.grade
            province, capital = PROVINCE[key]
            name = {"county": f"{county}人民医院", "county_tcm": f"{county}中医医院",
                    "city": f"{CITY[key]}人民医院", "city_tcm": f"{CITY[key]}中医医院",
                    "province": f"{province}人民医院", "capital": f"{capital}第一人民医院",
                    "outside": f"{OUTSIDE[key][outside_pick[i]]}人民医院"}[pl.key]
        names.append(name)
        grades.append(grade)
        locations.append(pl.location)
    grade = np.asarray(grades, dtype=np.int64)
    outside = np.asarray([loc == "outside" for loc in locations])
    referred = (np.asarray([loc != "county" for loc in locations])
                & (rng.random(k) < 0.8))

    # how long and how much
    los_m = np.array([LOS[g][0] for g in range(4)])[grade]
    los_s = np.array([LOS[g][1] for g in range(4)])[grade]
    los = np.clip(np.rint(los_m * np.exp(rng.normal(0, 1, k) * los_s)), 1, 60).astype(np.int64)
    cost_m = np.array([COST[g][0] for g in range(4)])[grade].astype(float)
    cost_s = np.array([COST[g][1] for g in range(4)])[grade]
    cost_m = cost_m * np.where(outside, OUTSIDE_COST, 1.0) * np.where(ill, ILL_COST, 1.0)
    total = np.clip(cost_m * np.exp(rng.normal(0, 1, k) * cost_s), 300, 600_000)
    total_fen = np.rint(total * 100).astype(np.int64)
    ip_lo = np.array([IN_POLICY[g][0] for g in range(4)])[grade]
    ip_hi = np.array([IN_POLICY[g][1] for g in range(4)])[grade]
    ratio = ip_lo + rng.random(k) * (ip_hi - ip_lo)
    in_policy_fen = np.floor(total_fen * ratio).astype(np.int64)

    # in admission order per person; a stay starts after the previous one ended
    order = np.lexsort((adm, sp))
    sp, adm, los = sp[order], adm[order], los[order]
    same = np.r_[False, sp[1:] == sp[:-1]]
    for _ in range(3 * len(years) + 1):
        dis = adm + los
        prev_dis = np.r_[NONE, dis[:-1]]
        later = same & (adm <= prev_dis)
        if not later.any():
            break
        adm = np.where(later, prev_dis + 1, adm)
    dis = adm + los
    end = np.minimum(np.where(yanchi[sp], day(dt.date(YEARS[YANCHI][1], 12, 31)),
                              day(dt.date(YEARS[CHANGZHI][1], 12, 31))), alive_end[sp])
    # (a stay pushed past the last day is dropped: only the last stays of a person can be)
    keep = adm <= end
    dead = pop.p_death[sp] != NONE
    dis = np.where(dead, np.minimum(dis, pop.p_death[sp]), np.minimum(dis, today - 1))
    sel = order[keep]
    sp, adm, dis = sp[keep], adm[keep], dis[keep]
    k = len(sp)
    names = [names[i] for i in sel.tolist()]
    grade, referred = grade[sel], referred[sel]
    locations = [locations[i] for i in sel.tolist()]
    total_fen, in_policy_fen = total_fen[sel], in_policy_fen[sel]

    # settle, in order, with the year's accumulators carried
    stay_ids = list(range(first_stay_id, first_stay_id + k))
    p_ids = pop.p_ids[sp].tolist()
    regions = [region[h] for h in pop.p_household[sp].tolist()]
    periods.index(sp, n)
    creators = [_creator(actors, r) for r in regions]
    tick = progress(k) if progress else None
    cols: dict[str, list] = defaultdict(list)
    applied: list[str] = []
    acc, last_person = None, -1
    step = 250
    for i, (pidx, a, d) in enumerate(zip(sp.tolist(), adm.tolist(), dis.tolist(),
                                         strict=True)):
        if pidx != last_person:
            acc, last_person = None, pidx
        held = periods.held(pidx, a)
        adm_d, dis_d = to_date(a), to_date(d)
        args = (str(p_ids[i]), regions[i][:6])
        rest = (int(grade[i]), LOCATION_INDEX[locations[i]], bool(referred[i]), adm_d, dis_d,
                int(total_fen[i]), int(in_policy_fen[i]))
        category, st = settle_best(
            ((c, Stay("", *args, CATEGORY_INDEX[c], *rest)) for c in held),
            policies=policies, accumulators=acc)
        acc = st.accumulators_after
        applied.append(category)
        v = statement_values(st, stay_id=stay_ids[i], held=held, category=category)
        for name in ("year", "policy", "reimbursed_fen", "self_pay_fen", "deposit_waived",
                     "uses_examples"):
            cols[name].append(v[name])
        for name in ("tier_amounts", "fund_amounts", "accumulators_after", "detail"):
            cols[name].append(_json(v[name]))
        if tick and (i + 1) % step == 0:
            tick(step)
    if tick and k % step:
        tick(k % step)

    at = local_dts(dis, hour=15)
    stays = Table(HospitalStay, {
        "id": stay_ids,
        "person_id": p_ids,
        "region_code": regions,
        "county_code": [r[:6] for r in regions],
        "hospital_name": names,
        "hospital_grade": grade.tolist(),
        "location": locations,
        "referred": referred.tolist(),
        "admission_date": iso(adm),
        "discharge_date": iso(dis),
        "total_fen": total_fen.tolist(),
        "in_policy_fen": in_policy_fen.tolist(),
        "category": applied,
        "diagnosis_icd10": [""] * len(stay_ids),
        "created_by_id": creators,
        "created_at": at,
    })
    statements = Table(Statement, {
        "id": list(range(first_statement_id, first_statement_id + k)),
        "stay_id": stay_ids,
        "person_id": p_ids,
        "region_code": regions,
        **cols,
        "created_by_id": creators,
        "created_at": at,
    }) if k else Table(Statement)
    return Stays(stays if k else Table(HospitalStay), statements, expected, scale)
