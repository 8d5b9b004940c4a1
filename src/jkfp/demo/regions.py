"""Generated divisions of the demo: the townships of 长治市 and the villages of both regions.

Only the county lists and the township counts are real (regions/data). Township codes follow
the statistics bureau's scheme (county + 100.. for 镇, 200.. for 乡); village codes are the
township code + 201.. (村) or 001.. for the communities (社区) of a 街道. Names are generated from
Faker place syllables and landform words and are labelled as generated (is_generated=True, “演示”).
The result depends only on the seed and the bundled data files, not on the database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from jkfp.regions.codes import township_kind
from jkfp.regions.services import DATA_DIR

from .pools import DIRECTIONS, LANDFORMS, Pools

YANCHI = "640323"
CHANGZHI = "1404"


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township_name: str


@dataclass(frozen=True)
class DemoRegions:
    rows: list[dict]              # generated rows for region_load_rows (townships, then villages)
    villages: list[Village]       # every village of both regions, ordered by code


def _read_csv(name: str) -> list[dict]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _unique_name(rng: np.random.Generator, make, taken: set[str]) -> str:
    for _ in range(200):
        name = make()
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("demo: cannot find a unique region name")  # pragma: no cover


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def generate_regions(*, pools: Pools, rng: np.random.Generator) -> DemoRegions:
    divisions = _read_csv("divisions.csv")
    yanchi_townships = [(r["code"], r["name"]) for r in divisions
                        if r["level"] == "township" and r["parent"] == YANCHI]
    rows: list[dict] = []
    source = "演示数据生成（jkfp demo_data），非官方区划"

    def township_name(suffix: str, taken: set[str]) -> str:
        def make() -> str:
            if rng.random() < 0.5:
                return _pick(rng, pools.place_words) + suffix
            return _pick(rng, pools.place_syllables) + _pick(rng, LANDFORMS)[0] + suffix
        return _unique_name(rng, make, taken)

    townships: list[tuple[str, str]] = []
    for r in _read_csv("changzhi_township_counts.csv"):
        county, n = r["county"], int(r["townships"])
        n_zhen = round(n * rng.uniform(0.4, 0.75))
        taken: set[str] = set()
        for i in range(n):
            if i < n_zhen:
                code, suffix = f"{county}{100 + i:03d}", "镇"
            else:
                code, suffix = f"{county}{200 + i - n_zhen:03d}", "乡"
            name = township_name(suffix, taken)
            rows.append({"code": code, "name": name, "level": "township", "parent": county,
                         "source": source})
            townships.append((code, name))
    townships += yanchi_townships
    townships.sort()

    villages: list[Village] = []
    for code, tname in townships:
        taken = set()
        street = township_kind(code) == "街道"
        if street:
            n, first, suffix = int(rng.integers(4, 9)), 1, "社区"
        elif code.startswith(YANCHI):
            n, first, suffix = int(rng.integers(9, 17)), 201, "村"
        else:
            n, first, suffix = int(rng.integers(6, 15)), 201, "村"

        def make(street=street, suffix=suffix) -> str:
            if street:
                return _pick(rng, pools.place_words) + suffix
            u = rng.random()
            if u < 0.35:
                return _pick(rng, pools.surnames) + "家" + _pick(rng, LANDFORMS) + suffix
            if u < 0.7:
                return _pick(rng, pools.place_syllables) + _pick(rng, LANDFORMS) + suffix
            if u < 0.85:
                return (_pick(rng, DIRECTIONS) + _pick(rng, pools.place_syllables)
                        + _pick(rng, LANDFORMS) + suffix)
            return _pick(rng, pools.place_words) + suffix

        for i in range(n):
            vcode = f"{code}{first + i:03d}"
            name = _unique_name(rng, make, taken)
            rows.append({"code": vcode, "name": name, "level": "village", "parent": code,
                         "source": source})
            villages.append(Village(code=vcode, name=name, township_name=tname))
    villages.sort(key=lambda v: v.code)
    return DemoRegions(rows=rows, villages=villages)
