"""The demo's yearly contracts and follow-up visits (`health.py` says how)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.contracts.models import (
    Contract,
    FollowUp,
    ServiceDelivery,
)

from .health_data import (
    DM,
    HT,
    NOTE_OF,
    SMD,
    TB,
    K,
    _age_at,
    _age_on,
    _between,
    _creators,
    _draw,
    _Eligibility,
    _Ids,
)
from .health_teams import _Registrations, _Teams
from .population import Population
from .tables import NONE, Table, day, iso, local_dts, to_date


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
