"""Linkage with parameters learnt from the data: a generated registry large enough for u by
random sampling, m from the exact-ID pairs and name frequencies (bench/linkage_data.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from jkfp.exchange import linkage_model
from jkfp.exchange.linkage import link
from jkfp.exchange.linkage_features import both_sides

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from linkage_data import dataset  # noqa: E402

PERSONS, ROWS = linkage_model.TF_MIN_REGISTRY + 2_000, 2_500


@pytest.fixture(scope="module")
def generated():
    registry, incoming = dataset(persons=PERSONS, rows=ROWS, seed=7, bad_ids=0.08, typos=0.05)
    result = link(incoming.drop("truth"), registry, high=0.95, low=0.6)
    return registry, incoming, result.join(incoming.select("row", "truth"), on="row")


def test_learnt_parameters_differ_from_the_defaults_and_stay_probabilities(generated):
    registry, incoming, result = generated
    theirs, ours = both_sides(incoming.drop("truth"), registry)
    exact = result.filter(pl.col("status") == "exact")
    known = theirs.join(exact.select(pl.col("row").alias("unique_id")), on="unique_id")
    pairs = exact.select(
        pl.col("row").alias("unique_id_l"), pl.col("person_id").alias("unique_id_r")
    )
    params = linkage_model.train(known, ours, pairs, prior=1e-5)
    defaults = {
        (c, lv[0]): (lv[2], lv[3]) for c, lvs in linkage_model.COMPARISONS.items() for lv in lvs[1:]
    }
    assert params.keys() == defaults.keys()
    assert params[("name", "exact")] != defaults[("name", "exact")]  # m learnt from the ID pairs
    assert params[("sex", "exact")][1] != defaults[("sex", "exact")][1]  # u sampled
    assert params[("id", "check digit")][0] == defaults[("id", "check digit")][0]  # m fixed
    for column in linkage_model.COMPARISONS:
        for which in (0, 1):
            total = sum(v[which] for k, v in params.items() if k[0] == column)
            assert total == pytest.approx(1.0)
    # the exact pairs agree on sex nearly always; random pairs about half the time
    assert params[("sex", "exact")][0] > 0.9 and 0.4 < params[("sex", "exact")][1] < 0.6


def test_auto_links_are_precise_and_the_rest_waits_for_review(generated):
    _registry, _incoming, result = generated
    auto = result.filter(pl.col("status").is_in(["exact", "linked"]))
    right = auto.filter(pl.col("person_id") == pl.col("truth")).height
    assert right / auto.height >= 0.995
    held = result.filter(pl.col("truth").is_not_null()).height
    assert right / held >= 0.98
    fuzzy = result.filter(pl.col("status") == "linked")
    assert fuzzy.height > 0.04 * ROWS  # the model did link rows with a bad or missing ID
    newcomers = result.filter(pl.col("truth").is_null())
    assert newcomers.filter(pl.col("status").is_in(["exact", "linked"])).height == 0


def test_learnt_run_is_deterministic(generated):
    registry, incoming, result = generated
    again = link(incoming.drop("truth"), registry, high=0.95, low=0.6)
    assert again.equals(result.drop("truth"))
