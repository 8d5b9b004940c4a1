"""The demo's family-doctor teams and chronic registrations (`health.py` says how)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.contracts.models import (
    Team,
    TeamMember,
    TeamVillage,
)
from jkfp.health.models import ChronicRegistration
from jkfp.regions.codes import township_kind

from .health_data import (
    AGE_EDGES,
    CHRONIC_CODES,
    CHRONIC_FROM,
    CHRONIC_ICD10,
    CHRONIC_ICD10_P,
    DM,
    DM_P,
    HT_P,
    POOR_FACTOR,
    SMD,
    SMD_P,
    TB,
    TB_P,
    _between,
    _creators,
    _draw,
    _Ids,
)
from .pools import Pools
from .population import IMPORT_DAY, Population, _names
from .regions import CHANGZHI, YANCHI
from .requests import Actor
from .stays import CITY, _hospital_names
from .tables import NONE, Table, day, iso, local_dts


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
