"""A generated registry and a list with known truth, for the linkage benchmark and its tests.

Names come from the demo's Faker (zh_CN) pools (`jkfp.demo.pools`, seeded) composed as the demo
does; ID numbers are well formed (GB 11643 check character), unique, coded by county, birth
date and sex. The list holds persons of the registry and some new ones, with its errors drawn
at the given rates:
- corrupted ID numbers: a wrong check character, one wrong digit, two adjacent digits
  swapped, or the ID missing (each a quarter);
- names with a typo: half a homophone (a character of the same pinyin), half another character;
- a few birth dates with two digits swapped, a few regions given only to the township.
Everything is drawn from NumPy's Generator with the seed: the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import polars as pl
from pypinyin import lazy_pinyin

from jkfp.demo.pools import draw_pools

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))
COUNTIES = ("140403", "140404", "140405", "140406", "140423", "140425", "140426", "140427",
            "140428", "140429", "140430", "140431", "640323")  # fmt: skip


def check_chars(first17: np.ndarray) -> np.ndarray:
    """Check characters of an (n, 17) array of digits."""
    return CHECK[(first17 * WEIGHTS).sum(axis=1) % 11]


def _villages(rng: np.random.Generator, n: int) -> np.ndarray:
    codes = []
    for county in COUNTIES:
        for t in range(12):
            town = f"{county}{100 + t:03d}"
            codes += [f"{town}{200 + v:03d}" for v in range(max(1, n // 12 // 12 // 40 + 1))]
    return np.array(codes)


def _names(rng: np.random.Generator, pools, male: np.ndarray) -> np.ndarray:
    n = len(male)
    surnames = np.array(pools.surnames, dtype=object)[rng.integers(len(pools.surnames), size=n)]
    mg, fg = np.array(pools.male_given, dtype=object), np.array(pools.female_given, dtype=object)
    mc, fc = np.array(pools.male_chars, dtype=object), np.array(pools.female_chars, dtype=object)
    given = np.where(male, mg[rng.integers(len(mg), size=n)], fg[rng.integers(len(fg), size=n)])
    c1 = np.where(male, mc[rng.integers(len(mc), size=n)], fc[rng.integers(len(fc), size=n)])
    c2 = np.where(male, mc[rng.integers(len(mc), size=n)], fc[rng.integers(len(fc), size=n)])
    style = rng.random(n)
    given = np.where(style < 0.18, c1, given)
    given = np.where(style >= 0.55, c1 + c2, given)
    return surnames + given


def _digits(ids: np.ndarray) -> np.ndarray:
    return np.frombuffer("".join(ids).encode(), dtype=np.uint8).reshape(len(ids), 18)


def population(rng: np.random.Generator, n: int, pools) -> pl.DataFrame:
    """n persons with unique, valid ID numbers."""
    villages = _villages(rng, n)
    region = villages[rng.integers(len(villages), size=n)]
    male = rng.random(n) < 0.5
    start = dt.date(1930, 1, 1).toordinal()
    birth = start + rng.integers(0, dt.date(2020, 12, 31).toordinal() - start, size=n)
    frame = pl.DataFrame(
        {
            "region_code": region,
            "male": male,
            "birth_date": [dt.date.fromordinal(int(b)) for b in birth],
            "name": _names(rng, pools, male),
            "offset": rng.integers(0, 400, size=n),
        }
    )
    # sequence: unique within (county, birth date); odd for men, even for women
    frame = frame.with_columns(
        k=pl.int_range(pl.len()).over(pl.col("region_code").str.slice(0, 6), "birth_date", "male")
    ).with_columns(
        seq=(pl.col("offset") + pl.col("k")) * 2 + pl.when(pl.col("male")).then(1).otherwise(2)
    )
    first17 = frame.select(
        pl.col("region_code").str.slice(0, 6)
        + pl.col("birth_date").dt.strftime("%Y%m%d")
        + pl.col("seq").cast(pl.String).str.zfill(3)
    ).to_series()
    digits = _digits((first17 + "0").to_numpy().astype(str))[:, :17] - ord("0")
    ids = first17 + pl.Series(check_chars(digits))
    return frame.select(
        pl.Series("id_number", ids),
        "name",
        "birth_date",
        pl.when("male").then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
        "region_code",
    )


def _homophones(pools) -> dict[str, list[str]]:
    chars = sorted(set(pools.male_chars) | set(pools.female_chars) | set("".join(pools.surnames)))
    by_sound = defaultdict(list)
    for c, p in zip(chars, lazy_pinyin(chars), strict=True):
        by_sound[p].append(c)
    return {
        c: [o for o in by_sound[p] if o != c]
        for c, p in zip(chars, lazy_pinyin(chars), strict=True)
    }


def _typo(rng, name: str, homophones: dict, alphabet: list[str], sound: bool) -> str:
    i = int(rng.integers(1, len(name))) if len(name) > 1 else 0
    options = homophones.get(name[i], []) if sound else []
    new = (
        options[int(rng.integers(len(options)))]
        if options
        else alphabet[int(rng.integers(len(alphabet)))]
    )
    return name[:i] + new + name[i + 1 :]


def _corrupt_id(rng, ident: str) -> str | None:
    kind = rng.integers(4)
    if kind == 0:  # wrong check character
        return (
            ident[:17] + "10X98765432"[("10X98765432".index(ident[17]) + 1 + rng.integers(10)) % 11]
        )
    if kind == 1:  # one wrong digit
        i = int(rng.integers(17))
        return ident[:i] + str((int(ident[i]) + 1 + rng.integers(9)) % 10) + ident[i + 1 :]
    if kind == 2:  # two adjacent digits swapped (different ones)
        for _ in range(10):
            i = int(rng.integers(16))
            if ident[i] != ident[i + 1]:
                return ident[:i] + ident[i + 1] + ident[i] + ident[i + 2 :]
    return None


def is_valid(ident: str | None) -> bool:
    if ident is None or len(ident) != 18 or not ident[:17].isdigit():
        return False
    return str(check_chars(np.array([[int(c) for c in ident[:17]]]))[0]) == ident[17]


def dataset(
    *,
    persons: int,
    rows: int,
    seed: int = 1,
    bad_ids: float = 0.05,
    typos: float = 0.03,
    new_share: float = 0.02,
    swapped_dates: float = 0.01,
    township_only: float = 0.05,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(registry, incoming); incoming has the extra column ``truth`` (person_id or null)."""
    rng = np.random.default_rng(seed)
    pools = draw_pools(seed)
    n_new = int(rows * new_share)
    everyone = population(rng, persons + n_new, pools).unique(
        "id_number", keep="first", maintain_order=True
    )
    everyone = everyone.with_columns(person_id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    registry = everyone.head(persons)
    newcomers = everyone.slice(persons)
    picked = rng.choice(
        registry.height, size=min(rows - newcomers.height, registry.height), replace=False
    )
    listed = pl.concat([registry[np.sort(picked)], newcomers])
    listed = listed.with_columns(truth=pl.when(pl.col("person_id") <= persons).then("person_id"))
    listed = listed[rng.permutation(listed.height)]
    homophones, alphabet = (
        _homophones(pools),
        sorted(set(pools.male_chars) | set(pools.female_chars)),
    )
    ids, names, births, regions = [], [], [], []
    draws = rng.random((listed.height, 4))
    for k, (ident, name, birth, region) in enumerate(
        listed.select("id_number", "name", "birth_date", "region_code").iter_rows()
    ):
        ids.append(_corrupt_id(rng, ident) if draws[k, 0] < bad_ids else ident)
        names.append(
            _typo(rng, name, homophones, alphabet, rng.random() < 0.5)
            if draws[k, 1] < typos
            else name
        )
        if draws[k, 2] < swapped_dates:
            s = birth.strftime("%Y%m%d")
            i = int(rng.integers(4, 7))
            s = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
            try:
                birth = dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
            except ValueError:
                pass
        births.append(birth)
        regions.append(region[:9] if draws[k, 3] < township_only else region)
    incoming = pl.DataFrame(
        {
            "row": np.arange(2, listed.height + 2),
            "id_number": pl.Series(ids, dtype=pl.String),
            "id_valid": [is_valid(i) for i in ids],
            "name": names,
            "birth_date": births,
            "sex": listed.get_column("sex"),
            "region_code": regions,
            "truth": listed.get_column("truth"),
        }
    )
    return registry.select(
        "person_id", "id_number", "name", "birth_date", "sex", "region_code"
    ), incoming
