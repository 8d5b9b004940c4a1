"""The columns record linkage compares and blocks on, derived from both sides alike (Polars).

Pinyin is looked up once per distinct character (a list of a million names has a few
thousand characters), not once per name: pypinyin costs tens of microseconds a call.
A character with several readings takes its most common one (单 dan, 曾 ceng) on both
sides, so the same character always reads the same and homophones of it still meet.
"""

from __future__ import annotations

import polars as pl

FEATURES = (
    "unique_id",
    "id_number",
    "id17",
    "id_valid",
    "name",
    "pinyin",
    "initials",
    "dob",
    "sex",
    "region_code",
    "township",
    "county",
)


def _char_readings(names: pl.Series) -> tuple[dict[str, str], dict[str, str]]:
    chars = names.drop_nulls().str.split("").explode().drop_nulls().unique().sort()
    chars = [c for c in chars.to_list() if c]
    from pypinyin import Style, lazy_pinyin  # here: 0.4 s of every process that sets Django up

    full = lazy_pinyin(chars, style=Style.NORMAL, errors=lambda c: [c])
    first = lazy_pinyin(chars, style=Style.FIRST_LETTER, errors=lambda c: [c])
    # lazy_pinyin returns one item per character when given a list of single characters
    if len(full) != len(chars) or len(first) != len(chars):  # pragma: no cover - defensive
        full = [lazy_pinyin(c, errors=lambda x: [x])[0] for c in chars]
        first = [lazy_pinyin(c, style=Style.FIRST_LETTER, errors=lambda x: [x])[0] for c in chars]
    return dict(zip(chars, full, strict=True)), dict(zip(chars, first, strict=True))


def _spell(chars: pl.Expr, table: dict[str, str]) -> pl.Expr:
    return chars.list.eval(
        pl.element().replace_strict(table, default=pl.element(), return_dtype=pl.String)
    ).list.join("")


def _spellings(frame: pl.DataFrame, full: dict, first: dict) -> pl.DataFrame:
    """Pinyin and initials of each distinct name (far fewer than rows)."""
    names = clean_name(frame.get_column("name")).drop_nulls().unique().to_frame("name")
    chars = pl.col("name").str.split("")
    return names.with_columns(
        _spell(chars, full).alias("pinyin"), _spell(chars, first).alias("initials")
    )


def clean_name(expr: pl.Expr) -> pl.Expr:
    """Names as departments type them: spaces (also full-width) and middle dots dropped."""
    return expr.cast(pl.String).str.replace_all(r"[\s\u3000·•.]", "").replace("", None)


def identity(frame: pl.DataFrame, *, uid: str) -> pl.DataFrame:
    """The few columns of the exact-ID stage: unique_id, id_number, id_valid, name, dob."""
    return frame.select(
        pl.col(uid).cast(pl.Int64).alias("unique_id"),
        pl.col("id_number").cast(pl.String),
        pl.col("id_valid").cast(pl.Boolean).fill_null(False)
        if "id_valid" in frame.columns
        else pl.lit(True).alias("id_valid"),
        clean_name(pl.col("name")).alias("name"),
        pl.col("birth_date").cast(pl.Date).dt.strftime("%Y%m%d").alias("dob"),
    )


def features(frame: pl.DataFrame, *, uid: str, readings: tuple[dict, dict]) -> pl.DataFrame:
    """The comparison columns of one side; ``uid`` names its key column (row or person_id)."""
    full, first = readings
    region = pl.col("region_code").cast(pl.String)
    ident = pl.col("id_number").cast(pl.String)
    return (
        frame.select(
            pl.col(uid).cast(pl.Int64).alias("unique_id"),
            ident.alias("id_number"),
            pl.col("id_valid").cast(pl.Boolean).fill_null(False)
            if "id_valid" in frame.columns
            else pl.lit(True).alias("id_valid"),
            clean_name(pl.col("name")).alias("name"),
            pl.col("birth_date").cast(pl.Date).dt.strftime("%Y%m%d").alias("dob"),
            pl.col("sex").cast(pl.String).alias("sex"),
            region.alias("region_code"),
        )
        .join(_spellings(frame, full, first), on="name", how="left", nulls_equal=False)
        .with_columns(
            pl.col("id_number").str.slice(0, 17).alias("id17"),
            pl.when(pl.col("region_code").str.len_chars() >= 9)
            .then(pl.col("region_code").str.slice(0, 9))
            .alias("township"),
            pl.when(pl.col("region_code").str.len_chars() >= 6)
            .then(pl.col("region_code").str.slice(0, 6))
            .alias("county"),
        )
        .select(FEATURES)
    )


def both_sides(incoming: pl.DataFrame, registry: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feature frames of their rows and ours, with one pinyin table for both."""
    names = pl.concat(
        [clean_name(incoming.get_column("name")), clean_name(registry.get_column("name"))]
    )
    readings = _char_readings(names.drop_nulls().unique())
    return (
        features(incoming, uid="row", readings=readings),
        features(registry, uid="person_id", readings=readings),
    )
