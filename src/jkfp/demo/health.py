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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.categories import Category
from jkfp.contracts.models import (
    Contract,
    FollowUp,
    ServiceDelivery,
    Team,
    TeamMember,
    TeamVillage,
)
from jkfp.health.models import ChronicRegistration, SpecialCase, SpecialCaseStep
from jkfp.regions.codes import township_kind
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult

from .categories import Categories
from .pools import Pools
from .population import IMPORT_DAY, Population, _names
from .regions import CHANGZHI, YANCHI
from .requests import Actor
from .stays import CITY, PROVINCE, _creator, _hospital_names, _Periods
from .tables import NONE, Table, day, iso, local_dts, to_date, ymd

HEALTH_MODELS = (Team, TeamVillage, TeamMember, ChronicRegistration, Contract, FollowUp,
                 ServiceDelivery, SpecialCase, SpecialCaseStep, Campaign, ScreeningResult,
                 ResultStep)
# who should sign a contract (应签尽签) and who may open a special-treatment case
SHOULD_SIGN = frozenset({Category.REGISTERED_POOR, Category.LIFTED_OUT, Category.UNSTABLE_LIFTED,
                         Category.MARGINAL, Category.SUDDEN_HARDSHIP, Category.MINIMUM_LIVING,
                         Category.EXTREME_POOR})
ELIGIBLE_CASE = SHOULD_SIGN

# ---- chronic diseases under priority management
HT, DM, TB, SMD = range(4)
CHRONIC_CODES = ("hypertension", "diabetes_type2", "tuberculosis", "severe_mental_disorder")
CHRONIC_ICD10 = (("I10",), ("E11.9",), ("A15.0", "A16.2"), ("F20.0", "F31.2", "F25.0"))
CHRONIC_ICD10_P = ((1.0,), (1.0,), (0.7, 0.3), (0.7, 0.2, 0.1))
# registration chance by age band (35-44, 45-54, 55-64, 65-74, 75+); none under 35
AGE_EDGES = np.array([35, 45, 55, 65, 75])
HT_P = np.array([0.0, 0.075, 0.155, 0.265, 0.355, 0.42])
DM_P = np.array([0.0, 0.024, 0.054, 0.092, 0.12, 0.11])
TB_P, SMD_P = 0.002, 0.005          # of persons 15+
POOR_FACTOR = 1.15
CHRONIC_FROM = dt.date(2017, 1, 1)   # start of catalogs/national/chronic_priority.yaml
# ---- special-treatment diseases: code → (ICD-10, cure chance once treated)
DISEASE_CODES: dict[str, tuple[str, float]] = {
    "lung_cancer": ("C34.9", 0.25), "stomach_cancer": ("C16.9", 0.3),
    "oesophageal_cancer": ("C15.9", 0.25), "colon_cancer": ("C18.9", 0.35),
    "rectal_cancer": ("C20", 0.35), "liver_cancer": ("C22.0", 0.15),
    "breast_cancer": ("C50.9", 0.45), "cervical_cancer": ("C53.9", 0.5),
    "end_stage_renal_disease": ("N18.5", 0.0), "acute_myocardial_infarction": ("I21.9", 0.3),
    "stroke": ("I63.9", 0.2), "copd_emphysema": ("J43.9", 0.0), "cataract": ("H25.9", 0.95),
    "congenital_heart_disease_child": ("Q21.1", 0.85), "leukaemia_child": ("C91.0", 0.6),
}
CASE_GROUPS = {  # by age and sex at the day found: disease → weight
    "child": {"congenital_heart_disease_child": 0.6, "leukaemia_child": 0.4},
    "adult_m": {"lung_cancer": 0.18, "stomach_cancer": 0.12, "oesophageal_cancer": 0.08,
                "colon_cancer": 0.05, "rectal_cancer": 0.04, "liver_cancer": 0.08,
                "end_stage_renal_disease": 0.15, "acute_myocardial_infarction": 0.14,
                "stroke": 0.16},
    "adult_f": {"lung_cancer": 0.10, "stomach_cancer": 0.07, "breast_cancer": 0.17,
                "cervical_cancer": 0.17, "colon_cancer": 0.05, "liver_cancer": 0.04,
                "end_stage_renal_disease": 0.16, "acute_myocardial_infarction": 0.08,
                "stroke": 0.16},
    "old_m": {"lung_cancer": 0.16, "stomach_cancer": 0.1, "oesophageal_cancer": 0.08,
              "colon_cancer": 0.04, "liver_cancer": 0.05, "end_stage_renal_disease": 0.08,
              "acute_myocardial_infarction": 0.12, "stroke": 0.17, "copd_emphysema": 0.1,
              "cataract": 0.1},
    "old_f": {"lung_cancer": 0.08, "stomach_cancer": 0.06, "breast_cancer": 0.08,
              "cervical_cancer": 0.06, "colon_cancer": 0.04, "end_stage_renal_disease": 0.08,
              "acute_myocardial_infarction": 0.1, "stroke": 0.18, "copd_emphysema": 0.12,
              "cataract": 0.2},
}
PLANS = {
    "end_stage_renal_disease": "规律血液透析，每周2-3次，定期评估",
    "copd_emphysema": "规范吸入治疗，家庭氧疗，急性加重时住院",
    "cataract": "白内障超声乳化摘除联合人工晶体植入术",
    "stroke": "急性期溶栓或取栓，病情稳定后康复治疗",
    "acute_myocardial_infarction": "急诊经皮冠状动脉介入治疗，术后规范二级预防",
    "congenital_heart_disease_child": "先天性心脏病介入封堵或外科修补手术",
    "leukaemia_child": "按儿童白血病诊疗规范化疗",
}
CANCER_PLAN = "按临床路径手术治疗，术后辅助放化疗，定期复查"
# generic diagnoses of other stays (not in the special-treatment lists)
OTHER_DIAGNOSES = ("J18.9", "K80.2", "K35.8", "S72.0", "M17.9", "J45.9", "K29.7", "N20.0",
                   "I25.1", "J20.9")
CLOSE_WHY = {"cured": "治愈，销号", "died": "患者死亡，销号", "moved": "迁出本县，销号",
             "not_eligible": "复核不符合专项救治条件，销号"}
FINDING = {
    ("cervix", "negative"): "宫颈细胞学未见上皮内病变；乳腺检查未见异常",
    ("breast", "negative"): "乳腺超声BI-RADS 1-2类；宫颈细胞学未见异常",
    ("cervix", "suspected"): "宫颈细胞学ASC-US，HPV高危型阳性",
    ("breast", "suspected"): "乳腺超声BI-RADS 4A类",
    ("cervix", "positive"): "宫颈细胞学HSIL，阴道镜下活检可疑浸润",
    ("breast", "positive"): "乳腺超声BI-RADS 5类，钼靶可见恶性征象",
}
CANCER_OF = {"cervix": "cervical_cancer", "breast": "breast_cancer"}
NOTE_OF = {"health_check": "老年人年度健康体检", "medication_guidance": "慢病用药指导"}
K = 12  # follow-up visits generated per registration at most (22 months)


@dataclass
class Health:
    tables: list[Table]                   # in load order
    stay_diagnosis: list[str] | None      # diagnosis_icd10 of each stay, or None (no stays)


def _between(rng, lo, hi, size=None) -> np.ndarray:
    lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
    size = size if size is not None else np.broadcast(lo, hi).shape
    return (lo + np.floor(rng.random(size) * (np.maximum(hi - lo, 0) + 1))).astype(np.int64)


def _age_on(birth: np.ndarray, on: dt.date) -> np.ndarray:
    y, m, d = ymd(birth)
    return on.year - y - ((on.month * 100 + on.day) < (m * 100 + d))


def _age_at(birth: np.ndarray, days: np.ndarray) -> np.ndarray:
    by, bm, bd = ymd(birth)
    y, m, d = ymd(days)
    return y - by - ((m * 100 + d) < (bm * 100 + bd))


def _draw(rng, options: list, p, size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


class _Eligibility:
    """Which persons hold one of a set of categories on a day (their own or their household's)."""

    def __init__(self, cats: Categories, pop: Population, codes: frozenset):
        per = _Periods(cats, pop)
        self.n = len(pop.p_ids)
        if not len(per.person):
            self.person = self.start = self.end = np.zeros(0, dtype=np.int64)
        else:
            keep = np.isin(per.cat, [i for i, c in enumerate(per.codes) if c in codes])
            self.person, self.start, self.end = per.person[keep], per.start[keep], per.end[keep]
        order = np.argsort(self.person, kind="stable")
        self._p, self._s, self._e = self.person[order], self.start[order], self.end[order]

    def on(self, d: int) -> np.ndarray:
        m = (self.start <= d) & ((self.end == NONE) | (self.end >= d))
        out = np.zeros(self.n, dtype=bool)
        out[self.person[m]] = True
        return out

    def ever(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[self.person] = True
        return out

    def at(self, persons: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Each person on their own day (vectorised over the few periods of each person)."""
        persons, days = np.asarray(persons, dtype=np.int64), np.asarray(days, dtype=np.int64)
        out = np.zeros(len(persons), dtype=bool)
        if not len(self._p) or not len(persons):
            return out
        lo = np.searchsorted(self._p, persons, side="left")
        hi = np.searchsorted(self._p, persons, side="right")
        for j in range(int((hi - lo).max())):
            i = np.minimum(lo + j, len(self._p) - 1)
            out |= (lo + j < hi) & (self._s[i] <= days) & ((self._e[i] == NONE)
                                                            | (self._e[i] >= days))
        return out


class _Ids:
    def __init__(self, first: dict[type, int]):
        self.first = first

    def take(self, model: type, n: int) -> np.ndarray:
        start = self.first[model]
        self.first[model] = start + n
        return np.arange(start, start + n, dtype=np.int64)


def _county_creator(actors: dict[str, Actor], region: str) -> int:
    """The county health user of the region (county_yc, county_cz), else admin."""
    for name in ("county_yc", "county_cz"):
        a = actors.get(name)
        if a and region.startswith(a.region_code):
            return a.id
    return actors["admin"].id


def _creators(actors, regions: list[str], county: bool = False) -> np.ndarray:
    """The demo user who records the rows of each region (the regions' few codes at a time)."""
    f = _county_creator if county else _creator
    if not regions:
        return np.zeros(0, dtype=np.int64)
    uniq, inverse = np.unique(np.asarray(regions, dtype=object).astype(str), return_inverse=True)
    return np.array([f(actors, r) for r in uniq.tolist()], dtype=np.int64)[inverse]


@dataclass
class _Teams:
    tables: list[Table]
    v_team: np.ndarray       # team id by village index
    v_vdoc: np.ndarray       # village doctor member id by village index
    v_tdoc: np.ndarray       # township doctor member id by village index
    m_first: int             # first member id
    m_user: np.ndarray       # the linked account of each member, -1 if none


def _teams(rng, pop: Population, pools: Pools, ids: _Ids, actors: dict[str, Actor]) -> _Teams:
    villages = pop.villages
    counties, townships = _hospital_names(pop)
    by_township: dict[str, list[int]] = {}
    for i, v in enumerate(villages):
        by_township.setdefault(v.code[:9], []).append(i)
    t_rows, tv_rows, m_rows = [], [], []   # (team_idx, ...) tuples
    v_team_idx = np.zeros(len(villages), dtype=np.int64)
    v_vdoc_idx = np.zeros(len(villages), dtype=np.int64)
    v_tdoc_idx = np.zeros(len(villages), dtype=np.int64)
    township_user = actors.get("township_yc")
    village_user = actors.get("village_yc")
    for code in sorted(by_township):
        vs = by_township[code]
        n_teams = max(1, min(4, round(len(vs) / 5)))
        street = township_kind(code) == "街道"
        centre = townships[code] + ("社区卫生服务中心" if street else "卫生院")
        county = counties.get(code[:6], "")
        for k, chunk in enumerate(np.array_split(np.asarray(vs), n_teams)):
            t = len(t_rows)
            t_rows.append((f"{centre}家庭医生团队{k + 1}", code, centre))
            user = (township_user.id if township_user and code.startswith(
                township_user.region_code) and len(township_user.region_code) == 9 else None)
            v_tdoc_idx[chunk] = len(m_rows)
            m_rows.append((t, TeamMember.Role.TOWNSHIP_DOCTOR, centre, user))
            m_rows.append((t, TeamMember.Role.NURSE if rng.random() < 0.5
                           else TeamMember.Role.PUBLIC_HEALTH, centre, None))
            m_rows.append((t, TeamMember.Role.SPECIALIST, f"{county}人民医院", None))
            for vi in chunk.tolist():
                v = villages[vi]
                tv_rows.append((t, v.code))
                v_team_idx[vi] = t
                v_vdoc_idx[vi] = len(m_rows)
                user = village_user.id if village_user and v.code == village_user.region_code \
                    else None
                clinic = v.name + ("卫生服务站" if street else "卫生室")
                m_rows.append((t, TeamMember.Role.VILLAGE_DOCTOR, clinic, user))
    team_ids = ids.take(Team, len(t_rows))
    member_ids = ids.take(TeamMember, len(m_rows))
    tv_ids = ids.take(TeamVillage, len(tv_rows))
    regions = [r[1] for r in t_rows]
    created = local_dts(np.full(len(t_rows), day(IMPORT_DAY)))
    teams = Table(Team, {
        "id": team_ids.tolist(), "name": [r[0] for r in t_rows], "region_code": regions,
        "institution": [r[2] for r in t_rows], "active": [True] * len(t_rows),
        "version": [1] * len(t_rows),
        "created_by_id": _creators(actors, regions, county=True).tolist(),
        "created_at": created})
    tvs = Table(TeamVillage, {
        "id": tv_ids.tolist(), "team_id": team_ids[[r[0] for r in tv_rows]].tolist(),
        "village_code": [r[1] for r in tv_rows]})
    n_m = len(m_rows)
    male = rng.random(n_m) < np.where([r[1] == TeamMember.Role.NURSE for r in m_rows], 0.1, 0.6)
    surnames = np.array(pools.surnames, dtype=object)[rng.integers(len(pools.surnames), size=n_m)]
    names = _names(rng, pools, male, surnames)
    start = _between(rng, day(dt.date(2019, 1, 1)), day(IMPORT_DAY), n_m)
    members = Table(TeamMember, {
        "id": member_ids.tolist(), "team_id": team_ids[[r[0] for r in m_rows]].tolist(),
        "name": names, "role": [str(r[1]) for r in m_rows], "institution": [r[2] for r in m_rows],
        "user_id": [r[3] for r in m_rows], "start_date": iso(start),
        "end_date": [None] * n_m})
    m_user = np.array([-1 if r[3] is None else r[3] for r in m_rows], dtype=np.int64)
    return _Teams([teams, tvs, members], team_ids[v_team_idx], member_ids[v_vdoc_idx],
                  member_ids[v_tdoc_idx], int(member_ids[0]) if n_m else 0, m_user)


@dataclass
class _Registrations:
    table: Table
    person: np.ndarray
    disease: np.ndarray
    registered: np.ndarray
    ended: np.ndarray        # NONE when open
    treatment: np.ndarray    # TB: treatment start, else NONE
    risk: np.ndarray         # SMD: risk level, else -1
    ids: np.ndarray


def _registrations(rng, pop: Population, poor: np.ndarray, today: int, ids: _Ids,
                   actors, counties: dict[str, str]) -> _Registrations:
    age = pop.p_age
    band = np.searchsorted(AGE_EDGES, age, side="right")
    factor = np.where(poor, POOR_FACTOR, 1.0)
    adult15 = age >= 15
    p = np.stack([HT_P[band] * factor, DM_P[band] * factor,
                  np.where(adult15, TB_P, 0.0), np.where(adult15, SMD_P * factor, 0.0)])
    has = rng.random(p.shape) < p
    di, pi = np.nonzero(has)
    order = np.lexsort((di, pi))
    di, pi = di[order], pi[order]
    k = len(pi)
    birth, death = pop.p_birth[pi], pop.p_death[pi]
    hi = np.minimum(today - 30, np.where(death == NONE, today, death - 30))
    min_age = np.where(di <= DM, 35, 15)
    lo = birth + np.ceil(min_age * 365.25).astype(np.int64)
    # diagnosed since the catalog of chronic diseases under priority management is in force
    # (2017: chronic_register matches the diagnosis in the catalog of the day diagnosed)
    lo = np.where(di == TB, np.maximum(lo, day(IMPORT_DAY)), np.maximum(lo, day(CHRONIC_FROM)))
    keep = lo <= hi
    di, pi, lo, hi, death = di[keep], pi[keep], lo[keep], hi[keep], death[keep]
    k = len(pi)
    diag = lo + np.floor(rng.random(k) * (hi - lo + 1)).astype(np.int64)
    delay = np.select([di == TB, di == SMD], [_between(rng, 0, 3, k), _between(rng, 0, 180, k)],
                      default=_between(rng, 0, 90, k))
    registered = np.minimum(diag + delay, hi)
    treatment = np.where(di == TB, np.minimum(registered + _between(rng, 0, 3, k), hi), NONE)
    cured = treatment + _between(rng, 180, 240, k)
    ended = np.where((di == TB) & (cured <= today), cured, NONE)
    died = (death != NONE) & ((ended == NONE) | (death <= ended))
    ended = np.where(died, death, ended)
    end_reason = np.where(died, "died", np.where(ended != NONE, "cured", ""))
    risk = np.where(di == SMD, rng.choice(6, size=k, p=[0.55, 0.25, 0.1, 0.05, 0.03, 0.02]), -1)
    icd = np.empty(k, dtype=object)
    for d in range(4):
        m = di == d
        icd[m] = _draw(rng, list(CHRONIC_ICD10[d]), CHRONIC_ICD10_P[d], int(m.sum()))
    region = np.asarray(pop.h_region, dtype=object)[pop.p_household[pi]]
    county = np.array([counties.get(r[:6], "") for r in region.tolist()], dtype=object)
    yc = np.array([r.startswith(YANCHI) for r in region.tolist()])
    city = np.where(yc, CITY[YANCHI], CITY[CHANGZHI])
    confirmed = np.select(
        [di == TB, di == SMD, rng.random(k) < 0.3],
        [county + "疾病预防控制中心", city + "精神卫生中心", city + "人民医院"],
        default=county + "人民医院")
    certified = np.where((di != TB) & poor[pi] & (rng.random(k) < 0.45),
                         registered + _between(rng, 30, 365, k), NONE)
    certified = np.where((certified > today) | ((ended != NONE) & (certified > ended)), NONE,
                         certified)
    reg_ids = ids.take(ChronicRegistration, k)
    regions = region.tolist()
    cols = {
        "id": reg_ids.tolist(),
        "person_id": pop.p_ids[pi].tolist(),
        "region_code": regions,
        "disease_code": np.asarray(CHRONIC_CODES, dtype=object)[di].tolist(),
        "icd10": icd.tolist(),
        "diagnosed_on": iso(diag),
        "confirmed_by": confirmed.tolist(),
        "registered_on": iso(registered),
        "outpatient_certified_on": iso(certified),
        "risk_level": [None if r < 0 else r for r in risk.tolist()],
        "treatment_start": iso(treatment),
        "ended_on": iso(ended),
        "end_reason": end_reason.tolist(),
        "note": [""] * k,
        "version": [1] * k,
        "created_by_id": _creators(actors, regions).tolist(),
        "created_at": local_dts(np.maximum(registered, day(IMPORT_DAY)), hour=10),
    }
    return _Registrations(Table(ChronicRegistration, cols), pi, di, registered, ended,
                          treatment, risk, reg_ids)


@dataclass
class _Contracts:
    table: Table
    deliveries: Table | None
    # per year j (0 = previous, 1 = current): by person, signed day (NONE: no contract),
    # end day (NONE: not ended), contract id
    signed: np.ndarray
    ended: np.ndarray
    cid: np.ndarray


def _contracts(rng, pop: Population, should: _Eligibility, regs: _Registrations,
               years: tuple[int, int], today: int, ids: _Ids, teams: _Teams, actors,
               ) -> _Contracts:
    n = len(pop.p_ids)
    village = pop.h_village[pop.p_household]
    signed = np.full((2, n), NONE, dtype=np.int64)
    ended = np.full((2, n), NONE, dtype=np.int64)
    cid = np.full((2, n), -1, dtype=np.int64)
    parts = []
    for j, y in enumerate(years):
        # who should sign: on 1 July of last year, today this year (the 应签尽签 list's day)
        ref = min(day(dt.date(y, 7, 1)), today) if j == 0 else today
        jan = day(dt.date(y, 1, 2))
        alive = (pop.p_birth < min(ref, day(dt.date(y, 12, 31)))) & (
            (pop.p_death == NONE) | (pop.p_death > jan + 1))
        must = should.on(ref)
        chronic = np.zeros(n, dtype=bool)
        open_ = (regs.registered <= ref) & ((regs.ended == NONE) | (regs.ended > ref))
        chronic[regs.person[open_]] = True
        old = _age_on(pop.p_birth, to_date(ref)) >= 65
        p = np.select([must, chronic, old], [0.93 if j == 0 else 0.88, 0.95 if j == 0 else 0.92, 0.4], default=0.02)
        sign = alive & (rng.random(n) < p)
        who = np.flatnonzero(sign)
        lo = np.maximum(day(dt.date(y, 1, 2)), pop.p_birth[who] + 1)
        hi = np.minimum(day(dt.date(y, 12, 31)), today)
        d = pop.p_death[who]
        hi = np.where(d == NONE, hi, np.minimum(hi, d - 1))
        # most sign in the first weeks of the year, chronic patients first (their visits
        # are under the contract)
        wait = rng.exponential(np.where(chronic[who], 10, 30))
        on = np.minimum(lo + np.floor(wait).astype(np.int64), hi)
        ok = on >= lo
        who, on, d = who[ok], on[ok], d[ok]
        end = np.where((d != NONE) & (d <= min(day(dt.date(y, 12, 31)), today)), d, NONE)
        c_ids = ids.take(Contract, len(who))
        signed[j, who], ended[j, who], cid[j, who] = on, end, c_ids
        parts.append((y, who, on, end, c_ids))
    rows = {k: [] for k in ("id", "person_id", "region_code", "year", "team_id", "signed_on",
                            "package", "fee_fen", "fee_payer", "renewal_of_id", "ended_on",
                            "end_reason", "version", "created_by_id", "created_at")}
    must_now = should.ever()
    for j, (y, who, on, end, c_ids) in enumerate(parts):
        k = len(who)
        personal = rng.random(k) < np.where(pop.p_age[who] >= 60, 0.18, 0.08)
        poor = must_now[who]
        fee = np.where(personal, rng.choice([20000, 30000, 50000], size=k), 12000)
        payer = np.where(personal, np.where(poor, "local_finance", "self"),
                         np.where(rng.random(k) < 0.6, "medical_insurance", "public_health"))
        regions = np.asarray(pop.h_region, dtype=object)[pop.p_household[who]].tolist()
        renewal = cid[0, who] if j == 1 else np.full(k, -1)
        rows["id"] += c_ids.tolist()
        rows["person_id"] += pop.p_ids[who].tolist()
        rows["region_code"] += regions
        rows["year"] += [y] * k
        rows["team_id"] += teams.v_team[village[who]].tolist()
        rows["signed_on"] += iso(on)
        rows["package"] += np.where(personal, "personalised", "basic").tolist()
        rows["fee_fen"] += fee.tolist()
        rows["fee_payer"] += payer.tolist()
        rows["renewal_of_id"] += [None if r < 0 else r for r in renewal.tolist()]
        rows["ended_on"] += iso(end)
        rows["end_reason"] += ["死亡" if e != NONE else "" for e in end.tolist()]
        rows["version"] += [1] * k
        rows["created_by_id"] += _creators(actors, regions).tolist()
        rows["created_at"] += local_dts(on, hour=11)
    table = Table(Contract, rows)

    # services delivered under the contracts: health checks of the old, medication guidance
    # of chronic patients
    chronic = np.zeros(n, dtype=bool)
    chronic[regs.person] = True
    d_rows = {k: [] for k in ("contract_id", "region_code", "kind", "note", "delivered_on",
                              "member_id", "created_by_id", "created_at")}
    for y, who, on, end, c_ids in parts:
        last = np.minimum(min(day(dt.date(y, 12, 31)), today),
                          np.where(end == NONE, today, end - 1))
        for kind, cond, p in (("health_check", pop.p_age[who] >= 65, 0.75),
                              ("medication_guidance", chronic[who], 0.5)):
            sel = np.flatnonzero(cond & (rng.random(len(who)) < p) & (last > on))
            if not len(sel):
                continue
            when = _between(rng, on[sel] + 1, last[sel])
            v = village[who[sel]]
            member = np.where(rng.random(len(sel)) < 0.6, teams.v_vdoc[v], teams.v_tdoc[v])
            regions = np.asarray(pop.h_region, dtype=object)[pop.p_household[who[sel]]].tolist()
            d_rows["contract_id"] += c_ids[sel].tolist()
            d_rows["region_code"] += regions
            d_rows["kind"] += [kind] * len(sel)
            d_rows["note"] += [NOTE_OF[kind]] * len(sel)
            d_rows["delivered_on"] += iso(when)
            d_rows["member_id"] += member.tolist()
            d_rows["created_by_id"] += _member_creators(member, regions, teams, actors)
            d_rows["created_at"] += local_dts(when, hour=15)
    n_d = len(d_rows["contract_id"])
    deliveries = Table(ServiceDelivery, {"id": ids.take(ServiceDelivery, n_d).tolist(),
                                         **d_rows}) if n_d else None
    return _Contracts(table, deliveries, signed, ended, cid)


def _member_creators(member: np.ndarray, regions: list[str], teams: _Teams, actors) -> list[int]:
    """The member's own account if linked (the demo's village and township doctors), else the
    demo user of the region."""
    linked = teams.m_user[member - teams.m_first]
    return np.where(linked >= 0, linked, _creators(actors, regions)).tolist()


def _followups(rng, pop: Population, regs: _Registrations, con: _Contracts,
               years: tuple[int, int], today: int, ids: _Ids, teams: _Teams, actors,
               ) -> Table:
    k = len(regs.person)
    d = regs.disease
    p = regs.person
    w0 = day(dt.date(years[0], 1, 1))
    death = pop.p_death[p]
    w1 = np.minimum(today, np.where(regs.ended == NONE, today, regs.ended - 1))
    w1 = np.where(death == NONE, w1, np.minimum(w1, death - 1))
    sparse = (d <= DM) & (rng.random(k) < 0.15)
    dropout = (d != TB) & (rng.random(k) < 0.06)
    stop = _between(rng, day(dt.date(years[1], 2, 1)), today - 100, k)
    w1 = np.where(dropout, np.minimum(w1, stop), w1)
    # planned interval and delay of each visit
    base = np.select([d == TB, d == SMD, sparse], [30, 85, 150], default=84)[:, None]
    jitter = np.select([d == TB, d == SMD, sparse], [3, 5, 45], default=8)[:, None]
    interval = base + np.floor((rng.random((k, K)) * 2 - 1) * jitter).astype(np.int64)
    smd_late = (d == SMD)[:, None] & (rng.random((k, K)) < 0.2)
    late = rng.random((k, K)) < np.where(d == TB, 0.1, 0.3)[:, None]
    delay = np.where(late, np.floor(rng.random((k, K)) * np.where(smd_late, 40, 21)), 0)
    delay = delay.astype(np.int64)
    # the first visit: soon after registration (TB: within 72 hours of notification), else in
    # the first interval of the window
    recent = regs.registered >= w0
    first = np.where(d == TB, np.maximum(regs.registered + _between(rng, 0, 3, k), regs.treatment),
                     np.where(recent, regs.registered + _between(rng, 3, 14, k),
                              w0 + 10 + np.floor(rng.random(k) * interval[:, 0]).astype(
                                  np.int64)))
    tb_before = (d == TB) & (first < w0)
    # a TB course that began before the window: visits continue monthly from the first
    steps = np.cumsum(interval + delay, axis=1)
    visit = first[:, None] + np.c_[np.zeros(k, dtype=np.int64), steps[:, :-1]]
    nxt = visit + interval
    ok = (visit >= w0) & (visit <= w1[:, None]) & (visit >= regs.registered[:, None])
    ok &= ~(tb_before[:, None] & (visit < w0))
    # only under a contract of the visit's year, after it was signed and before it ended
    year_idx = (visit >= day(dt.date(years[1], 1, 1))).astype(np.int64)
    signed = con.signed[year_idx, p[:, None]]
    c_end = con.ended[year_idx, p[:, None]]
    ok &= (signed != NONE) & (visit >= signed) & ((c_end == NONE) | (visit < c_end))
    ri, ci = np.nonzero(ok)
    n = len(ri)
    v_day, v_next = visit[ri, ci], nxt[ri, ci]
    rd = d[ri]
    rp = p[ri]
    village = pop.h_village[pop.p_household[rp]]
    member = np.where(rng.random(n) < 0.8, teams.v_vdoc[village], teams.v_tdoc[village])
    way = np.select(
        [rd == TB, rd == SMD],
        [_draw(rng, ["home", "clinic"], [0.8, 0.2], n),
         _draw(rng, ["home", "clinic", "phone"], [0.6, 0.3, 0.1], n)],
        default=_draw(rng, ["clinic", "home", "phone"], [0.55, 0.37, 0.08], n))
    # control: a propensity per patient, a draw per visit
    propensity = rng.beta(6, 3, k)
    controlled = rng.random(n) < propensity[ri]
    age = _age_at(pop.p_birth[rp], v_day)
    limit = np.where(age >= 65, 150, 140)
    is_ht, is_dm = rd == HT, rd == DM
    sys_ok = 108 + np.floor(rng.random(n) * (limit - 108)).astype(np.int64)
    sys_bad = limit + np.floor(rng.random(n) * 45).astype(np.int64)
    dia_ok = 62 + np.floor(rng.random(n) * 28).astype(np.int64)
    dia_bad = 80 + np.floor(rng.random(n) * 30).astype(np.int64)
    systolic = np.where(controlled, sys_ok, sys_bad)
    diastolic = np.where(controlled, dia_ok, dia_bad)
    glucose = np.where(controlled, 4.6 + rng.random(n) * 2.3, 7.0 + rng.random(n) * 6.5)
    glucose = np.floor(glucose * 10) / 10
    weight = np.round(48 + rng.gamma(6, 3.0, n), 1)
    classification = np.where(controlled, "controlled", "not_controlled").astype(object)
    u = rng.random(n)
    classification[(rd != TB) & (u < 0.02)] = "adverse"
    classification[(~controlled) & (u > 0.97)] = "referred"
    adherence = _draw(rng, ["regular", "intermittent", "none"], [0.78, 0.18, 0.04], n)
    risk = np.clip(regs.risk[ri] + rng.choice([-1, 0, 0, 0, 1], size=n), 0, 5)
    doses_due = np.full(n, 30)
    doses_taken = np.where(controlled, 27 + np.floor(rng.random(n) * 4),
                           18 + np.floor(rng.random(n) * 9)).astype(np.int64)
    regions = np.asarray(pop.h_region, dtype=object)[pop.p_household[rp]].tolist()

    def only(mask, values):
        out = np.asarray(values).astype(object)
        out[~mask] = None
        return out.tolist()

    bp = is_ht | (is_dm & (rng.random(n) < 0.5))
    cols = {
        "id": ids.take(FollowUp, n).tolist(),
        "registration_id": regs.ids[ri].tolist(),
        "person_id": pop.p_ids[rp].tolist(),
        "region_code": regions,
        "visited_on": iso(v_day),
        "way": way.tolist(),
        "member_id": member.tolist(),
        "systolic": only(bp, np.where(is_ht, systolic, sys_ok)),
        "diastolic": only(bp, np.where(is_ht, diastolic, dia_ok)),
        "fasting_glucose": only(is_dm, glucose),
        "weight_kg": only(is_ht | is_dm, weight),
        "adherence": np.where(rd == SMD, adherence, np.where(rd == TB, "regular",
                                                             adherence)).tolist(),
        "risk_level": only(rd == SMD, risk),
        "doses_due": only(rd == TB, doses_due),
        "doses_taken": only(rd == TB, doses_taken),
        "classification": classification.tolist(),
        "next_visit_on": iso(v_next),
        "note": np.select([classification == "not_controlled", classification == "adverse",
                           classification == "referred"],
                          ["调整用药，嘱低盐低脂饮食、规律服药", "药物不良反应，已调整用药",
                           "转诊上级医院进一步诊治"], default="").tolist(),
        "created_by_id": _member_creators(member, regions, teams, actors),
        "created_at": local_dts(v_day, hour=16),
    }
    # the registration's latest visit and the next one due (none once ended)
    last = np.full(k, -1, dtype=np.int64)
    last[ri] = np.arange(n)          # visits are in (registration, date) order
    has = last >= 0
    last_on = np.where(has, v_day[np.maximum(last, 0)], NONE)
    next_on = np.where(has, v_next[np.maximum(last, 0)],
                       np.where(recent, regs.registered + 14, NONE))
    next_on = np.where(regs.ended == NONE, next_on, NONE)
    regs.table.columns["last_visit_on"] = iso(last_on)
    regs.table.columns["next_visit_on"] = iso(next_on)
    risk_last = np.where(has & (d == SMD), risk[np.maximum(last, 0)], regs.risk)
    regs.table.columns["risk_level"] = [None if r < 0 else int(r) for r in risk_last.tolist()]
    return Table(FollowUp, cols)


@dataclass
class _CaseSeeds:
    person: list[int]
    found: list[int]
    via: list[str]
    disease: list[str]
    hospital: list[str]
    source_ref: list[str]


def _screening(rng, pop: Population, years: tuple[int, int], today: int, ids: _Ids, actors,
               eligible: _Eligibility, counties: dict[str, str], seeds: _CaseSeeds,
               next_case_id: int) -> list[Table]:
    """The 两癌 campaigns of 盐池县; confirmed cancers of eligible women become case seeds."""
    county_actor = actors.get("county_yc") or actors["admin"]
    yc = pop.h_yanchi[pop.p_household]
    female = ~pop.p_male
    camp_rows, res, steps = [], {k: [] for k in (
        "campaign_id", "person_id", "region_code", "screened_on", "result", "finding", "stage",
        "referred_to", "confirmed_icd10", "health_ref", "created_by_id", "created_at")}, {
        k: [] for k in ("result", "step", "from_stage", "to_stage", "on_date", "comment",
                        "user_id", "at")}
    camp_ids = ids.take(Campaign, len(years))
    county = counties.get(YANCHI, "盐池县")
    result_id = ids.first[ScreeningResult]
    case_id = next_case_id
    for j, y in enumerate(years):
        start = dt.date(y, 4, 1) if j == 0 else dt.date(y, 3, 16)
        end = min(dt.date(y, 10, 31), dt.date(1970, 1, 1) + dt.timedelta(days=today))
        camp_rows.append((f"{y}年盐池县农村妇女两癌筛查", start, end))
        age = _age_on(pop.p_birth, start)
        alive = (pop.p_death == NONE) | (pop.p_death > day(start) + 30)
        target = np.flatnonzero(yc & female & (age >= 35) & (age <= 64) & alive)
        who = target[rng.random(len(target)) < (0.7 if j == 0 else 0.5)]
        on = _between(rng, day(start), day(end), len(who))
        ok = (pop.p_death[who] == NONE) | (on < pop.p_death[who])
        who, on = who[ok], on[ok]
        d = pop.p_death[who]
        m = len(who)
        result = _draw(rng, ["negative", "suspected", "positive"], [0.955, 0.035, 0.01], m)
        organ = _draw(rng, ["cervix", "breast"], [0.6, 0.4], m)
        stage = np.where(result == "negative", "done", "awaiting").astype(object)
        regions = np.asarray(pop.h_region, dtype=object)[pop.p_household[who]].tolist()
        r_ids = np.arange(result_id, result_id + m)
        result_id += m
        referred_to = [""] * m
        confirmed = [""] * m
        health_ref = [""] * m
        creators = _creators(actors, regions)
        # the follow-through of suspected and positive results, as far as the dates allow
        for i in np.flatnonzero(result != "negative").tolist():
            if rng.random() < 0.12:
                continue                         # still waiting for its first step
            t_ref = int(on[i] + rng.integers(3, 21))
            if t_ref > today:
                continue
            place = f"{county}妇幼保健院" if organ[i] == "cervix" else f"{CITY[YANCHI]}人民医院"
            referred_to[i] = place
            steps_i = [("refer", "awaiting", "referred", t_ref, f"转诊至{place}")]
            t_conf = t_ref + int(rng.integers(7, 41))
            cancer = result[i] == "positive" or rng.random() < 0.2
            if t_conf <= today:
                if cancer:
                    code = CANCER_OF[organ[i]]
                    confirmed[i] = DISEASE_CODES[code][0]
                    steps_i.append(("confirm", "referred", "confirmed", t_conf, "病理确诊"))
                    t_case = t_conf + int(rng.integers(1, 11))
                    if (t_case <= today and (d[i] == NONE or t_case < pop.p_death[who[i]])
                            and eligible.at(np.array([who[i]]), np.array([t_case]))[0]
                            and who[i] not in seeds.person):
                        steps_i.append(("open_case", "confirmed", "case_opened", t_case,
                                        "纳入大病专项救治"))
                        health_ref[i] = f"case:{case_id}"
                        seeds.person.append(int(who[i]))
                        seeds.found.append(t_case)
                        seeds.via.append("screening")
                        seeds.disease.append(code)
                        seeds.hospital.append(f"{CITY[YANCHI]}人民医院")
                        seeds.source_ref.append(f"screening:{r_ids[i]}")
                        case_id += 1
                else:
                    steps_i.append(("rule_out", "referred", "ruled_out", t_conf, "复查排除"))
            stage[i] = steps_i[-1][2]
            for name, frm, to, when, why in steps_i:
                steps["result"].append(int(r_ids[i]))
                steps["step"].append(name)
                steps["from_stage"].append(frm)
                steps["to_stage"].append(to)
                steps["on_date"].append(when)
                steps["comment"].append(why)
                steps["user_id"].append(county_actor.id if name == "open_case"
                                        else int(creators[i]))
        res["campaign_id"] += [int(camp_ids[j])] * m
        res["person_id"] += pop.p_ids[who].tolist()
        res["region_code"] += regions
        res["screened_on"] += iso(on)
        res["result"] += result.tolist()
        res["finding"] += [FINDING[(o, r)] for o, r in zip(organ.tolist(), result.tolist(),
                                                           strict=True)]
        res["stage"] += stage.tolist()
        res["referred_to"] += referred_to
        res["confirmed_icd10"] += confirmed
        res["health_ref"] += health_ref
        res["created_by_id"] += creators.tolist()
        res["created_at"] += local_dts(on, hour=14)
    n_r = result_id - ids.first[ScreeningResult]
    res_ids = ids.take(ScreeningResult, n_r)
    campaigns = Table(Campaign, {
        "id": camp_ids.tolist(), "name": [c[0] for c in camp_rows],
        "kind": ["two_cancers"] * len(camp_rows), "region_code": [YANCHI] * len(camp_rows),
        "start_on": [c[1].isoformat() for c in camp_rows],
        "end_on": [c[2].isoformat() for c in camp_rows],
        "target_sex": ["F"] * len(camp_rows), "age_min": [35] * len(camp_rows),
        "age_max": [64] * len(camp_rows), "age_on": [c[1].isoformat() for c in camp_rows],
        "target_categories": ["[]"] * len(camp_rows), "version": [1] * len(camp_rows),
        "created_by_id": [county_actor.id] * len(camp_rows),
        "created_at": local_dts(np.array([day(c[1]) - 20 for c in camp_rows]))})
    results = Table(ScreeningResult, {"id": res_ids.tolist(), **res,
                                      "version": [1] * n_r})
    n_s = len(steps["result"])
    on_days = np.asarray(steps["on_date"], dtype=np.int64)
    result_steps = Table(ResultStep, {
        "id": ids.take(ResultStep, n_s).tolist(), "result_id": steps["result"],
        "step": steps["step"], "from_stage": steps["from_stage"], "to_stage": steps["to_stage"],
        "on_date": iso(on_days), "comment": steps["comment"], "user_id": steps["user_id"],
        "at": local_dts(on_days, hour=10)})
    return [campaigns, results, result_steps] if n_s else [campaigns, results]


def _pick_disease(rng, age: int, male: bool) -> str:
    group = "child" if age < 15 else ("adult" if age < 55 else "old") + ("_m" if male else "_f")
    options = CASE_GROUPS[group]
    return str(_draw(rng, list(options), list(options.values()), 1)[0])


def _cases(rng, pop: Population, stays_t: Table | None, today: int, ids: _Ids, actors,
           eligible: _Eligibility, counties: dict[str, str], seeds: _CaseSeeds,
           regs: _Registrations) -> tuple[list[Table], list[str] | None]:
    first_pid = int(pop.p_ids[0]) if len(pop.p_ids) else 0
    used = set(seeds.person)
    diagnosis = None
    s_person = s_adm = None
    if stays_t is not None and len(stays_t):
        s_person = np.asarray(stays_t.columns["person_id"], dtype=np.int64) - first_pid
        s_adm = np.asarray(stays_t.columns["admission_date"], dtype="datetime64[D]").astype(
            np.int64)
        # (from 2021: the catalogs of the regions in force since then)
        ok = (s_adm >= day(dt.date(2021, 1, 1))) & (rng.random(len(s_person)) < 0.05)
        ok[ok] = eligible.at(s_person[ok], s_adm[ok])
        names = stays_t.columns["hospital_name"]
        for i in np.flatnonzero(ok).tolist():
            p = int(s_person[i])
            if p in used:
                continue
            used.add(p)
            a = int(s_adm[i])
            seeds.person.append(p)
            seeds.found.append(a)
            seeds.via.append("hospital_stay")
            seeds.disease.append(_pick_disease(rng, int(_age_at(pop.p_birth[[p]], np.array([a]))[0]),
                                               bool(pop.p_male[p])))
            seeds.hospital.append(names[i])
            seeds.source_ref.append(f"stay:{stays_t.columns['id'][i]}")
    # reported by village doctors or on a department's list
    # (some of those who died had a major disease found in their last two years)
    p_case = np.where(pop.p_death == NONE, 0.02, 0.12)
    cand = np.flatnonzero(eligible.ever() & (rng.random(len(pop.p_ids)) < p_case))
    d = pop.p_death[cand]
    lo = np.maximum(day(dt.date(2021, 3, 1)), pop.p_birth[cand] + 30)
    lo = np.where(d == NONE, lo, np.maximum(lo, d - 600))
    hi = np.where(d == NONE, today - 3, np.minimum(today - 3, d - 5))
    # four in ten found in the last ten months, one in six in the last month: cases in every
    # state of the programme
    u = rng.random(len(cand))
    lo = np.select([u < 0.16, u < 0.4], [np.maximum(lo, hi - 30), np.maximum(lo, hi - 300)],
                   default=lo)
    found = _between(rng, lo, hi)
    ok = (lo <= hi) & eligible.at(cand, found)
    for p, f in zip(cand[ok].tolist(), found[ok].tolist(), strict=True):
        if p in used:
            continue
        used.add(p)
        seeds.person.append(p)
        seeds.found.append(f)
        seeds.via.append("village_report" if rng.random() < 0.5 else "department_list")
        seeds.disease.append(_pick_disease(rng, int(_age_at(pop.p_birth[[p]], np.array([f]))[0]),
                                           bool(pop.p_male[p])))
        region = pop.h_region[pop.p_household[p]]
        key = YANCHI if region.startswith(YANCHI) else CHANGZHI
        u = rng.random()
        seeds.hospital.append(f"{counties.get(region[:6], '')}人民医院" if u < 0.5 else
                              f"{CITY[key]}人民医院" if u < 0.85 else
                              f"{PROVINCE[key][0]}人民医院")
        seeds.source_ref.append("")
    k = len(seeds.person)
    person = np.asarray(seeds.person, dtype=np.int64)
    found = np.asarray(seeds.found, dtype=np.int64)
    death = pop.p_death[person]
    disease = seeds.disease
    cure_p = np.array([DISEASE_CODES[c][1] for c in disease])
    t_open = found + _between(rng, 2, 20, k)
    t_treat = t_open + _between(rng, 3, 30, k)
    t_done = t_treat + _between(rng, 20, 360, k)
    t_close = t_done + _between(rng, 15, 300, k)
    outcome_u = rng.random(k)
    outcome = np.where(outcome_u < cure_p, "cured",
                       np.where(rng.random(k) < 0.6, "improved", "stable")).astype(object)
    not_eligible = rng.random(k) < 0.03
    moved = (outcome != "cured") & (rng.random(k) < 0.04)
    case_ids = ids.take(SpecialCase, k)
    regions = np.asarray(pop.h_region, dtype=object)[pop.p_household[person]].tolist() \
        if k else []
    county_users = _creators(actors, regions, county=True)
    cols = {c: [] for c in ("status", "outcome", "close_reason", "opened_on", "treated_on",
                            "closed_on")}
    st = {c: [] for c in ("case_id", "step", "from_status", "to_status", "on_date", "comment",
                          "user_id")}
    for i in range(k):
        path = []  # (step, from, to, day, comment)
        dead = int(death[i]) if death[i] != NONE and death[i] <= today else None
        limit = min(today, dead) if dead is not None else today
        if not_eligible[i]:
            plan = [("close", "found", "closed", int(t_open[i]), CLOSE_WHY["not_eligible"])]
        else:
            plan = [("open_record", "found", "opened", int(t_open[i]), "核实诊断，建立救治档案"),
                    ("start_treatment", "opened", "in_treatment", int(t_treat[i]),
                     f"在{seeds.hospital[i]}开始救治"),
                    ("mark_treated", "in_treatment", "treated", int(t_done[i]),
                     {"cured": "治愈", "improved": "好转", "stable": "病情稳定"}[outcome[i]])]
            if outcome[i] == "cured":
                plan.append(("close", "treated", "closed", int(t_close[i]), CLOSE_WHY["cured"]))
            elif moved[i]:
                plan.append(("close", "treated", "closed", int(t_close[i]), CLOSE_WHY["moved"]))
        for s in plan:
            if s[3] > limit or (dead is not None and s[3] >= dead):
                break
            path.append(s)
        status = path[-1][2] if path else "found"
        path.insert(0, ("found", "", "found", int(found[i]), ""))  # as special_case_create
        if dead is not None and status != "closed":
            path.append(("close", status, "closed", dead, CLOSE_WHY["died"]))
            status = "closed"
        reason = ""
        if status == "closed":
            why = path[-1][4]
            reason = next(r for r, text in CLOSE_WHY.items() if text == why)
        days_of = {s[2]: s[3] for s in path if s[0] not in ("close", "found")}
        cols["status"].append(status)
        treated = "treated" in days_of
        cols["outcome"].append(outcome[i] if treated else "")
        cols["close_reason"].append(reason)
        cols["opened_on"].append(days_of.get("opened", NONE))
        cols["treated_on"].append(days_of.get("treated", NONE))
        cols["closed_on"].append(path[-1][3] if status == "closed" else NONE)
        for name, frm, to, when, why in path:
            st["case_id"].append(int(case_ids[i]))
            st["step"].append(name)
            st["from_status"].append(frm)
            st["to_status"].append(to)
            st["on_date"].append(when)
            st["comment"].append(why)
            st["user_id"].append(int(county_users[i]))
    icd = [DISEASE_CODES[c][0] for c in disease]
    cases = Table(SpecialCase, {
        "id": case_ids.tolist(), "person_id": pop.p_ids[person].tolist(), "region_code": regions,
        "disease_code": list(disease), "icd10": icd, "found_via": seeds.via,
        "found_on": iso(found), "source_ref": seeds.source_ref, "hospital_name": seeds.hospital,
        "treatment_plan": [PLANS.get(c, CANCER_PLAN) for c in disease],
        "status": cols["status"], "outcome": cols["outcome"],
        "close_reason": cols["close_reason"], "opened_on": iso(np.asarray(cols["opened_on"])),
        "treated_on": iso(np.asarray(cols["treated_on"])),
        "closed_on": iso(np.asarray(cols["closed_on"])), "version": [1] * k,
        "created_by_id": _creators(actors, regions).tolist(),
        "created_at": local_dts(found, hour=9)})
    on_days = np.asarray(st["on_date"], dtype=np.int64)
    steps = Table(SpecialCaseStep, {
        "id": ids.take(SpecialCaseStep, len(on_days)).tolist(), **{
            c: st[c] for c in ("case_id", "step", "from_status", "to_status")},
        "on_date": iso(on_days), "comment": st["comment"], "user_id": st["user_id"],
        "at": local_dts(on_days, hour=11)})

    # the diagnoses of the stays: a case's own stay and the person's stays during the case,
    # some stays of chronic patients, a generic diagnosis on others
    if s_person is not None:
        n_s = len(s_person)
        diag = np.where(rng.random(n_s) < 0.45,
                        np.asarray(OTHER_DIAGNOSES, dtype=object)[
                            rng.integers(len(OTHER_DIAGNOSES), size=n_s)], "").astype(object)
        reg_first = {}
        for p, di, r in zip(regs.person.tolist(), regs.disease.tolist(),
                            regs.registered.tolist(), strict=True):
            if di <= DM and p not in reg_first:
                reg_first[p] = (r, CHRONIC_ICD10[di][0])
        case_of = {int(person[i]): i for i in range(k)}
        closed = np.asarray(cols["closed_on"], dtype=np.int64) if k else np.zeros(0, np.int64)
        u = rng.random(n_s)
        for j in range(n_s):
            p, a = int(s_person[j]), int(s_adm[j])
            i = case_of.get(p)
            if i is not None and found[i] <= a and (closed[i] == NONE or a <= closed[i]) and (
                    a == found[i] or u[j] < 0.8):
                diag[j] = icd[i]
            elif p in reg_first and reg_first[p][0] <= a and u[j] < 0.3:
                diag[j] = reg_first[p][1]
        diagnosis = diag.tolist()
    out = [cases]
    if len(on_days):
        out.append(steps)
    return out, diagnosis


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
