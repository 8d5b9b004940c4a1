"""Record linkage of an incoming list to the registry (pure Python + Polars, no Django).

``link(incoming, registry, high=..., low=...)`` answers one row per incoming row:
``row, person_id, score, status, candidates, reason``.

This first version links by normalised ID number only; the probabilistic
matching of rows without an exact ID follows.
"""

from __future__ import annotations

import polars as pl

EXACT = "exact"
LINKED = "linked"
DOUBTFUL = "doubtful"
NEW = "new"
CONFLICT = "conflict"
STATUSES = (EXACT, LINKED, DOUBTFUL, NEW, CONFLICT)

CANDIDATE = pl.Struct({"person_id": pl.Int64, "score": pl.Float64})
RESULT_SCHEMA = {
    "row": pl.Int64,
    "person_id": pl.Int64,
    "score": pl.Float64,
    "status": pl.String,
    "candidates": pl.List(CANDIDATE),
    "reason": pl.String,
}
INCOMING_COLUMNS = ("row", "id_number", "id_valid", "name", "birth_date", "sex", "region_code")
REGISTRY_COLUMNS = ("person_id", "id_number", "name", "birth_date", "sex", "region_code")


def _check_columns(frame: pl.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns: {', '.join(missing)}")


def link(
    incoming: pl.DataFrame, registry: pl.DataFrame, *, high: float, low: float
) -> pl.DataFrame:
    """Link every incoming row to at most one registry person (see module docstring)."""
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError("thresholds must satisfy 0 <= low <= high <= 1")
    _check_columns(incoming, INCOMING_COLUMNS, "incoming")
    _check_columns(registry, REGISTRY_COLUMNS, "registry")
    reg = registry.select(
        pl.col("id_number").cast(pl.String), pl.col("person_id").cast(pl.Int64)
    ).filter(pl.col("id_number").is_not_null())
    inc = incoming.select(
        pl.col("row").cast(pl.Int64),
        pl.col("id_number").cast(pl.String),
        pl.col("id_valid").cast(pl.Boolean).fill_null(False),
    )
    valid = inc.filter(pl.col("id_valid") & pl.col("id_number").is_not_null())
    hits = valid.join(reg, on="id_number", how="inner")
    # an ID held by two of ours, or one of ours named by two rows of theirs, is a conflict
    hits = hits.with_columns(
        pl.len().over("row").alias("_n_ours"),
        pl.len().over("person_id").alias("_n_theirs"),
    )
    per_row = hits.group_by("row").agg(
        pl.col("person_id").sort().alias("_ids"),
        pl.col("_n_ours").first(),
        pl.col("_n_theirs").max(),
    )
    out = inc.join(per_row, on="row", how="left").sort("row")
    conflict = (pl.col("_n_ours") > 1) | (pl.col("_n_theirs") > 1)
    exact = pl.col("_n_ours") == 1
    return out.select(
        pl.col("row"),
        pl.when(exact & ~conflict)
        .then(pl.col("_ids").list.first())
        .otherwise(None)
        .cast(pl.Int64)
        .alias("person_id"),
        pl.when(pl.col("_ids").is_not_null())
        .then(1.0)
        .otherwise(0.0)
        .cast(pl.Float64)
        .alias("score"),
        pl.when(conflict)
        .then(pl.lit(CONFLICT))
        .when(exact)
        .then(pl.lit(EXACT))
        .otherwise(pl.lit(NEW))
        .alias("status"),
        pl.when(conflict)
        .then(
            pl.col("_ids").list.eval(
                pl.struct(person_id=pl.element(), score=pl.lit(1.0, dtype=pl.Float64))
            )
        )
        .otherwise(pl.lit([], dtype=pl.List(CANDIDATE)))
        .cast(pl.List(CANDIDATE))
        .alias("candidates"),
        pl.when(conflict)
        .then(pl.lit("证件号码对应多人，需人工处理"))
        .when(exact)
        .then(pl.lit("证件号码一致"))
        .otherwise(pl.lit("未找到匹配人员"))
        .alias("reason"),
    )
