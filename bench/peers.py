"""Peers of the policy benchmark (bench_policy.py): the first two tiers of each stay's regime
written as an analyst would, in Polars and in pandas (issue 8 asks for pandas), and as an
OpenFisca model (optional: where `openfisca_core` imports).

Both compute the same thing: a parameter table joined on (regime, cell) (the first snapshot
of each regime's tables), the first tier a share above a per-stay deductible, the second a
share of what is left above a per-year deductible carried by a cumulative sum over the
person's year. No caps, no segments, no adjustments: speed peers, not the rules (their
amounts are not the engine's and are not compared with them; the two peers are compared with
each other). `pandas_script` is the whole job an analyst's script does for `jkfp settle`: read
the stays CSV, find each stay's regime by a merge on the county and a filter on the dates,
the two tiers, write a CSV of yuan.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from jkfp.policy.batch import StayBatch, assign_regimes
from jkfp.policy.regimes import PolicySet
from jkfp.policy.schema import CATEGORIES, LOCATIONS, N_CELL
from jkfp.policy.tables import regime_tables


def two_tier_parameters(policies: PolicySet) -> dict[str, np.ndarray]:
    """regime, cell, ded1, ratio1, ded2, ratio2 of every (regime, cell): the first
    snapshot's per-stay deductible and share of tier 1, per-year deductible and share of
    tier 2 (fen, ‱ × 2 as the tables keep them)."""
    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "regime", "cell", "ded1", "ratio1", "ded2", "ratio2")}
    cells = np.arange(N_CELL)
    for r_i, regime in enumerate(policies.regimes):
        t1, t2 = regime_tables(policies, regime).tiers[:2]
        cols["regime"].append(np.full(N_CELL, r_i, np.int32))
        cols["cell"].append(cells.astype(np.int32))
        cols["ded1"].append(t1.table[1][cells])
        cols["ratio1"].append(t1.table[t1.table.shape[0] - t1.k][cells])
        cols["ded2"].append(t2.table[1][cells])
        cols["ratio2"].append(t2.table[t2.table.shape[0] - t2.k][cells])
    return {k: np.concatenate(v) for k, v in cols.items()}


def analyst_two_tiers(batch: StayBatch, policies: PolicySet) -> pl.DataFrame:
    """The two tiers in Polars, on the stays in memory (pay1, pay2 per stay in input order)."""
    param = pl.DataFrame(two_tier_parameters(policies))
    _, reg = assign_regimes(batch, policies)
    stays = pl.DataFrame({
        "person": batch.person, "admission": batch.admission, "total": batch.total,
        "in_policy": batch.in_policy, "regime": reg.astype(np.int32),
        "cell": (((batch.category.astype(np.int32) * 4 + batch.location) * 4 + batch.grade)
                  * 2 + batch.referred).astype(np.int32)})
    return (stays.with_row_index("i")
            .join(param, on=["regime", "cell"], how="left")
            .sort(["person", "admission", "i"])
            .with_columns(year=pl.col("admission").dt.year())
            .with_columns(pay1=((pl.col("in_policy") - pl.col("ded1")).clip(0)
                                * pl.col("ratio1") * 2 + 10_000) // 20_000)
            .with_columns(left=pl.col("in_policy") - pl.col("pay1"))
            .with_columns(borne_before=pl.col("left").cum_sum().over(["person", "year"])
                          - pl.col("left"))
            .with_columns(ded_left=(pl.col("ded2") - pl.col("borne_before")).clip(0))
            .with_columns(pay2=((pl.col("left") - pl.col("ded_left")).clip(0)
                                * pl.col("ratio2") * 2 + 10_000) // 20_000)
            .sort("i")
            .select("pay1", "pay2"))


def _pandas_tiers(stays, param):
    """The two tiers on a pandas frame with person, admission, in_policy, regime, cell
    (pay1, pay2 added, the frame's row order kept)."""
    import pandas as pd

    df = stays.merge(pd.DataFrame(param), on=["regime", "cell"], how="left", sort=False)
    df = df.sort_values(["person", "admission"], kind="stable")
    df["year"] = df["admission"].dt.year
    df["pay1"] = ((df["in_policy"] - df["ded1"]).clip(lower=0) * df["ratio1"] * 2
                  + 10_000) // 20_000
    df["left"] = df["in_policy"] - df["pay1"]
    borne_before = df.groupby(["person", "year"], sort=False)["left"].cumsum() - df["left"]
    ded_left = (df["ded2"] - borne_before).clip(lower=0)
    df["pay2"] = ((df["left"] - ded_left).clip(lower=0) * df["ratio2"] * 2 + 10_000) // 20_000
    return df.sort_index()


def pandas_two_tiers(batch: StayBatch, policies: PolicySet):
    """The two tiers in pandas, on the stays in memory (the same columns as Polars')."""
    import pandas as pd

    _, reg = assign_regimes(batch, policies)
    stays = pd.DataFrame({
        "person": batch.person, "admission": batch.admission.astype("datetime64[s]"),
        "in_policy": batch.in_policy, "regime": reg.astype(np.int32),
        "cell": (((batch.category.astype(np.int32) * 4 + batch.location) * 4 + batch.grade)
                 * 2 + batch.referred).astype(np.int32)})
    return _pandas_tiers(stays, two_tier_parameters(policies))[["pay1", "pay2"]]


def _regime_table(policies: PolicySet, counties) -> dict[str, list]:
    """county_code, start, end, regime, rank of every regime that may apply to each county
    (6-, then 4-, then 2-digit prefix: the lowest rank in force wins)."""
    out: dict[str, list] = {k: [] for k in ("county_code", "start", "end", "regime", "rank")}
    for code in counties:
        text = f"{int(code):06d}"
        rank = 0
        for n in (6, 4, 2):
            region = policies.region_by_prefix(text[:n])
            for regime in region.regimes if region is not None else ():
                out["county_code"].append(int(code))
                out["start"].append(np.datetime64(regime.start, "s"))
                out["end"].append(np.datetime64(regime.end, "s"))
                out["regime"].append(policies.regimes.index(regime))
                out["rank"].append(rank)
                rank += 1
    return out


def pandas_script(csv_path: Path, out: Path, policies: PolicySet) -> int:
    """An analyst's pandas script for `jkfp settle`'s job, two tiers only: read the stays
    CSV, a regime for every stay, the two tiers, write stay_id and the two amounts in yuan.
    Returns the rows written."""
    import pandas as pd

    df = pd.read_csv(csv_path, dtype={"stay_id": str, "person_id": str, "county_code": np.int64,
                                      "category": str, "location": str, "referred": str},
                     parse_dates=["admission_date"])
    df["in_policy"] = (df["in_policy_cost"] * 100).round().astype(np.int64)
    category = {c.value: i for i, c in enumerate(CATEGORIES)}
    location = {x.value: i for i, x in enumerate(LOCATIONS)}
    df["cell"] = (((df["category"].map(category) * 4 + df["location"].map(location)) * 4
                   + df["hospital_grade"]) * 2 + (df["referred"] == "true")).astype(np.int32)
    regimes = pd.DataFrame(_regime_table(policies, df["county_code"].unique()))
    found = df[["county_code", "admission_date"]].reset_index().merge(regimes, on="county_code")
    found = found[(found["admission_date"] >= found["start"])
                  & (found["admission_date"] <= found["end"])]
    found = found.sort_values(["index", "rank"]).drop_duplicates("index")
    df["regime"] = pd.Series(found["regime"].to_numpy(), index=found["index"]).astype(np.int32)
    stays = pd.DataFrame({"person": df["person_id"], "admission": df["admission_date"],
                          "in_policy": df["in_policy"], "regime": df["regime"],
                          "cell": df["cell"]})
    result = _pandas_tiers(stays, two_tier_parameters(policies))
    pd.DataFrame({"stay_id": df["stay_id"], "pay1": result["pay1"] / 100,
                  "pay2": result["pay2"] / 100}).to_csv(out, index=False, float_format="%.2f")
    return len(df)


def openfisca_system(policies: PolicySet):
    """The two tiers as an OpenFisca tax and benefit system, or None where OpenFisca is not
    installed: entities `stay` (the person entity) and `person_year` (a person's stays of one
    year, its members); the four parameters of every (regime, cell) as dated parameters
    indexed by an enum of the keys regime × N_CELL + cell (OpenFisca's vectorial parameters);
    `pay1` and `pay2` as formulas, the year's carried amount a cumulative sum over the members
    (which are given in (person, admission) order). Returns (system, key enum)."""
    try:
        from openfisca_core.entities import build_entity
        from openfisca_core.model_api import YEAR, Enum, ParameterNode, Variable, max_
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    except ImportError:
        return None
    par = two_tier_parameters(policies)
    keys = (par["regime"].astype(np.int64) * N_CELL + par["cell"]).tolist()
    key_enum = Enum("Key", [(f"k{k}", f"k{k}") for k in keys])
    stay = build_entity("stay", "stays", "a hospital stay", is_person=True)
    person_year = build_entity("person_year", "person_years", "a person's stays of one year",
                               roles=[{"key": "stay", "plural": "stays"}])
    tbs = TaxBenefitSystem([stay, person_year])
    tbs.parameters = ParameterNode("", data={"peer": {
        name: {f"k{k}": {"values": {"2019-01-01": int(v)}}
               for k, v in zip(keys, par[name].tolist(), strict=True)}
        for name in ("ded1", "ratio1", "ded2", "ratio2")}})

    class key(Variable):  # noqa: N801 (OpenFisca's variables are named by their class)
        value_type, possible_values, entity, definition_period = Enum, key_enum, stay, YEAR
        default_value = key_enum[f"k{keys[0]}"]

    class in_policy(Variable):  # noqa: N801
        value_type, entity, definition_period = int, stay, YEAR

    class pay1(Variable):  # noqa: N801
        value_type, entity, definition_period = int, stay, YEAR

        def formula(stays, period, parameters):
            p, k = parameters(period).peer, stays("key", period)
            return (max_(stays("in_policy", period) - p.ded1[k], 0) * p.ratio1[k] * 2
                    + 10_000) // 20_000

    class pay2(Variable):  # noqa: N801
        value_type, entity, definition_period = int, stay, YEAR

        def formula(stays, period, parameters):
            p, k = parameters(period).peer, stays("key", period)
            left = stays("in_policy", period) - stays("pay1", period)
            group = stays.simulation.populations["person_year"].members_entity_id
            before = np.cumsum(left) - left
            first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            before -= np.repeat(before[first], np.diff(np.r_[first, len(group)]))
            ded_left = max_(p.ded2[k] - before, 0)
            return (max_(left - ded_left, 0) * p.ratio2[k] * 2 + 10_000) // 20_000

    tbs.add_variables(key, in_policy, pay1, pay2)
    return tbs, key_enum


def openfisca_two_tiers(batch: StayBatch, policies: PolicySet, system) -> dict[str, np.ndarray]:
    """The two tiers by the OpenFisca system of `openfisca_system` (pay1, pay2 per stay in
    input order): the stays ordered by person and admission, a person-year for each person's
    year, a simulation built from the arrays, the keys given as their names."""
    from openfisca_core.simulations import SimulationBuilder

    tbs, _ = system
    _, reg = assign_regimes(batch, policies)
    cell = (((batch.category.astype(np.int64) * 4 + batch.location) * 4 + batch.grade) * 2
            + batch.referred)
    year = batch.admission.astype("datetime64[Y]").astype(np.int64)
    order = np.lexsort((np.arange(len(batch)), batch.admission, batch.person))
    person_year = batch.person[order] * 10_000 + year[order]
    group = np.r_[0, np.cumsum(person_year[1:] != person_year[:-1])]
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("stay", np.arange(len(batch)))
    groups = builder.declare_entity("person_year", np.arange(group[-1] + 1))
    builder.join_with_persons(groups, group, ["stay"] * len(batch))
    sim = builder.build(tbs)
    keys = (reg * N_CELL + cell)[order]
    names = np.array([f"k{k}" for k in range(int(keys.max()) + 1)])
    sim.set_input("key", "2019", names[keys])
    sim.set_input("in_policy", "2019", batch.in_policy[order])
    out = {}
    for name in ("pay1", "pay2"):
        pay = np.empty(len(batch), np.int64)
        pay[order] = sim.calculate(name, "2019")
        out[name] = pay
    return out


__all__ = ["analyst_two_tiers", "openfisca_system", "openfisca_two_tiers", "pandas_script",
           "pandas_two_tiers", "two_tier_parameters"]
