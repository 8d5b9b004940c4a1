"""Households and persons of the demo population, vectorised with NumPy.

Households of 1-7 members (mode 3-4) made from templates (head, spouse, children, parents, a
married child with grandchildren, grandparents with left-behind grandchildren, ...), ages
consistent inside each household, names from the Faker pools, valid 18-character ID numbers
with the household's county code — or, for people born before the 2019 reform in 长治's new
districts, the historical code of their county (aliases.csv) — and birth date and sex encoded
as GB 11643 says. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jkfp.registry.idnumber import CHECK_CHARS, WEIGHTS
from jkfp.registry.models import Household, Person, Relation, WorkAbility

from .pools import Pools
from .regions import YANCHI, Village
from .tables import NONE, Table, day, iso, local_dt, local_dts, ymd

# Share of households in 盐池县; the rest live in 长治市. Real populations differ twenty-fold;
# the demo keeps both regions well represented.
YANCHI_SHARE = 0.30
SIZE_P = np.array([0.10, 0.18, 0.24, 0.24, 0.14, 0.07, 0.03])  # sizes 1..7, mean ≈ 3.5
# Relation codes of the templates.
H, S, C, L, G, P, B = range(7)
RELATIONS = [Relation.HEAD, Relation.SPOUSE, Relation.CHILD, Relation.CHILD_IN_LAW,
             Relation.GRANDCHILD, Relation.PARENT, Relation.SIBLING]
_LETTER = {"H": H, "S": S, "C": C, "L": L, "G": G, "P": P, "B": B}
# size: [(probability, members, head age range, probability of a female head)]
TEMPLATES: dict[int, list[tuple[float, str, tuple[int, int], float]]] = {
    1: [(1.0, "H", (35, 88), 0.35)],
    2: [(0.62, "HS", (45, 82), 0.05), (0.28, "HC", (38, 80), 0.35), (0.05, "HP", (25, 50), 0.2),
        (0.05, "HB", (30, 70), 0.2)],
    3: [(0.72, "HSC", (24, 58), 0.08), (0.10, "HCC", (30, 60), 0.4), (0.12, "HSP", (25, 50), 0.08),
        (0.06, "HSG", (55, 75), 0.05)],
    4: [(0.55, "HSCC", (28, 55), 0.08), (0.25, "HSCP", (28, 52), 0.08), (0.12, "HSGG", (55, 75), 0.05),
        (0.08, "HSCL", (48, 70), 0.05)],
    5: [(0.35, "HSCCP", (28, 52), 0.08), (0.20, "HSCCC", (32, 55), 0.08),
        (0.35, "HSCLG", (50, 75), 0.05), (0.10, "HSCPP", (26, 48), 0.08)],
    6: [(0.40, "HSCCPP", (28, 50), 0.08), (0.45, "HSCLGG", (50, 76), 0.05),
        (0.15, "HSCCCP", (32, 54), 0.08)],
    7: [(0.50, "HSCLGGG", (52, 78), 0.05), (0.30, "HSCCCPP", (30, 50), 0.08),
        (0.20, "HSCCLGG", (52, 76), 0.05)],
}
# 长治's districts formed in 2019 and the codes their people's IDs still carry (aliases.csv).
HISTORICAL = {140403: (140402, 140411), 140404: (140421,), 140405: (140424,), 140406: (140481,)}
HISTORICAL_SHARE = 0.75  # of those born before 2019 in these districts
PHONE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153,
                           155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182,
                           183, 184, 185, 186, 187, 188, 189, 191, 198, 199])
WORK = [WorkAbility.ABLE, WorkAbility.SKILLED, WorkAbility.WEAK, WorkAbility.UNABLE,
        WorkAbility.NONE]
ABLE_CODES = (0, 1, 2)
# System start: households and persons of the demo were entered on this day.
IMPORT_DAY = dt.date(2021, 1, 4)


@dataclass
class Population:
    households: Table
    persons: Table
    # household level (length H)
    h_village: np.ndarray        # index into villages
    h_region: list[str]          # village code
    h_yanchi: np.ndarray         # bool
    h_county: np.ndarray         # int county code
    h_size: np.ndarray
    h_alive: np.ndarray          # alive members
    h_able: np.ndarray           # bool: an alive member able to work
    h_ended: np.ndarray          # day number or NONE
    h_head: np.ndarray           # person index of the head
    h_ids: np.ndarray
    # person level (length N)
    p_household: np.ndarray
    p_relation: np.ndarray
    p_age: np.ndarray
    p_birth: np.ndarray
    p_male: np.ndarray
    p_alive: np.ndarray
    p_death: np.ndarray          # day number or NONE
    p_work: np.ndarray           # index into WORK
    p_names: list[str]
    p_ids: np.ndarray
    villages: list[Village]


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    sizes = np.empty(0, dtype=np.int64)
    while sizes.sum() < n:
        more = rng.choice(np.arange(1, 8), size=int(n / 3.4) + 16, p=SIZE_P)
        sizes = np.concatenate([sizes, more])
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, n))
    sizes = sizes[: k + 1].copy()
    sizes[k] -= cs[k] - n
    return sizes


def _templates():
    flat = [(size, *t) for size in sorted(TEMPLATES) for t in TEMPLATES[size]]
    mat = np.full((len(flat), 7), -1, dtype=np.int64)
    for i, (_, _, members, _, _) in enumerate(flat):
        mat[i, : len(members)] = [_LETTER[c] for c in members]
    lo = np.array([t[3][0] for t in flat])
    hi = np.array([t[3][1] for t in flat])
    female_head = np.array([t[4] for t in flat])
    threegen = np.array([("L" in t[2] or "G" in t[2]) for t in flat])
    nparents = np.array([t[2].count("P") for t in flat])
    return flat, mat, lo, hi, female_head, threegen, nparents


def _names(rng, pools: Pools, male: np.ndarray, surnames: np.ndarray) -> list[str]:
    n = len(male)
    style = rng.random(n)
    given = np.empty(n, dtype=object)
    mg, fg = np.array(pools.male_given, dtype=object), np.array(pools.female_given, dtype=object)
    mc, fc = np.array(pools.male_chars, dtype=object), np.array(pools.female_chars, dtype=object)
    faker_given = np.where(male, mg[rng.integers(len(mg), size=n)], fg[rng.integers(len(fg), size=n)])
    c1 = np.where(male, mc[rng.integers(len(mc), size=n)], fc[rng.integers(len(fc), size=n)])
    c2 = np.where(male, mc[rng.integers(len(mc), size=n)], fc[rng.integers(len(fc), size=n)])
    given[:] = faker_given
    single = style < 0.18
    given[single] = c1[single]
    composed = style >= 0.55
    given[composed] = c1[composed] + c2[composed]
    return (surnames + given).tolist()


def generate_population(*, rng: np.random.Generator, pools: Pools, villages: list[Village],
                        persons: int, as_of: dt.date, first_household_id: int,
                        first_person_id: int) -> Population:
    n_target = persons
    today = day(as_of)
    sizes = _household_sizes(rng, n_target)
    n_h = len(sizes)

    # villages: 盐池 gets YANCHI_SHARE of households; inside each region, villages have
    # gamma-distributed weights (roughly proportional, some bigger, some smaller)
    yc_villages = np.array([v.code.startswith(YANCHI) for v in villages])
    weight = rng.gamma(3.0, 1.0, size=len(villages))
    in_yc = rng.random(n_h) < YANCHI_SHARE
    vidx = np.empty(n_h, dtype=np.int64)
    for mask, sel in ((in_yc, yc_villages), (~in_yc, ~yc_villages)):
        cand = np.flatnonzero(sel)
        w = weight[cand] / weight[cand].sum()
        vidx[mask] = cand[rng.choice(len(cand), size=int(mask.sum()), p=w)]
    order = np.argsort(vidx, kind="stable")
    vidx, sizes = vidx[order], sizes[order]
    codes = np.array([v.code for v in villages])
    h_region = codes[vidx]
    h_yanchi = yc_villages[vidx]
    h_county = np.array([int(v.code[:6]) for v in villages])[vidx]
    starts = np.r_[0, np.flatnonzero(np.diff(vidx)) + 1]
    serial = np.arange(n_h) - np.repeat(starts, np.diff(np.r_[starts, n_h])) + 1

    # household templates and members
    flat, mat, lo, hi, female_head, threegen, nparents = _templates()
    tpl = np.empty(n_h, dtype=np.int64)
    for size in range(1, 8):
        ids = [i for i, t in enumerate(flat) if t[0] == size]
        m = sizes == size
        tpl[m] = np.asarray(ids)[rng.choice(len(ids), size=int(m.sum()),
                                            p=[flat[i][1] for i in ids])]
    members = mat[tpl]
    mask = members >= 0
    rel = members[mask]
    hh = np.repeat(np.arange(n_h), sizes)
    n = len(rel)
    assert n == n_target

    head_age = rng.integers(lo[tpl], hi[tpl] + 1)
    head_male = rng.random(n_h) >= female_head[tpl]
    cil_female = rng.random(n_h) < 0.85
    # the married child's generation in three-generation households: the first child and the
    # child-in-law are about that age, grandchildren at least 20 years younger
    married_age = head_age - 22 - rng.integers(0, 6, size=n_h)
    ha = head_age[hh]
    ma = married_age[hh]
    u = rng.random(n)
    three = threegen[tpl][hh]
    prev = np.r_[-1, rel[:-1]]
    first_child = (rel == C) & (prev != C)
    age = ha.copy()
    spouse_age = np.clip(ha + np.rint(rng.normal(-2, 3, n)).astype(np.int64), 18, 99)
    child_span = np.maximum(np.minimum(20, ha - 20), 0)
    child_age = np.where(three & first_child, ma,
                         np.where(three, ma - np.floor(u * 10),
                                  ha - 20 - np.floor(u * (child_span + 1)))).astype(np.int64)
    age = np.where(rel == S, spouse_age, age)
    age = np.where(rel == C, np.maximum(child_age, 0), age)
    cil_age = np.clip(ma + np.rint(rng.normal(-1, 2, n)).astype(np.int64), ma - 3, ma + 3)
    age = np.where(rel == L, np.maximum(cil_age, 20), age)
    g_span = np.maximum(np.minimum(14, ma - 22), 0)
    age = np.where(rel == G, np.maximum(ma - 22 - np.floor(u * (g_span + 1)).astype(np.int64), 0),
                   age)
    age = np.where(rel == P, np.minimum(ha + 20 + np.floor(u * 17).astype(np.int64), 99), age)
    age = np.where(rel == B, np.clip(ha - 10 + np.floor(u * 21).astype(np.int64), 16, 99), age)
    birth = today - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64)

    # sexes
    u2 = rng.random(n)
    hm = head_male[hh]
    first_parent = (rel == P) & (prev != P)
    male = np.select(
        [rel == H, rel == S, rel == C, rel == L, rel == G, rel == P],
        [hm, ~hm, u2 < 0.52, ~cil_female[hh], u2 < 0.51,
         np.where(nparents[tpl][hh] == 2, first_parent, u2 < 0.35)],
        default=u2 < 0.5,
    )

    # surnames: children take the father's, a daughter-in-law keeps hers
    pool = np.array(pools.surnames, dtype=object)
    def draw(k):
        return pool[rng.integers(len(pool), size=k)]
    s_head, s_spouse, s_late, s_cil, s_mother = (draw(n_h) for _ in range(5))
    surname_ma = rng.random(n_h) < 0.05
    s_head[h_yanchi & surname_ma] = "马"   # a common surname in Ningxia
    has_spouse = (members == S).any(axis=1)
    s_child = np.where(head_male, s_head, np.where(has_spouse, s_spouse, s_late))
    s_grand = np.where(cil_female, s_child, s_cil)
    surname = np.select(
        [rel == H, rel == S, rel == C, rel == L, rel == G, (rel == P) & male, rel == P],
        [s_head[hh], s_spouse[hh], s_child[hh], s_cil[hh], s_grand[hh], s_head[hh],
         s_mother[hh]],
        default=s_head[hh],
    )
    names = _names(rng, pools, male, surname)

    # ID numbers: address code of issue + birth date + sequence (odd = male) + check
    county = h_county[hh]
    addr = county.copy()
    by, bm, bd = ymd(birth)
    old = (by <= 2018) & (rng.random(n) < HISTORICAL_SHARE)
    for new, olds in HISTORICAL.items():
        m = old & (county == new)
        addr[m] = np.asarray(olds)[rng.integers(len(olds), size=int(m.sum()))]
    seq = 2 * rng.integers(0, 500, size=n) + male.astype(np.int64)
    while True:
        key = (addr * 100_000 + (birth + 50_000)) * 1000 + seq
        _, first = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        seq[dup] = 2 * rng.integers(0, 500, size=int(dup.sum())) + male[dup].astype(np.int64)
    first17 = addr * 10**11 + (by * 10_000 + bm * 100 + bd) * 1000 + seq
    total = np.zeros(n, dtype=np.int64)
    rest = first17.copy()
    for w in reversed(WEIGHTS):
        total += (rest % 10) * w
        rest //= 10
    checks = np.array(list(CHECK_CHARS))[total % 11]
    id_numbers = [f"{v:017d}{c}" for v, c in zip(first17.tolist(), checks.tolist(), strict=True)]

    # phones for some adults
    adult = (age >= 18) & (age <= 75)
    has_phone = adult & (rng.random(n) < np.where(rel == H, 0.8, 0.45))
    phone_num = (PHONE_PREFIXES[rng.integers(len(PHONE_PREFIXES), size=n)] * 10**8
                 + rng.integers(0, 10**8, size=n))
    phones = [f"{v}" if h else "" for v, h in zip(phone_num.tolist(), has_phone.tolist(),
                                                  strict=True)]

    # work ability by age band
    u4 = rng.random(n)
    work = np.select(
        [age < 16, age < 60, age < 70],
        [np.full(n, 4),
         np.searchsorted([0.70, 0.82, 0.92, 1.0], u4, side="right"),
         np.array([0, 2, 3, 4])[np.searchsorted([0.25, 0.70, 0.85, 1.0], u4, side="right")]],
        default=np.array([2, 3, 4])[np.searchsorted([0.15, 0.40, 1.0], u4, side="right")],
    )
    work = np.minimum(work, 4)

    # deaths since 2021, mostly of the old
    p_die = np.select([age < 60, age < 75], [0.002, 0.02], default=0.08)
    dead = rng.random(n) < p_die
    lo_d = np.maximum(birth + 1, day(dt.date(2021, 1, 1)))
    death = np.where(dead, lo_d + np.floor(rng.random(n) * np.maximum(today - lo_d, 1)), NONE)
    death = death.astype(np.int64)
    alive = ~dead

    # household aggregates
    h_alive = np.bincount(hh, weights=alive, minlength=n_h).astype(np.int64)
    able = alive & np.isin(work, ABLE_CODES)
    h_able = np.bincount(hh, weights=able, minlength=n_h) > 0
    last_death = np.full(n_h, NONE, dtype=np.int64)
    np.maximum.at(last_death, hh, death)
    h_ended = np.where(h_alive == 0, last_death, NONE)
    heads = np.flatnonzero(rel == H)
    assert len(heads) == n_h

    h_ids = np.arange(first_household_id, first_household_id + n_h)
    p_ids = np.arange(first_person_id, first_person_id + n)
    created = local_dt(day(IMPORT_DAY), 9, 0)
    p_created = local_dts(np.maximum(birth, day(IMPORT_DAY)))  # babies are registered at birth

    addresses = []
    group = rng.integers(1, 9, size=n_h).tolist()
    number = rng.integers(1, 120, size=n_h).tolist()
    for i, vi in enumerate(vidx.tolist()):
        v = villages[vi]
        if v.name.endswith("社区"):
            addresses.append(f"{v.township_name}{v.name}{number[i]}号院{group[i]}单元")
        else:
            addresses.append(f"{v.township_name}{v.name}{group[i]}组{number[i]}号")
    region_list = h_region.tolist()
    ended_iso = iso(h_ended)
    households = Table(Household, {
        "id": h_ids.tolist(),
        "household_number": [f"{c}{s:05d}" for c, s in zip(region_list, serial.tolist(),
                                                          strict=True)],
        "village_id": region_list,
        "region_code": region_list,
        "address": addresses,
        "head_id": p_ids[heads].tolist(),
        "ended_on": ended_iso,
        "end_reason": ["户内成员均已死亡" if e else "" for e in ended_iso],
        "version": [1] * n_h,
        "created_at": [created] * n_h,
        "updated_at": [created] * n_h,
    })
    p_region = h_region[hh].tolist()
    persons_t = Table(Person, {
        "id": p_ids.tolist(),
        "id_number": id_numbers,
        "id_rev": [s[::-1] for s in id_numbers],
        "name": names,
        "sex": np.array(["F", "M"], dtype=object)[male.astype(np.int64)].tolist(),
        "birth_date": iso(birth),
        "phone": phones,
        "household_id": h_ids[hh].tolist(),
        "relation": np.array([r.value for r in RELATIONS], dtype=object)[rel].tolist(),
        "region_code": p_region,
        "work_ability": np.array([w.value for w in WORK], dtype=object)[work].tolist(),
        "alive": alive.tolist(),
        "death_date": iso(death),
        "version": [1] * n,
        "created_at": p_created,
        "updated_at": p_created,
    })
    return Population(
        households=households, persons=persons_t, h_village=vidx, h_region=region_list,
        h_yanchi=h_yanchi, h_county=h_county, h_size=sizes, h_alive=h_alive, h_able=h_able,
        h_ended=h_ended, h_head=heads, h_ids=h_ids, p_household=hh, p_relation=rel, p_age=age,
        p_birth=birth, p_male=male, p_alive=alive, p_death=death, p_work=work, p_names=names,
        p_ids=p_ids, villages=villages,
    )
