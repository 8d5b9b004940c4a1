"""Dated categories, support measures and last year's income of the demo households.

Shares are demo assumptions chosen to look like the two regions, not statistics:
- 建档立卡 2014-2019 and 脱贫 2014-2020: about a fifth of 盐池's households (a national poverty
  county until 2018), 16 % in 平顺, 壶关, 武乡 and 沁县, 7 % elsewhere in 长治;
- monitored since 2021 (防止返贫监测): 脱贫不稳定户 among 12 % of the lifted-out households,
  边缘易致贫户 2.2 % and 突发严重困难户 0.6 % of the others; about half of them have had the
  risk cleared (after at least 6 months, with a support measure, only with someone able to work);
- 低保 (person level, whole households) about 4 %, 低保边缘 1 %, 特困 for old people living
  alone, 因病致贫重病患者 for 12 months, 返贫致贫 in some monitored households.
A dead person's periods end on the day of death; a household whose members all died is ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.categories import Category
from jkfp.registry.models import CategoryPeriod, HouseholdIncome, SupportMeasure

from .population import IMPORT_DAY, Population
from .tables import NONE, Table, add_years_minus_one_day, day, iso, local_dt, pick

POOR_RATE_HIGH = {140425, 140427, 140429, 140430, 640323}  # demo assumption, see docstring
POOR_CAUSES = ["因病", "因残", "缺劳力", "缺技术", "缺资金", "因学", "自身发展动力不足"]
POOR_CAUSE_P = [0.35, 0.12, 0.12, 0.15, 0.14, 0.07, 0.05]
RISKS = ["因病", "因残", "因灾", "因意外事故", "务工就业不稳", "产业经营失败", "因学"]
RISK_P = [0.40, 0.12, 0.10, 0.08, 0.15, 0.10, 0.05]
DISEASES = ["恶性肿瘤（肺癌）", "恶性肿瘤（胃癌）", "终末期肾病", "急性心肌梗死", "脑卒中",
            "慢性阻塞性肺气肿", "儿童白血病", "儿童先天性心脏病", "耐多药结核病", "重性精神障碍"]
MEASURES = {
    "medical": ["家庭医生签约服务并按时随访", "落实先诊疗后付费和一站式结算",
                "纳入大病专项救治", "门诊慢特病待遇认定"],
    "assistance": ["纳入低保兜底保障", "给予临时救助", "落实医疗救助资助参保"],
    "employment": ["安排公益性岗位", "组织劳务输出稳定就业", "开展职业技能培训"],
    "industry": ["庭院经济帮扶", "发放产业奖补资金", "小额信贷支持发展产业"],
    "education": ["落实雨露计划资助", "落实教育资助"],
    "housing": ["农村危房改造"],
    "other": ["驻村工作队结对帮扶"],
}
INDUSTRY = {True: "滩羊养殖产业扶持", False: "中药材（党参）种植扶持"}
MEASURE_KINDS = list(MEASURES)
MEASURE_P = [0.35, 0.15, 0.18, 0.17, 0.08, 0.04, 0.03]
EXIT_YEAR_P = {  # 2014..2020
    True: [0.05, 0.10, 0.20, 0.30, 0.25, 0.07, 0.03],    # 盐池 (county exited in 2018)
    False: [0.02, 0.05, 0.15, 0.20, 0.30, 0.20, 0.08],   # 长治
}


@dataclass
class Monitoring:
    """The monitored household periods, for the change-request generator."""
    household: np.ndarray      # household index
    category: list[str]
    start: np.ndarray
    end: np.ndarray            # NONE when open
    end_way: list[str]
    row: np.ndarray            # row in the periods table
    first_measure: np.ndarray  # day of the first support measure, NONE if none


@dataclass
class Categories:
    periods: PeriodRows          # rows; the table is made once change requests are linked
    measures: Table
    incomes: Table
    monitoring: Monitoring
    monitored_now: np.ndarray  # bool per household


def _between(rng, lo, hi, size=None):
    """Uniform day numbers in [lo, hi] (arrays or scalars)."""
    lo, hi = np.asarray(lo), np.asarray(hi)
    size = size if size is not None else np.broadcast(lo, hi).shape
    return (lo + np.floor(rng.random(size) * (np.maximum(hi - lo, 0) + 1))).astype(np.int64)


class PeriodRows:
    def __init__(self, pop: Population):
        self.pop = pop
        self.cols: dict[str, list] = {k: [] for k in (
            "category", "person", "household", "start", "end", "exit_year", "source", "reason",
            "end_reason", "end_way")}
        self.n = 0

    def add(self, category: str, *, start, end, source: str, reason, person=None,
            household=None, exit_year=None, end_reason="", end_way="") -> np.ndarray:
        """Add periods of persons (person=index array) or households; returns their rows."""
        pop = self.pop
        subject = person if person is not None else household
        k = len(subject)
        start, end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
        reason = reason if isinstance(reason, list) else [reason] * k
        end_reason = end_reason if isinstance(end_reason, list) else [end_reason] * k
        end_way = end_way if isinstance(end_way, list) else [end_way] * k
        # a dead person's or an ended household's periods end then
        stop = pop.p_death[person] if person is not None else pop.h_ended[household]
        why = "死亡" if person is not None else "家庭户注销"
        keep = (stop == NONE) | (start <= stop)
        clip = (stop != NONE) & ((end == NONE) | (end > stop))
        end = np.where(clip, stop, end)
        end_reason = [why if c else r for c, r in zip(clip.tolist(), end_reason, strict=True)]
        end_way = ["" if c else w for c, w in zip(clip.tolist(), end_way, strict=True)]
        idx = np.flatnonzero(keep)
        ks = idx.tolist()
        self.cols["category"] += [category] * len(idx)
        self.cols["person"].append(person[idx] if person is not None else np.full(len(idx), -1))
        self.cols["household"].append(household[idx] if household is not None
                                      else np.full(len(idx), -1))
        self.cols["start"].append(start[idx])
        self.cols["end"].append(end[idx])
        self.cols["exit_year"].append(np.asarray(exit_year)[idx] if exit_year is not None
                                      else np.zeros(len(idx), dtype=np.int64))
        self.cols["source"] += [source] * len(idx)
        self.cols["reason"] += [reason[i] for i in ks]
        self.cols["end_reason"] += [end_reason[i] for i in ks]
        self.cols["end_way"] += [end_way[i] for i in ks]
        rows = np.full(k, -1, dtype=np.int64)
        rows[idx] = np.arange(self.n, self.n + len(idx))
        self.n += len(idx)
        return rows

    def table(self, first_id: int, *, created_by: dict[int, int],
              change_request: dict[int, int]) -> Table:
        pop = self.pop
        c = {k: (np.concatenate(v) if k in ("person", "household", "start", "end", "exit_year")
                 else v) for k, v in self.cols.items()}
        hh_of = np.where(c["person"] >= 0, pop.p_household[np.maximum(c["person"], 0)],
                         c["household"])
        created = {}
        created_at = []
        for s in np.maximum(c["start"], day(IMPORT_DAY)).tolist():
            if s not in created:
                created[s] = local_dt(s, 9, 0)
            created_at.append(created[s])
        return Table(CategoryPeriod, {
            "id": list(range(first_id, first_id + self.n)),
            "category": c["category"],
            "person_id": [None if p < 0 else int(pop.p_ids[p]) for p in c["person"].tolist()],
            "household_id": [None if h < 0 else int(pop.h_ids[h])
                             for h in c["household"].tolist()],
            "region_code": [pop.h_region[h] for h in hh_of.tolist()],
            "start_date": iso(c["start"]),
            "end_date": iso(c["end"]),
            "exit_year": [None if y == 0 else y for y in c["exit_year"].tolist()],
            "source": c["source"],
            "reason": c["reason"],
            "end_reason": c["end_reason"],
            "end_way": c["end_way"],
            "change_request_id": [change_request.get(i) for i in range(self.n)],
            "created_by_id": [created_by.get(i) for i in range(self.n)],
            "created_at": created_at,
        })


def generate_categories(*, rng: np.random.Generator, pop: Population, as_of: dt.date,
                        first_measure_id: int,
                        first_income_id: int) -> Categories:
    today = day(as_of)
    n_h, n = len(pop.h_ids), len(pop.p_ids)
    hh = pop.p_household
    living = pop.h_ended == NONE
    periods = PeriodRows(pop)

    # ---- 建档立卡 2014-2019, 脱贫 2014-2020
    high = np.isin(pop.h_county, list(POOR_RATE_HIGH))
    rate = np.where(pop.h_yanchi, 0.20, np.where(high, 0.16, 0.07))
    poor = np.flatnonzero(rng.random(n_h) < rate)
    id_year = rng.choice(np.arange(2014, 2020), size=len(poor), p=[.7, .1, .08, .06, .04, .02])
    exit_year = np.empty(len(poor), dtype=np.int64)
    for yc in (True, False):
        m = pop.h_yanchi[poor] == yc
        exit_year[m] = rng.choice(np.arange(2014, 2021), size=int(m.sum()), p=EXIT_YEAR_P[yc])
    exit_year = np.maximum(exit_year, id_year)
    y0 = np.array([day(dt.date(y, 1, 1)) for y in range(2014, 2021)])
    start = np.where(id_year == 2014, _between(rng, day(dt.date(2014, 4, 1)),
                                               day(dt.date(2014, 10, 31)), len(poor)),
                     y0[id_year - 2014] + 59 + _between(rng, 0, 273, len(poor)))
    ye = y0[exit_year - 2014] + 364  # ~ 31 Dec
    end = np.minimum(np.maximum(ye - _between(rng, 0, 77, len(poor)), start + 14), ye)
    causes = pick(rng, POOR_CAUSES, len(poor), POOR_CAUSE_P)
    periods.add(Category.REGISTERED_POOR, household=poor, start=start, end=end,
                source="rural_revitalisation",
                reason=[f"{y}年建档立卡识别，主要致贫原因：{c}" for y, c in
                        zip(id_year.tolist(), causes, strict=True)],
                end_reason=[f"{y}年脱贫退出" for y in exit_year.tolist()])
    periods.add(Category.LIFTED_OUT, household=poor, start=end + 1,
                end=np.full(len(poor), NONE), exit_year=exit_year, source="rural_revitalisation",
                reason=[f"{y}年脱贫" for y in exit_year.tolist()])
    ever_poor = np.zeros(n_h, dtype=bool)
    ever_poor[poor] = True

    # ---- monitored households since 2021 (one monitored period at most per household)
    u = rng.random(n_h)
    kind = np.full(n_h, -1)
    kind[living & ever_poor & (u < 0.12)] = 0                       # 脱贫不稳定户
    kind[living & ~ever_poor & (u < 0.022)] = 1                     # 边缘易致贫户
    u2 = rng.random(n_h)
    kind[living & (kind == -1) & (u2 < 0.006)] = 2                  # 突发严重困难户
    mon = np.flatnonzero(kind >= 0)
    cats = [Category.UNSTABLE_LIFTED, Category.MARGINAL, Category.SUDDEN_HARDSHIP]
    k = len(mon)
    early = rng.random(k) < 0.3
    m_start = np.where(early, _between(rng, day(dt.date(2021, 3, 1)), day(dt.date(2021, 12, 31)), k),
                       _between(rng, day(dt.date(2022, 1, 1)), today - 20, k))
    can_clear = (m_start <= today - 200) & pop.h_able[mon]
    cleared = can_clear & (rng.random(k) < 0.55)
    span = np.maximum(np.minimum(today - m_start - 192, 900), 0)
    m_end = np.where(cleared, m_start + 190 + np.floor(rng.random(k) * (span + 1)), NONE)
    m_end = m_end.astype(np.int64)
    natural = rng.random(k) < 0.3
    end_way = ["" if not c else ("natural" if nat else "aided")
               for c, nat in zip(cleared.tolist(), natural.tolist(), strict=True)]
    end_reason = ["" if not c else ("家庭收入自然增长，超过监测范围，风险已消除" if nat else
                                    "落实帮扶措施后收入持续稳定，风险已消除")
                  for c, nat in zip(cleared.tolist(), natural.tolist(), strict=True)]
    risks = pick(rng, RISKS, k, RISK_P)
    prefix = {0: "脱贫不稳定：", 1: "边缘易致贫：家庭人均纯收入低于监测范围，", 2: "突发严重困难："}
    m_reason = [f"{prefix[c]}{r}" for c, r in zip(kind[mon].tolist(), risks, strict=True)]
    m_rows = np.full(k, -1, dtype=np.int64)
    m_cats = [cats[c].value for c in kind[mon].tolist()]
    for c in range(3):
        sel = np.flatnonzero(kind[mon] == c)
        m_rows[sel] = periods.add(
            cats[c], household=mon[sel], start=m_start[sel], end=m_end[sel],
            source="rural_revitalisation", reason=[m_reason[i] for i in sel.tolist()],
            end_reason=[end_reason[i] for i in sel.tolist()],
            end_way=[end_way[i] for i in sel.tolist()])
    monitored_now = np.zeros(n_h, dtype=bool)
    monitored_now[mon[m_end == NONE]] = True

    # ---- support measures of monitored households
    n_meas = np.where(cleared, 1 + rng.binomial(2, 0.4, k),
                      np.where(rng.random(k) < 0.08, 0, 1 + rng.binomial(2, 0.4, k)))
    meas_h = np.repeat(np.arange(k), n_meas)
    last = np.where(m_end == NONE, today, m_end)
    ms = np.minimum(m_start[meas_h] + 3 + np.floor(rng.random(len(meas_h)) * 40).astype(np.int64),
                    last[meas_h])
    first_measure = np.full(k, NONE, dtype=np.int64)
    if len(meas_h):
        order = np.lexsort((ms, meas_h))
        meas_h, ms = meas_h[order], ms[order]
        first_idx = np.r_[0, np.flatnonzero(np.diff(meas_h)) + 1]
        first_measure[meas_h[first_idx]] = ms[first_idx]
    kinds = pick(rng, MEASURE_KINDS, len(meas_h), MEASURE_P)
    pick_u = rng.random(len(meas_h))
    yc = pop.h_yanchi[mon[meas_h]].tolist()
    descr = []
    for kd, uu, y in zip(kinds, pick_u.tolist(), yc, strict=True):
        options = MEASURES[kd] + ([INDUSTRY[y]] if kd == "industry" else [])
        descr.append(options[int(uu * len(options))])
    mh = mon[meas_h]
    measures = Table(SupportMeasure, {
        "id": list(range(first_measure_id, first_measure_id + len(meas_h))),
        "household_id": pop.h_ids[mh].tolist(),
        "region_code": [pop.h_region[h] for h in mh.tolist()],
        "kind": kinds,
        "description": descr,
        "start_date": iso(ms),
        "created_by_id": [None] * len(meas_h),
        "created_at": [local_dt(s, 10, 0) for s in ms.tolist()],
    })

    # ---- 返贫致贫: members of some unstable / sudden-hardship households
    ret = np.flatnonzero((kind[mon] != 1) & (rng.random(k) < 0.10))
    ret_h = np.zeros(n_h, dtype=np.int64) - 1
    ret_h[mon[ret]] = ret
    members = np.flatnonzero(ret_h[hh] >= 0)
    j = ret_h[hh[members]]
    periods.add(Category.RETURNED_TO_POVERTY, person=members, start=m_start[j], end=m_end[j],
                source="rural_revitalisation", reason="监测帮扶中认定为返贫致贫人口",
                end_reason=[end_reason[i] for i in j.tolist()])

    # ---- 低保 and 低保边缘 (whole households, person-level periods)
    p_low = np.where(monitored_now, 0.35, np.where(ever_poor, 0.15, 0.035))
    low = rng.random(n_h) < p_low
    near = ~low & (rng.random(n_h) < 0.01)
    for cat, sel_h, lo, why, src in (
        (Category.MINIMUM_LIVING, low, day(dt.date(2015, 1, 1)), "家庭人均收入低于当地低保标准",
         "civil_affairs"),
        (Category.NEAR_MINIMUM_LIVING, near, day(dt.date(2021, 1, 1)),
         "家庭人均收入低于低保标准的1.5倍，财产状况符合规定", "civil_affairs"),
    ):
        hs = np.flatnonzero(sel_h)
        h_start = _between(rng, lo, today - 30, len(hs))
        room = today - h_start - 181
        h_end = np.where((rng.random(len(hs)) < 0.25) & (room > 0),
                         h_start + 180 + np.floor(rng.random(len(hs)) * np.maximum(room, 1)),
                         NONE).astype(np.int64)
        pos = np.full(n_h, -1)
        pos[hs] = np.arange(len(hs))
        mem = np.flatnonzero((pos[hh] >= 0) & (rng.random(n) < 0.92))
        j = pos[hh[mem]]
        periods.add(cat, person=mem, start=h_start[j], end=h_end[j], source=src, reason=why,
                    end_reason=["家庭收入超过保障标准，停止保障" if e != NONE else ""
                                for e in h_end[j].tolist()])

    # ---- 特困: old people living alone, and people alone who cannot work
    alone = pop.h_size[hh] == 1
    unable = np.isin(pop.p_work, (3, 4))
    p_tk = np.where(alone & (pop.p_age >= 60), 0.3,
                    np.where(alone & (pop.p_age >= 16) & unable, 0.6, 0.0))
    low_person = low[hh]
    tk = np.flatnonzero((rng.random(n) < p_tk) & ~low_person)
    periods.add(Category.EXTREME_POOR, person=tk,
                start=_between(rng, day(dt.date(2012, 1, 1)), today - 30, len(tk)),
                end=np.full(len(tk), NONE), source="civil_affairs",
                reason="无劳动能力、无生活来源、无法定赡养扶养义务人（特困供养）")

    # ---- 因病致贫重病患者, valid 12 months
    p_ill = np.where(monitored_now[hh], 0.05, 0.004)
    ill = np.flatnonzero((rng.random(n) < p_ill) & pop.p_alive)
    ill_start = _between(rng, today - 730, today - 10, len(ill))
    periods.add(Category.ILLNESS_IMPOVERISHED, person=ill, start=ill_start,
                end=add_years_minus_one_day(ill_start), source="medical_insurance",
                reason=[f"患{d}，自付医疗费用超过家庭承受能力"
                        for d in pick(rng, DISEASES, len(ill))],
                end_reason="认定有效期满")

    # ---- last year's income
    year = as_of.year - 1
    h_inc = np.flatnonzero(living)
    members_n = np.maximum(pop.h_alive[h_inc], 1)
    median = np.where(pop.h_yanchi[h_inc], 13_500, 15_000)
    pc = median * np.exp(rng.normal(0, 0.45, len(h_inc)))
    pc = np.where(ever_poor[h_inc], pc * 0.85, pc)
    pc = np.where(low[h_inc], pc * 0.6, pc)
    pc = np.where(monitored_now[h_inc], rng.uniform(5_000, 9_000, len(h_inc)), pc)
    total_fen = (np.rint(pc * members_n) * 100).astype(np.int64)
    per_capita = (2 * total_fen + members_n) // (2 * members_n)
    incomes = Table(HouseholdIncome, {
        "id": list(range(first_income_id, first_income_id + len(h_inc))),
        "household_id": pop.h_ids[h_inc].tolist(),
        "year": [year] * len(h_inc),
        "total_fen": total_fen.tolist(),
        "members": members_n.tolist(),
        "per_capita_fen": per_capita.tolist(),
        "source": ["演示数据"] * len(h_inc),
    })
    monitoring = Monitoring(household=mon, category=m_cats, start=m_start, end=m_end,
                            end_way=end_way, row=m_rows, first_measure=first_measure)
    return Categories(periods=periods, measures=measures, incomes=incomes,
                      monitoring=monitoring, monitored_now=monitored_now)
