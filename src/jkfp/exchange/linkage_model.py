"""The Fellegi-Sunter model of linkage: comparisons, blocking, training and scoring (splink, DuckDB).

How the parameters are found (docs/architecture.md decision 47):
- u (how often a level occurs between two different people) by splink's random sampling of
  pairs of their list against our registry, with a fixed seed;
- m (how often it occurs between a record and its own person) from the pairs that the ID
  number already linked exactly: a department's exact-ID rows show how often it misspells a
  name or a birth date, without anyone labelling pairs. The ID comparison itself cannot be
  learnt from them (they all agree on the ID), so its m are fixed defaults;
- the prior (probability that two random records match) from the share of their valid IDs
  that we hold.
Each estimate is blended with the defaults below in proportion to the pairs it rests on, so
a list of twenty rows is scored by the defaults and a list of a million by its own data.

The defaults are example values (``EXAMPLE`` below), not from a department's real lists: the
values learnt on bench/bench_linkage.py's generated data (1,000,000 persons and a list of as
many, seed 1), rounded; where that run saw no pair at a level (a totally different name or a
different sex among the exact-ID pairs; the m of the ID comparison) the value is a guess.
"""

from __future__ import annotations

import logging
import math
import tempfile
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import duckdb

EXAMPLE = True  # the defaults are example values, see the module docstring
SEED = 20260101
U_MAX_PAIRS = 1_000_000
U_PSEUDO_PAIRS = 20_000  # weight of the default u against the pairs sampled
M_PSEUDO_PAIRS = 200  # weight of the default m against the exact-ID pairs
M_MAX_LABELS = 50_000  # exact-ID pairs used to learn m (a deterministic sample)
U_MAX_OURS = 200_000  # our persons sampled for u (every k-th by person_id)
TF_MIN_REGISTRY = 20_000  # below this, name frequencies are too few to adjust on
DUCKDB_MEMORY = "800MB"  # DuckDB spills to the temporary directory beyond this
NEW_ROW_PRIOR = 0.05  # chance that a valid ID we do not hold is one of ours (example)

# (label, SQL condition, default m, default u); the first level of each is the null level.
COMPARISONS: dict[str, list[tuple[str, str, float, float]]] = {
    "name": [
        ("null", "name_l IS NULL OR name_r IS NULL", 0, 0),
        ("exact", "name_l = name_r", 0.955, 0.00008),
        ("homophone", "pinyin_l = pinyin_r", 0.0125, 0.00006),
        ("one character", "levenshtein(name_l, name_r) <= 1", 0.017, 0.009),
        ("pinyin close", "levenshtein(pinyin_l, pinyin_r) <= 2", 0.01, 0.0017),
        ("else", "ELSE", 0.0055, 0.98916),
    ],
    "dob": [
        ("null", "dob_l IS NULL OR dob_r IS NULL", 0, 0),
        ("exact", "dob_l = dob_r", 0.985, 0.000025),
        ("one digit or swap", "hamming(dob_l, dob_r) <= 2", 0.005, 0.012),
        ("else", "ELSE", 0.01, 0.987975),
    ],
    "sex": [
        ("null", "sex_l IS NULL OR sex_r IS NULL", 0, 0),
        ("exact", "sex_l = sex_r", 0.98, 0.5),
        ("else", "ELSE", 0.02, 0.5),
    ],
    "region": [
        ("null", "region_code_l IS NULL OR region_code_r IS NULL", 0, 0),
        ("village", "length(region_code_l) = 12 AND region_code_l = region_code_r", 0.885, 0.00007),
        ("township", "township_l = township_r", 0.047, 0.007),
        ("county", "county_l = county_r", 0.048, 0.073),
        ("else", "ELSE", 0.02, 0.91993),
    ],
    # The ID repeats the county and the birth date, which the other comparisons already weigh:
    # its u is counted on pairs of our persons born the same day (CONDITIONAL_U), where two
    # people of one county differ only in the sequence and the check character.
    "id": [
        ("null", "id_number_l IS NULL OR id_number_r IS NULL", 0, 0),
        ("check digit", "id17_l = id17_r", 0.3, 1e-7),
        # a digit mistyped or two swapped outside the sequence: sequence and check as ours
        (
            "date or county digit",
            "hamming(id_number_l, id_number_r) <= 2 AND right(id_number_l, 4) = right(id_number_r, 4)",
            0.45,
            0.000025,
        ),
        # within the sequence: the check character is still ours
        (
            "sequence digit",
            "hamming(id_number_l, id_number_r) <= 2 AND right(id_number_l, 1) = right(id_number_r, 1)",
            0.1,
            0.003,
        ),
        ("else", "ELSE", 0.15, 0.9969749),
    ],
}
FIXED_M = {"id"}  # not learnt from exact-ID pairs (they all agree on the ID)
CONDITIONAL_U = {"id": "dob"}
PAIRS = {
    "row": pl.Int64,
    "person_id": pl.Int64,
    "pair_score": pl.Float64,
    "score": pl.Float64,
}  # u counted on pairs of ours that agree on this column

# Candidate pairs: the same birth date; the first 17 ID digits; the same township and name
# initials (a transposed birth date); the same county and pinyin (a homophone elsewhere).
BLOCKING = (
    "l.dob = r.dob",
    "l.id17 = r.id17",
    "l.township = r.township AND l.initials = r.initials",
    "l.county = r.county AND l.pinyin = r.pinyin",
)


def _settings(*, tf: bool, prior: float, params: dict | None = None) -> dict:
    comparisons = []
    for column, levels in COMPARISONS.items():
        out = []
        for i, (label, sql, m, u) in enumerate(levels):
            if i == 0:
                out.append({"sql_condition": sql, "label_for_charts": label, "is_null_level": True})
                continue
            m, u = (params or {}).get((column, label), (m, u))
            level = {"sql_condition": sql, "label_for_charts": label}
            level |= {"m_probability": m, "u_probability": u}
            if column in FIXED_M:
                level["fix_m_probability"] = True
            if tf and column == "name" and label == "exact":
                level |= {"tf_adjustment_column": "name", "tf_adjustment_weight": 1.0}
            out.append(level)
        comparisons.append({"output_column_name": column, "comparison_levels": out})
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb  # here, not at import: every process that sets Django up paid for it

    con = duckdb.connect(
        config={"memory_limit": DUCKDB_MEMORY, "temp_directory": tempfile.gettempdir()}
    )
    con.execute("SET enable_progress_bar = false")
    return con


def _linker(con, theirs: pl.DataFrame, ours: pl.DataFrame, settings: dict):
    from splink import DuckDBAPI, Linker  # imported here: splink is slow to import

    # splink's advice (e.g. on max_pairs at its default of 1e6) is for notebooks, not imports
    logging.getLogger("splink").setLevel(logging.ERROR)
    api = DuckDBAPI(connection=con)
    # Arrow's string views, as Polars holds them: DuckDB reads the frames without a copy of
    # their strings (the default converts every string column, a registry's ~0.2 GB; decision 75)
    newest = pl.CompatLevel.newest()
    frames = [
        api.register(theirs.to_arrow(compat_level=newest), dataset_display_name="theirs"),
        api.register(ours.to_arrow(compat_level=newest), dataset_display_name="ours"),
    ]
    return Linker(frames, settings, log_level=None)


def _params(model: dict) -> dict[tuple[str, str], tuple[float, float]]:
    out = {}
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                key = (comparison["output_column_name"], level["label_for_charts"])
                out[key] = (level.get("m_probability"), level.get("u_probability"))
    return out


def _blend(learnt: dict, which: int, weight: float, pseudo: float) -> dict:
    """Blend learnt m (which=0) or u (which=1) with the defaults, weight = pairs learnt on."""
    out = {}
    for column, levels in COMPARISONS.items():
        if which == 0 and column in FIXED_M:
            continue
        values = {}
        for label, _sql, m, u in levels[1:]:
            default = (m, u)[which]
            got = learnt.get((column, label), (None, None))[which]
            got = default if got is None or not math.isfinite(got) else got
            values[label] = (weight * got + pseudo * default) / (weight + pseudo)
        total = sum(values.values())
        out |= {(column, label): v / total for label, v in values.items()}
    return out


def label_sample(pairs: pl.DataFrame) -> pl.DataFrame:
    """Every k-th exact-ID pair (unique_id_l, unique_id_r) by row: spread, and the same each run."""
    labels = pairs.sort("unique_id_l")
    return labels.gather_every(max(1, labels.height // M_MAX_LABELS))


def _samples(
    theirs: pl.DataFrame, ours: pl.DataFrame, labels: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Their labelled rows, and every k-th of ours (by id) with the persons labelled."""
    labels = label_sample(labels)
    theirs = theirs.join(labels.select(unique_id="unique_id_l"), on="unique_id", how="semi")
    ours = ours.sort("unique_id")
    spread = ours.gather_every(max(1, ours.height // U_MAX_OURS))
    linked = ours.join(labels.select(unique_id="unique_id_r"), on="unique_id", how="semi")
    ours = pl.concat([spread, linked]).unique("unique_id").sort("unique_id")
    return theirs.sort("unique_id"), ours, labels


def train(
    theirs: pl.DataFrame, ours: pl.DataFrame, pairs: pl.DataFrame, *, prior: float
) -> dict[tuple[str, str], tuple[float, float]]:
    """Parameters learnt from the exact-ID pairs (m) and random pairs (u), blended with defaults.

    ``pairs`` (unique_id_l, unique_id_r) are exact-ID links (their row, our person); a sample
    of them (label_sample) and of ``ours`` is used."""
    params = {(c, lv[0]): (lv[2], lv[3]) for c, lvs in COMPARISONS.items() for lv in lvs[1:]}
    theirs, ours, labels = _samples(theirs, ours, pairs)
    n_pairs = min(U_MAX_PAIRS, theirs.height * ours.height)
    if theirs.height == 0 or n_pairs < 1_000:
        return params
    con = _connect()
    try:
        linker = _linker(con, theirs, ours, _settings(tf=False, prior=prior))
        linker.training.estimate_u_using_random_sampling(
            max_pairs=n_pairs, seed=SEED, min_count_per_level=None, num_chunks=1
        )
        u = _blend(_params(linker.misc.save_model_to_json()), 1, n_pairs, U_PSEUDO_PAIRS)
        labels = labels.with_columns(
            source_dataset_l=pl.lit("theirs"), source_dataset_r=pl.lit("ours")
        )
        con.register("exact_pairs", labels.to_arrow())
        linker.training.estimate_m_from_pairwise_labels("exact_pairs")
        m = _blend(_params(linker.misc.save_model_to_json()), 0, labels.height, M_PSEUDO_PAIRS)
        u |= _conditional_u(con, ours)
    finally:
        con.close()
    return {key: (m.get(key, params[key][0]), u[key]) for key in params}


def _conditional_u(con, ours: pl.DataFrame) -> dict[tuple[str, str], float]:
    """u of the CONDITIONAL_U comparisons, counted on pairs of ours (all different people)
    that agree on the given column, blended with the defaults."""
    out = {}
    for column, given in CONDITIONAL_U.items():
        levels = COMPARISONS[column]
        cases = " ".join(
            f"WHEN {sql} THEN {i}" for i, (_label, sql, _m, _u) in enumerate(levels[1:-1], 1)
        )
        con.register("ours_sample", ours.to_arrow())
        counts = con.execute(
            f"""SELECT CASE {cases} ELSE {len(levels) - 1} END AS level, count(*) AS n
            FROM (SELECT l.id_number AS id_number_l, r.id_number AS id_number_r,
                         l.id17 AS id17_l, r.id17 AS id17_r
                  FROM ours_sample l JOIN ours_sample r
                    ON l.{given} = r.{given} AND l.unique_id < r.unique_id)
            WHERE NOT ({levels[0][1]}) GROUP BY level"""
        ).fetchall()
        con.unregister("ours_sample")
        got = {levels[i][0]: n for i, n in counts}
        total = sum(got.values())
        learnt = {(column, label): (None, n / total) for label, n in got.items()} if total else {}
        out |= {k: v for k, v in _blend(learnt, 1, total, U_PSEUDO_PAIRS).items() if k[0] == column}
    return out


def score(
    theirs: pl.DataFrame,
    ours: pl.DataFrame,
    *,
    params: dict,
    prior: float,
    floor: float,
) -> pl.DataFrame:
    """Candidate pairs whose pairwise match probability (pair_score) is >= floor, with their
    probability among the row's candidates (score, see one_to_one): row, person_id, ..."""
    empty = pl.DataFrame(schema=PAIRS)
    if theirs.height == 0 or ours.height == 0:
        return empty
    con = _connect()
    try:
        settings = _settings(tf=ours.height >= TF_MIN_REGISTRY, prior=prior, params=params)
        linker = _linker(con, theirs, ours, settings)
        predictions = linker.inference.predict(
            threshold_match_probability=floor, warning_mode="never"
        )
        frame = pl.from_arrow(predictions.as_pyarrow_table())
    finally:
        con.close()
    if frame.height == 0:
        return empty
    left_is_theirs = pl.col("source_dataset_l") == "theirs"
    pairs = frame.select(
        pl.when(left_is_theirs).then("unique_id_l").otherwise("unique_id_r").alias("row"),
        pl.when(left_is_theirs).then("unique_id_r").otherwise("unique_id_l").alias("person_id"),
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").round(6).alias("pair_score"),
    ).cast({"row": pl.Int64, "person_id": pl.Int64})
    # DuckDB returns pairs in any order: sort, so the sums of one_to_one add up alike each run
    return one_to_one(pairs.sort("row", "person_id")).drop("match_weight")


def one_to_one(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each pair's probability given that the row is at most one of its candidates.

    splink scores pairs one by one: two namesakes born the same day both score near 1. A row
    is one person: with prior odds times Bayes factor o_c = 2^w_c for each candidate c,
    P(c) = o_c / (1 + sum of o_j). Rivals share the probability (two twins: 0.5 each); a
    candidate far ahead of the others keeps nearly all of it. Worked in log space."""
    top = pl.max_horizontal(pl.col("match_weight").max().over("row"), pl.lit(0.0))
    shifted = pl.lit(2.0).pow(pl.col("match_weight") - top)
    total = pl.lit(2.0).pow(-top) + shifted.sum().over("row")
    return pairs.with_columns((shifted / total).round(6).alias("score"))
