"""Loading a policies folder strictly: every error names the file, the key and the line.

Layout (a new region is one new folder, no code):

    policies/
      <region>/region.yaml            id, name, codes (administrative code prefixes)
      <region>/<regime>/regime.yaml   id, name, version, start, end, sources, tiers, ...
      <region>/<regime>/<tier>.yaml   one file per tier named in `tiers`, in that order

`trees.read_trees` reads the files into mappings; `build_policy_set` validates mappings (read
from files, or built in memory by the property tests), after merging a reform overlay into
copies of them (`overlay.py`); `load_policies` does both. What a tier file of each kind may
hold is the kind's (`kinds.py`); a parameter node is read by `parameter_parser.py`.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from .check import Ctx, Problems, join, show
from .coverage import check_across, check_coverage
from .errors import PolicyErrorCode, PolicyErrors
from .kinds import KINDS, kind_named
from .overlay import REFORM_SOURCE, Overlay, apply_overlay
from .parameter_parser import parse_parameter, parse_provenance
from .parameters import Parameter
from .regimes import Adjustment, Condition, DepositWaiver, PolicySet, Regime, Region, Source, Tier
from .schema import (
    ADJUSTMENT_EXCLUSIVE,
    ADJUSTMENT_KEYS,
    ADJUSTMENT_PARAMS,
    CATEGORY_INDEX,
    DEPOSIT_KEYS,
    ELIGIBILITY_KEYS,
    FUNDS,
    GRADES,
    LOCATION_INDEX,
    REGIME_KEYS,
    REGIME_PARAMS,
    REGION_KEYS,
    SOURCE_KEYS,
    WHEN_KEYS,
    Base,
    Kind,
    ParamSpec,
    Per,
)
from .trees import RegimeTree, RegionTree, read_trees


def load_policies(root: Path | str, *, overlay: Overlay | None = None) -> PolicySet:
    """Load and validate a policies folder; raise PolicyErrors listing every problem."""
    return build_policy_set(read_trees(Path(root)), overlay=overlay, root=str(root))


def build_policy_set(trees: list[RegionTree], *, overlay: Overlay | None = None,
                     root: str = "") -> PolicySet:
    problems = Problems()
    if overlay is not None:
        trees = copy.deepcopy(trees)
        apply_overlay(trees, overlay, problems)
    regions = [r for r in (_region(problems, t) for t in trees) if r is not None]
    check_across(problems, regions)
    if problems.errors:
        raise PolicyErrors(problems.errors)
    return PolicySet(tuple(regions), root=root, reform=overlay.name if overlay else None)


def _region(problems: Problems, tree: RegionTree) -> Region | None:
    ctx = problems.ctx(tree.file)
    node = tree.region
    if not ctx.keys(node, "", REGION_KEYS):
        return None
    rid = ctx.ident(node, "id", "")
    name = ctx.typed(node, "name", "", str)
    codes = node.get("codes")
    good_codes: list[str] = []
    if not isinstance(codes, list) or not codes:
        ctx.error(PolicyErrorCode.BAD_TYPE, "codes", node, "codes", expected="编码列表",
                  what=show(codes))
    else:
        for c in codes:
            if not isinstance(c, str) or not re.fullmatch(r"\d{2}|\d{4}|\d{6}", c):
                ctx.error(PolicyErrorCode.BAD_VALUE, "codes", node, "codes", what=show(c),
                          allowed="2、4或6位数字的行政区划编码（加引号）")
            else:
                good_codes.append(c)
    regimes = [r for r in (_regime(problems, g, rid or "", name or "") for g in tree.regimes)
               if r is not None]
    regimes.sort(key=lambda r: r.start)
    for a, b in pairwise(regimes):
        gctx = problems.ctx(f"{b.folder}/regime.yaml")
        if b.start <= a.end:
            gctx.error(PolicyErrorCode.DATE_OVERLAP, "start", what=f"{a.id}（至 {a.end}）与 "
                       f"{b.id}（自 {b.start}）")
        elif b.start != a.end + timedelta(days=1):
            gctx.error(PolicyErrorCode.DATE_GAP, "start", what=f"{a.id} 止于 {a.end}，"
                       f"{b.id} 始于 {b.start}")
    if rid is None or name is None:
        return None
    return Region(rid, name, tuple(good_codes), tuple(regimes), node.get("description"),
                  str(Path(tree.file).parent))


def _regime(problems: Problems, tree: RegimeTree, region_id: str,
            region_name: str) -> Regime | None:
    file = tree.files.get("regime", "regime.yaml")
    ctx = problems.ctx(file)
    node = tree.regime
    if not ctx.keys(node, "", REGIME_KEYS):
        return None
    rid = ctx.ident(node, "id", "")
    name = ctx.typed(node, "name", "", str)
    version = ctx.typed(node, "version", "", int)
    start = ctx.typed(node, "start", "", date)
    end = ctx.typed(node, "end", "", date)
    if start is not None and end is not None and end < start:
        ctx.error(PolicyErrorCode.DATE_OVERLAP, "end", node, "end", what=f"end {end} 早于 start {start}")
        return None
    sources = _sources(ctx, node.get("sources"))
    titles = {k: s.title for k, s in sources.items()}
    if tree.reform is not None:
        titles[REFORM_SOURCE] = f"改革方案“{tree.reform}”"
    tier_ids = node.get("tiers")
    if not isinstance(tier_ids, list) or not tier_ids:
        ctx.error(PolicyErrorCode.BAD_TYPE, "tiers", node, "tiers", expected="层级 id 列表",
                  what=show(tier_ids))
        return None
    if len(set(map(str, tier_ids))) != len(tier_ids):
        ctx.error(PolicyErrorCode.DUPLICATE_ID, "tiers", node, "tiers", what=show(tier_ids))
        return None
    tiers = [_tier(problems.ctx(tree.files.get(str(t), f"{t}.yaml")), tree.tiers.get(str(t)),
                   str(t), titles) for t in tier_ids]
    params = _parameters(ctx, node.get("parameters", {}), "parameters", REGIME_PARAMS, titles,
                         "regime")
    waiver = _deposit_waiver(ctx, node.get("deposit_waiver"), titles)
    if None in (rid, name, version, start, end, params) or None in tiers:
        return None
    if version < 1:
        ctx.error(PolicyErrorCode.BAD_VALUE, "version", node, "version", what=version,
                  allowed="正整数")
        return None
    regime = Regime(rid, name, version, start, end, region_id, region_name, tuple(tiers),
                    params, sources, waiver, node.get("description"),
                    str(Path(file).parent), tree.reform)
    check_coverage(problems, regime, ctx)
    return regime


def _sources(ctx: Ctx, node: Any) -> dict[str, Source]:
    if not isinstance(node, dict) or not node:
        ctx.error(PolicyErrorCode.BAD_TYPE, "sources", node, expected="来源文件映射",
                  what=show(node))
        return {}
    out = {}
    for key, sub in node.items():
        path = join("sources", key)
        if ctx.keys(sub, path, SOURCE_KEYS):
            out[str(key)] = Source(str(key), str(sub["title"]), sub.get("document"),
                                   sub.get("url"), _text(sub.get("published")), sub.get("note"))
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _tier(ctx: Ctx, node: Any, tid: str, sources: dict[str, str]) -> Tier | None:
    if node is None:
        ctx.error(PolicyErrorCode.FILE_MISSING, "", what=f"{tid}.yaml")
        return None
    kind_name = ctx.choice(node, "kind", "", [k.value for k in Kind]) \
        if isinstance(node, dict) else None
    if kind_name is None:
        if isinstance(node, dict) and "kind" not in node:
            ctx.error(PolicyErrorCode.MISSING_KEY, "kind", node, what="kind")
        elif not isinstance(node, dict):
            ctx.keys(node, "", kind_named(None).keys)
        return None
    kind = KINDS[Kind(kind_name)]
    if not ctx.keys(node, "", kind.keys):
        return None
    if node.get("id") != tid:
        ctx.error(PolicyErrorCode.BAD_VALUE, "id", node, "id", what=show(node.get("id")),
                  allowed=f"与 regime.yaml 的 tiers 中的 {tid} 一致")
        return None
    name = ctx.typed(node, "name", "", str)
    fund = ctx.choice(node, "fund", "", list(FUNDS))
    elig = _condition(ctx, node.get("eligibility", {}), "eligibility", ELIGIBILITY_KEYS)
    params = _parameters(ctx, node["parameters"], "parameters", kind.params, sources, tid)
    if kind.shape is not None:  # fixed by the kind, no adjustments
        base, per, over = kind.shape
        adjustments: list[Adjustment] | None = []
    else:
        base = ctx.choice(node, "base", "", [b.value for b in Base])
        per = ctx.choice(node, "deductible_per", "", [p.value for p in Per])
        over = ctx.choice(node, "segments_over", "", [p.value for p in Per])
        adjustments = _adjustments(ctx, node.get("adjustments", []), sources, tid)
    missing = None if params is None else kind.parameters_problem(params)
    if missing is not None:
        ctx.error(PolicyErrorCode.MISSING_KEY, "parameters", node, "parameters", what=missing)
        return None
    if None in (name, fund, elig, params, base, per, over, adjustments):
        return None
    return Tier(tid, name, kind.kind, fund, Base(base), Per(per), Per(over), elig, params,
                tuple(adjustments), node.get("description"), ctx.file)


def _parameters(ctx: Ctx, node: Any, path: str, specs: dict[str, ParamSpec],
                sources: dict[str, str], name: str) -> dict[str, Parameter] | None:
    """Parse a `parameters` mapping; each Parameter's path becomes `name.key`
    (e.g. `critical_illness.deductible`, `critical_illness.tilt.ratio_points`,
    `regime.reimbursement_ceiling`): the names `policy show` prints and overlays target."""
    if not isinstance(node, dict):
        ctx.error(PolicyErrorCode.BAD_TYPE, path, node, expected="参数映射", what=show(node))
        return None
    out: dict[str, Parameter] = {}
    ok = ctx.keys(node, path, ({k for k, s in specs.items() if s.required},
                               {k for k, s in specs.items() if not s.required}))
    for key, sub in node.items():
        if key in specs:
            p = parse_parameter(ctx, sub, join(path, key), specs[key], sources)
            if p is None:
                ok = False
            else:
                out[key] = dataclasses.replace(p, path=f"{name}.{key}")
    return out if ok else None


def _adjustments(ctx: Ctx, node: Any, sources: dict[str, str],
                 tid: str) -> list[Adjustment] | None:
    if not isinstance(node, list):
        ctx.error(PolicyErrorCode.BAD_TYPE, "adjustments", node, expected="列表", what=show(node))
        return None
    out, ids = [], set()
    for i, sub in enumerate(node):
        path = join("adjustments", i)
        if not ctx.keys(sub, path, ADJUSTMENT_KEYS):
            return None
        aid = ctx.ident(sub, "id", path)
        if aid in ids:
            ctx.error(PolicyErrorCode.DUPLICATE_ID, join(path, "id"), sub, "id", what=aid)
            return None
        ids.add(aid)
        name = ctx.typed(sub, "name", path, str)
        when = _condition(ctx, sub["when"], join(path, "when"), WHEN_KEYS)
        params = _parameters(ctx, sub["parameters"], join(path, "parameters"), ADJUSTMENT_PARAMS,
                             sources, f"{tid}.{aid}")
        if None in (aid, name, when, params):
            return None
        for a, b in ADJUSTMENT_EXCLUSIVE:
            if a in params and b in params:
                ctx.error(PolicyErrorCode.BAD_VALUE, join(path, "parameters"), sub, "parameters",
                          what=f"{a} 与 {b}",
                          allowed=f"一项调整只能二选一：直接设定（{a}）或 {b}")
                return None
        out.append(Adjustment(aid, name, when, params, sub.get("description")))
    return out


def _members(ctx: Ctx, node: dict, key: str, path: str, index: dict) -> frozenset[int] | None:
    """`all` (or absent) → None; a list of members → their indexes; errors recorded."""
    value = node.get(key, "all")
    if value == "all":
        return None
    if not isinstance(value, list) or not value:
        ctx.error(PolicyErrorCode.BAD_TYPE, join(path, key), node, key, expected="all 或列表",
                  what=show(value))
        raise ValueError
    out = set()
    for v in value:
        if v not in index or type(v) is bool:
            ctx.error(PolicyErrorCode.BAD_VALUE, join(path, key), node, key, what=show(v),
                      allowed="、".join(map(str, index)))
            raise ValueError
        out.add(index[v])
    return frozenset(out)


def _condition(ctx: Ctx, node: Any, path: str, spec: tuple) -> Condition | None:
    if not ctx.keys(node, path, spec):
        return None
    try:
        cats = _members(ctx, node, "categories", path, CATEGORY_INDEX)
        locs = _members(ctx, node, "locations", path, LOCATION_INDEX)
        grades = _members(ctx, node, "grades", path, {g: g for g in GRADES})
    except ValueError:
        return None
    flag_key = "referral_required" if "referral_required" in spec[1] else "referred"
    flag = ctx.typed(node, flag_key, path, bool)
    if flag_key in node and flag is None:
        return None
    referred = (True if flag else None) if flag_key == "referral_required" else flag
    return Condition(cats, locs, grades, referred)


def _deposit_waiver(ctx: Ctx, node: Any, sources: dict[str, str]) -> DepositWaiver | None:
    if node is None:
        return None
    if not ctx.keys(node, "deposit_waiver", DEPOSIT_KEYS):
        return None
    try:
        cats = _members(ctx, node, "categories", "deposit_waiver", CATEGORY_INDEX)
        locs = _members(ctx, node, "locations", "deposit_waiver", LOCATION_INDEX)
    except ValueError:
        return None
    prov = parse_provenance(ctx, node, "deposit_waiver", sources, required=True)  # as a value
    return None if prov is None else DepositWaiver(Condition(cats, locs), prov)
