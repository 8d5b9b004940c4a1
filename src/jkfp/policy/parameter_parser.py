"""Reading a parameter node of a YAML file into a `parameters.Parameter`, strictly.

The file format is described in `parameters.py`; every error names the file, the key path and
the line (`check.Ctx`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from . import money
from .check import Ctx, join, show
from .errors import PolicyErrorCode
from .parameters import (
    DIMENSIONS,
    NOT_COVERED,
    UNLIMITED,
    ByDimension,
    DatedValue,
    IncomeShare,
    Leaf,
    Parameter,
    Provenance,
)
from .schema import ENTRY_KEYS, PARAMETER_KEYS, SEGMENT_KEYS, ParamSpec, Unit


def parse_parameter(ctx: Ctx, node: Any, path: str, spec: ParamSpec,
                    sources: dict[str, str]) -> Parameter | None:
    if not ctx.keys(node, path, PARAMETER_KEYS):
        return None
    unit = node.get("unit")
    if unit != spec.unit.value:
        ctx.error(PolicyErrorCode.UNIT_MISMATCH, join(path, "unit"), node, "unit",
                  expected=spec.unit.value, what=show(unit))
        return None
    description = ctx.typed(node, "description", path, str)
    values_node = node["values"]
    vpath = join(path, "values")
    if not isinstance(values_node, dict) or not values_node:
        ctx.error(PolicyErrorCode.BAD_TYPE, vpath, node, "values", expected="按日期的映射",
                  what=show(values_node))
        return None
    dated: list[DatedValue] = []
    for start, entry in values_node.items():
        epath = join(vpath, start)
        if not isinstance(start, date):
            ctx.error(PolicyErrorCode.BAD_TYPE, epath, values_node, start,
                      expected="日期 YYYY-MM-DD", what=show(start))
            continue
        if not ctx.keys(entry, epath, ENTRY_KEYS):
            continue
        line = getattr(entry, "line", None)
        if entry["value"] is None:
            if len(entry) > 1:
                ctx.error(PolicyErrorCode.UNKNOWN_KEY, epath, entry, what="、".join(
                    k for k in entry if k != "value"), allowed="结束一个参数时只写 value: null")
            dated.append(DatedValue(start, None, line))
            continue
        prov = parse_provenance(ctx, entry, epath, sources, required=False)
        tree = _tree(ctx, entry["value"], join(epath, "value"), spec, sources, prov, set(),
                     entry, "value")
        if tree is not None:
            dated.append(DatedValue(start, tree, line))
    dated.sort(key=lambda v: v.start)
    if dated and dated[0].tree is None:
        ctx.error(PolicyErrorCode.DATE_GAP, vpath, values_node,
                  what=f"{dated[0].start} 处以 null 开头，参数从未生效")
    for a, b in pairwise(dated):
        if a.tree is None and b.tree is None:
            ctx.error(PolicyErrorCode.DATE_OVERLAP, join(vpath, b.start), values_node, b.start,
                      what=f"{a.start} 与 {b.start} 都以 null 结束")
    return Parameter(path, spec.label, spec.unit, description, ctx.file,
                     getattr(node, "line", None), tuple(dated))


def parse_provenance(ctx: Ctx, node: dict, path: str, sources: dict[str, str], *,
                     required: bool) -> Provenance | None:
    source = ctx.typed(node, "source", path, str)
    example = ctx.typed(node, "example", path, bool, default=False)
    cite = ctx.typed(node, "cite", path, str)
    note = ctx.typed(node, "note", path, str)
    if source is not None and example:
        ctx.error(PolicyErrorCode.BAD_VALUE, join(path, "example"), node, "example",
                  what="同时写了 source 和 example: true", allowed="二者只能有一个")
        return None
    if source is not None:
        if source not in sources:
            ctx.error(PolicyErrorCode.UNKNOWN_SOURCE, join(path, "source"), node, "source",
                      what=source)
            return None
        return Provenance(source_id=source, source_title=sources[source], cite=cite, note=note)
    if example:
        return Provenance(example=True, cite=cite, note=note)
    if required:
        ctx.error(PolicyErrorCode.MISSING_PROVENANCE, path, node)
    return None


def _tree(ctx: Ctx, node: Any, path: str, spec: ParamSpec, sources: dict[str, str],
          prov: Provenance | None, used: set[str], parent: Any = None,
          key: Any = None) -> Leaf | ByDimension | None:
    if isinstance(node, dict) and "value" in node:
        if not ctx.keys(node, path, ENTRY_KEYS):
            return None
        own = parse_provenance(ctx, node, path, sources, required=prov is None)
        if own is None and prov is None:
            return None
        value = _leaf(ctx, node["value"], join(path, "value"), spec, node, "value")
        return None if value is None else Leaf(value, own or prov)
    if isinstance(node, dict) and not (spec.income_share and "income_share" in node):
        return _by_dimension(ctx, node, path, spec, sources, prov, used)
    if prov is None:
        ctx.error(PolicyErrorCode.MISSING_PROVENANCE, path, parent, key)
        return None
    value = _leaf(ctx, node, path, spec, parent, key)
    return None if value is None else Leaf(value, prov)


def _by_dimension(ctx: Ctx, node: dict, path: str, spec: ParamSpec, sources: dict[str, str],
                  prov: Provenance | None, used: set[str]) -> ByDimension | None:
    dims = set()
    for key in node:
        if key == "other":
            continue
        found = [d for d, (_, members) in DIMENSIONS.items() if key in members
                 and type(key) is type(members[0])]
        if not found:
            ctx.error(PolicyErrorCode.UNKNOWN_KEY, join(path, key), node, key, what=show(key),
                      allowed="人员类别代码、county/city/province/outside、医院等级 0-3 或 other")
            return None
        dims.add(found[0])
    if len(dims) > 1:
        ctx.error(PolicyErrorCode.DIMENSION_MIXED, path, node, what="、".join(sorted(dims)))
        return None
    dim = dims.pop() if dims else "category"
    if dim in used:
        ctx.error(PolicyErrorCode.DIMENSION_MIXED, path, node, what=f"{dim} 在上层已经使用")
        return None
    label, members = DIMENSIONS[dim]
    missing = [str(m) for m in members if m not in node]
    if missing and "other" not in node:
        ctx.error(PolicyErrorCode.DIMENSION_INCOMPLETE, path, node, dimension=label,
                  what="、".join(missing))
        return None
    branches = {}
    other = None
    ok = True
    for key, sub in node.items():
        t = _tree(ctx, sub, join(path, key), spec, sources, prov, used | {dim}, node, key)
        ok = ok and t is not None
        if key == "other":
            other = t
        else:
            branches[key] = t
    return ByDimension(dim, branches, other) if ok else None


def _leaf(ctx: Ctx, value: Any, path: str, spec: ParamSpec, parent: Any, key: Any) -> Any:
    where = (parent, key) if parent is not None else (value, None)
    unit = spec.unit
    if isinstance(value, str) and value == NOT_COVERED:
        if spec.not_covered:
            return NOT_COVERED
        ctx.error(PolicyErrorCode.BAD_VALUE, path, *where, what=NOT_COVERED,
                  allowed="not_covered 只能用于层级（tier）自身的参数，调整和政策级参数须给出取值")
        return None
    if unit is Unit.YUAN:
        if spec.unlimited and value == UNLIMITED:
            return UNLIMITED
        if spec.income_share and isinstance(value, dict):
            if set(value) != {"income_share"}:
                ctx.error(PolicyErrorCode.UNKNOWN_KEY, path, value, what="、".join(map(str, value)),
                          allowed="income_share")
                return None
            bp = _ratio(ctx, value["income_share"], join(path, "income_share"), value,
                        "income_share", 0, money.BP)
            return None if bp is None else IncomeShare(bp)
        fen = _amount(value)
        if fen is None:
            ctx.error(PolicyErrorCode.BAD_AMOUNT, path, *where, what=show(value))
        return fen
    if unit is Unit.RATIO:
        return _ratio(ctx, value, path, *where, 0, money.BP)
    if unit is Unit.POINTS:
        return _ratio(ctx, value, path, *where, -money.BP, money.BP)
    if unit is Unit.BOOLEAN:
        if not isinstance(value, bool):
            ctx.error(PolicyErrorCode.BAD_TYPE, path, *where, expected="true/false",
                      what=show(value))
            return None
        return value
    return _segments(ctx, value, path, where)


def _amount(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    fen = money.decimal_to_fen(value)
    if fen is None or fen > money.MAX_AMOUNT_FEN:
        return None
    return fen


def _ratio(ctx: Ctx, value: Any, path: str, parent: Any, key: Any, lo: int, hi: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        ctx.error(PolicyErrorCode.BAD_TYPE, path, parent, key, expected="数字", what=show(value))
        return None
    bp = money.decimal_to_bp(value)
    if bp is None:
        ctx.error(PolicyErrorCode.TOO_PRECISE, path, parent, key, what=value)
        return None
    if not lo <= bp <= hi:
        ctx.error(PolicyErrorCode.RATIO_OUT_OF_RANGE, path, parent, key, what=value,
                  allowed=f"[{Decimal(lo) / money.BP}, {Decimal(hi) / money.BP}]")
        return None
    return bp


def _segments(ctx: Ctx, value: Any, path: str, where: tuple) -> tuple | None:
    if not isinstance(value, list) or not value:
        ctx.error(PolicyErrorCode.BAD_TYPE, path, *where, expected="分段列表", what=show(value))
        return None
    rows: list[tuple[int | None, int]] = []
    for i, seg in enumerate(value):
        spath = join(path, i)
        if not ctx.keys(seg, spath, SEGMENT_KEYS):
            return None
        up = seg["up_to"]
        up_fen = None if up is None else _amount(up)
        if up is not None and up_fen is None:
            ctx.error(PolicyErrorCode.BAD_AMOUNT, join(spath, "up_to"), seg, "up_to", what=show(up))
            return None
        bp = _ratio(ctx, seg["ratio"], join(spath, "ratio"), seg, "ratio", 0, money.BP)
        if bp is None:
            return None
        rows.append((up_fen, bp))
    for i, (up, _) in enumerate(rows):
        last = i == len(rows) - 1
        if last and up is not None:
            ctx.error(PolicyErrorCode.SEGMENTS_OUT_OF_ORDER, join(path, i), value[i], "up_to",
                      what="最后一段的 up_to 应为 null（以上全部）")
            return None
        if not last and up is None:
            ctx.error(PolicyErrorCode.SEGMENTS_OUT_OF_ORDER, join(path, i), value[i], "up_to",
                      what="只有最后一段的 up_to 可以为 null")
            return None
        if i > 0 and up is not None and up <= rows[i - 1][0]:
            ctx.error(PolicyErrorCode.SEGMENTS_OUT_OF_ORDER, join(path, i), value[i], "up_to",
                      what=f"第{i + 1}段的 up_to 不大于第{i}段的 up_to")
            return None
    return tuple(rows)
