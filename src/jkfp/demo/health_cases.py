"""The demo's 两癌 screening and special-treatment cases (`health.py` says how)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.health.models import SpecialCase, SpecialCaseStep
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult

from .health_data import (
    CANCER_OF,
    CANCER_PLAN,
    CASE_GROUPS,
    CHRONIC_ICD10,
    CLOSE_WHY,
    DISEASE_CODES,
    DM,
    FINDING,
    OTHER_DIAGNOSES,
    PLANS,
    _age_at,
    _age_on,
    _between,
    _creators,
    _draw,
    _Eligibility,
    _Ids,
)
from .health_teams import _Registrations
from .population import Population
from .regions import CHANGZHI, YANCHI
from .stays import CITY, PROVINCE
from .tables import NONE, Table, day, iso, local_dts


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
