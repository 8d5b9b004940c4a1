"""Record linkage of an incoming list to the registry (pure Python + Polars + splink, no Django).

``link(incoming, registry, high=..., low=...)`` answers one row per incoming row:
``row, person_id, score, status, candidates, reason``.

1. By normalised ID number: a valid ID held by exactly one of ours is ``exact`` (score 1.0).
   Several rows of theirs with one ID are one person of theirs when they agree on name and
   birth date (a settlement list has a row per stay); rows that disagree, or an ID that two
   of ours hold, are a ``conflict``.
2. Every other row (ID failing the check, no ID, or a valid ID we do not hold) is scored
   against the registry by a Fellegi-Sunter model (linkage_model) on name, pinyin, birth
   date, sex, region and the ID's digits. splink gives each pair its match probability; a
   row being one person at most, the candidates of a row then share it (``one_to_one``: two
   namesakes born the same day in one village get about 0.5 each). The score is that shared
   probability. A row whose best candidate reaches ``high`` is ``linked`` — unless its own ID
   is valid and differs from the candidate's; candidates whose pair probability reaches
   ``low`` put the row in review (``doubtful``); none is ``new``. (With ``high`` at or below
   0.5, two candidates reaching it is a ``conflict``.)
3. One of ours claimed by two rows of theirs is a ``conflict`` for the rows that the model
   linked (an exact ID link stands; the other row names it in its reason). Nothing is
   resolved silently: doubtful and conflict rows carry their candidates for a person.

A linked row never gives its ID to our person: ``person_id`` says who it is, the caller keeps
our ID. A row whose ID fails the check is ``new`` only when no candidate reaches ``low``.
"""

from __future__ import annotations

import polars as pl

from jkfp.exchange import linkage_model
from jkfp.exchange.linkage_features import both_sides, identity

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
MAX_CANDIDATES = 5
SCORE_FLOOR = 0.001  # pairs below this are not kept at all
MIN_VALID_FOR_PRIOR = 20
NO_PAIRS = linkage_model.PAIRS | {"has_id": pl.Boolean}

R_EXACT = "证件号码一致"
R_DUP_OURS = "该证件号码在登记库中对应多人"
R_DUP_THEIRS = "同一证件号码的多行姓名或出生日期不一致"
R_TWO_OURS = "与登记库中多人高度相似，需人工确认"
R_TWO_THEIRS = "登记库中同一人与本表多行匹配"
R_CLAIMED = "登记库中该人员已由第{row}行按证件号码匹配"
R_RIVALS = "有多名相似人员（如同村同名同出生日期），需人工确认"
R_MIDDLE = "匹配概率介于复核阈值之间，需人工确认"
R_NEW = "未找到匹配人员"
R_OTHER_ID = "证件号码有效但与相似人员的证件号码不同，需人工确认"
R_HOW = {
    "bad_id": "证件号码校验不通过，按姓名、出生日期和地区",
    "no_id": "无证件号码，按姓名、出生日期和地区",
    "unknown_id": "证件号码不在登记库中，按姓名、出生日期和地区",
}


def _check(frame: pl.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns: {', '.join(missing)}")
    if frame.get_column(needed[0]).is_duplicated().any():
        raise ValueError(f"{what}: {needed[0]} must be unique")


def _exact(theirs: pl.DataFrame, ours: pl.DataFrame) -> pl.DataFrame:
    """Per row with a valid ID held by one or more of ours: status, person_id, candidates."""
    valid = theirs.filter(pl.col("id_valid") & pl.col("id_number").is_not_null())
    hits = valid.select("unique_id", "id_number", "name", "dob").join(
        ours.select(pl.col("unique_id").alias("person_id"), "id_number"), on="id_number"
    )
    hits = hits.with_columns(
        pl.col("person_id").n_unique().over("unique_id").alias("n_ours"),
        pl.struct("name", "dob").n_unique().over("person_id").alias("n_theirs"),
    )
    per_row = hits.group_by("unique_id").agg(
        pl.col("person_id").sort().alias("ids"), pl.col("n_ours").first(), pl.col("n_theirs").max()
    )
    return per_row.select(
        pl.col("unique_id").alias("row"),
        pl.when(pl.col("n_ours") == 1, pl.col("n_theirs") == 1)
        .then(pl.col("ids").list.first())
        .alias("person_id"),
        pl.lit(1.0).alias("score"),
        pl.when(pl.col("n_ours") > 1)
        .then(pl.lit(CONFLICT))
        .when(pl.col("n_theirs") > 1)
        .then(pl.lit(CONFLICT))
        .otherwise(pl.lit(EXACT))
        .alias("status"),
        pl.when(pl.col("n_ours") == 1, pl.col("n_theirs") == 1)
        .then(pl.lit([], dtype=pl.List(pl.Int64)))
        .otherwise(pl.col("ids"))
        .list.eval(pl.struct(person_id=pl.element(), score=pl.lit(1.0)))
        .cast(pl.List(CANDIDATE))
        .alias("candidates"),
        pl.when(pl.col("n_ours") > 1)
        .then(pl.lit(R_DUP_OURS))
        .when(pl.col("n_theirs") > 1)
        .then(pl.lit(R_DUP_THEIRS))
        .otherwise(pl.lit(R_EXACT))
        .alias("reason"),
    )


def _prior(theirs: pl.DataFrame, exact: pl.DataFrame, rest: pl.DataFrame, n_ours: int) -> float:
    """Probability that a random pair (a remaining row of theirs, one of ours) is a match."""
    n_valid = theirs.filter(pl.col("id_valid")).height
    held = exact.height / n_valid if n_valid >= MIN_VALID_FOR_PRIOR else 0.5
    held = min(max(held, 0.01), 0.99)
    valid_rest = rest.filter(pl.col("id_valid")).height
    expected = held * (rest.height - valid_rest) + linkage_model.NEW_ROW_PRIOR * valid_rest
    return min(max(expected, 0.5) / (rest.height * n_ours), 0.5)


def _decide(rest: pl.DataFrame, pairs: pl.DataFrame, *, high: float, low: float) -> pl.DataFrame:
    """Status of each scored row from its candidate pairs (before the conflicts across rows)."""
    ranked = pairs.sort(["row", "score", "person_id"], descending=[False, True, False])
    per_row = ranked.group_by("row", maintain_order=True).agg(
        pl.col("person_id").first().alias("best_id"),
        pl.col("has_id").first().alias("best_has_id"),
        pl.col("score").max().alias("best"),
        (pl.col("score") >= high).sum().alias("n_high"),
        (pl.col("pair_score") >= low).sum().alias("n_low"),
        pl.struct("person_id", "score")
        .filter(pl.col("pair_score") >= low)
        .head(MAX_CANDIDATES)
        .alias("candidates"),
    )
    how = (
        pl.when(pl.col("id_number").is_null())
        .then(pl.lit(R_HOW["no_id"]))
        .when(~pl.col("id_valid"))
        .then(pl.lit(R_HOW["bad_id"]))
        .otherwise(pl.lit(R_HOW["unknown_id"]))
    )
    out = rest.select(pl.col("unique_id").alias("row"), "id_valid", how.alias("how")).join(
        per_row, on="row", how="left"
    )
    n_high, n_low = pl.col("n_high").fill_null(0), pl.col("n_low").fill_null(0)
    # a good ID of theirs that differs from the candidate's good ID: a person decides
    other_id = pl.col("id_valid") & pl.col("best_has_id").fill_null(False)
    linked = (n_high == 1) & ~other_id
    return out.select(
        "row",
        pl.when(linked).then(pl.col("best_id")).alias("person_id"),
        pl.col("best").fill_null(0.0).alias("score"),
        pl.when(n_high >= 2)
        .then(pl.lit(CONFLICT))
        .when(linked)
        .then(pl.lit(LINKED))
        .when(n_low >= 1)
        .then(pl.lit(DOUBTFUL))
        .otherwise(pl.lit(NEW))
        .alias("status"),
        pl.when(linked | (n_low == 0))
        .then(pl.lit([], dtype=pl.List(CANDIDATE)))
        .otherwise(pl.col("candidates"))
        .cast(pl.List(CANDIDATE))
        .alias("candidates"),
        pl.when(n_high >= 2)
        .then(pl.lit(R_TWO_OURS))
        .when(linked)
        .then(pl.col("how") + pl.lit("匹配"))
        .when(n_low >= 2)
        .then(pl.lit(R_RIVALS))
        .when((n_high == 1) & other_id)
        .then(pl.lit(R_OTHER_ID))
        .when(n_low == 1)
        .then(pl.lit(R_MIDDLE))
        .otherwise(pl.lit(R_NEW))
        .alias("reason"),
    )


def _cross_conflicts(exact: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """Model links to one of ours that another row also claims become conflicts."""
    claims = pl.concat(
        [
            exact.filter(pl.col("status") == EXACT).select("row", "person_id", "status"),
            scored.filter(pl.col("status") == LINKED).select("row", "person_id", "status"),
        ]
    )
    exact_owner = (
        claims.filter(pl.col("status") == EXACT)
        .group_by("person_id")
        .agg(pl.col("row").min().alias("owner"))
    )
    n_claims = claims.group_by("person_id").agg(pl.len().alias("n"))
    marked = (
        scored.join(n_claims, on="person_id", how="left")
        .join(exact_owner, on="person_id", how="left")
        .with_columns(clash=(pl.col("status") == LINKED) & (pl.col("n") > 1))
    )
    return marked.select(
        "row",
        pl.when(pl.col("clash")).then(None).otherwise(pl.col("person_id")).alias("person_id"),
        "score",
        pl.when(pl.col("clash")).then(pl.lit(CONFLICT)).otherwise("status").alias("status"),
        pl.when(pl.col("clash"))
        .then(pl.concat_list(pl.struct("person_id", "score")))
        .otherwise("candidates")
        .cast(pl.List(CANDIDATE))
        .alias("candidates"),
        pl.when(pl.col("clash") & pl.col("owner").is_not_null())
        .then(pl.format(R_CLAIMED.replace("{row}", "{}"), pl.col("owner")))
        .when(pl.col("clash"))
        .then(pl.lit(R_TWO_THEIRS))
        .otherwise("reason")
        .alias("reason"),
    )


def link(
    incoming: pl.DataFrame, registry: pl.DataFrame, *, high: float, low: float
) -> pl.DataFrame:
    """Link every incoming row to at most one registry person (see the module docstring)."""
    if not 0.0 < low <= high <= 1.0:
        raise ValueError("thresholds must satisfy 0 < low <= high <= 1")
    _check(incoming, INCOMING_COLUMNS, "incoming")
    _check(registry, REGISTRY_COLUMNS, "registry")
    light = identity(incoming, uid="row")
    exact = _exact(light, identity(registry, uid="person_id"))
    known = exact.filter(pl.col("status") == EXACT).select(
        pl.col("row").alias("unique_id_l"), pl.col("person_id").alias("unique_id_r")
    )
    labels = linkage_model.label_sample(known)
    # features only for the rows still to link and the exact rows the model learns from
    keep = light.join(exact.select(unique_id="row"), on="unique_id", how="anti").select("unique_id")
    keep = pl.concat([keep, labels.select(unique_id="unique_id_l")])
    subset = incoming.join(keep.rename({"unique_id": "row"}), on="row", how="semi")
    theirs, ours = both_sides(subset, registry)
    rest = theirs.join(exact.select(unique_id="row"), on="unique_id", how="anti")
    scored = pl.DataFrame(schema=RESULT_SCHEMA)
    if rest.height and ours.height:
        prior = _prior(light, exact, rest, ours.height)
        params = linkage_model.train(theirs, ours, labels, prior=prior)
        pairs = linkage_model.score(rest, ours, params=params, prior=prior, floor=SCORE_FLOOR)
        pairs = pairs.join(
            ours.select(
                pl.col("unique_id").alias("person_id"),
                pl.col("id_number").is_not_null().alias("has_id"),
            ),
            on="person_id",
        )
        scored = _cross_conflicts(exact, _decide(rest, pairs, high=high, low=low))
    elif rest.height:
        scored = _decide(rest, pl.DataFrame(schema=NO_PAIRS), high=high, low=low)
    out = pl.concat(
        [
            exact.select(RESULT_SCHEMA.keys()).cast(RESULT_SCHEMA),
            scored.select(RESULT_SCHEMA.keys()).cast(RESULT_SCHEMA),
        ]
    )
    return out.sort("row")
