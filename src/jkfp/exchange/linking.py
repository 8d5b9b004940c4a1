"""The checked rows of a list, linked to the registry persons of the user's scope through
`linkage.link` (the record-linkage module; thresholds are the settings JKFP_LINK_HIGH and
JKFP_LINK_LOW)."""

from __future__ import annotations

import polars as pl
from django.conf import settings

from . import linkage


def thresholds() -> tuple[float, float]:
    return (
        float(getattr(settings, "JKFP_LINK_HIGH", 0.95)),
        float(getattr(settings, "JKFP_LINK_LOW", 0.6)),
    )


def link_rows(rows: pl.DataFrame, registry: pl.DataFrame, *, scope: str) -> pl.DataFrame:
    """`rows` (the checked frame without its error rows) linked: row, person_id, score, status,
    candidates, reason. The region of a row is its village when the list names one, else the
    user's scope."""
    if "_village" in rows.columns:
        region = pl.col("_village").fill_null(pl.lit(scope))
    elif "region" in rows.columns:
        region = pl.col("region").fill_null(pl.lit(scope))
    else:
        region = pl.lit(scope)
    incoming = rows.select(
        pl.col("_line").alias("row"),
        pl.col("id_number"),
        pl.col("id_valid"),
        pl.col("name").fill_null(""),
        pl.col("id_birth").alias("birth_date"),
        pl.col("id_sex").alias("sex"),
        region.cast(pl.String).alias("region_code"),
    )
    high, low = thresholds()
    return linkage.link(incoming, registry, high=high, low=low)
