"""The demo's health data: its assumptions as constants and the helpers its generators
share (`health.py` says what is generated)."""

from __future__ import annotations

import datetime as dt

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
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult

from .categories import Categories
from .population import Population
from .requests import Actor
from .stays import _creator, _Periods
from .tables import NONE, ymd

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
