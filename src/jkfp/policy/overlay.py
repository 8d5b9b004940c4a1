"""A reform (what-if) as a YAML overlay on the parameter trees, merged before validation.

An overlay names regimes and, in each, parameters by their path (as `jkfp policy show`
prints them) with dated values, merged into the parameter's own:

    name: 大病保险起付线降至3000元
    description: ...                       # optional
    changes:
      changzhi-2019-2020:
        critical_illness.deductible:       # <tier>.<parameter>
          2019-01-01: {value: {registered_poor: 3000, other: 8000}}
        critical_illness.tilt.ratio_points:  # <tier>.<adjustment>.<parameter>
          2019-01-01: 0.1
        regime.reimbursement_ceiling:      # a parameter of the regime itself
          2020-01-01: {value: null}        # ends it

A dated value replaces the value of the same date or is inserted; it holds until the next
dated value. Reform values carry the reform's name as their source. The reformed folder is
validated exactly like the original one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .check import Problems, join, show
from .errors import PolicyErrorCode, PolicyErrors
from .kinds import kind_named
from .schema import ADJUSTMENT_PARAMS, OVERLAY_KEYS, REGIME_PARAMS
from .trees import RegionTree
from .yamlfile import load_yaml_file, load_yaml_text

#: The source id of values set by an overlay (the regime's titles name the reform).
REFORM_SOURCE = "__reform__"


@dataclass(frozen=True)
class Overlay:
    name: str
    changes: dict  # regime id → {parameter path → {date → entry}}
    description: str | None = None
    file: str = "<overlay>"


def load_overlay(path: Path | str) -> Overlay:
    """An overlay file, checked (name, changes by regime); its targets are checked on merge."""
    return _overlay(load_yaml_file(Path(path)), str(path))


def load_overlay_text(text: str, *, file: str = "<overlay>") -> Overlay:
    return _overlay(load_yaml_text(text, file=file), file)


def _overlay(node: Any, file: str) -> Overlay:
    problems = Problems()
    ctx = problems.ctx(file)
    if ctx.keys(node, "", OVERLAY_KEYS):
        name = ctx.typed(node, "name", "", str)
        changes = node["changes"]
        if not isinstance(changes, dict) or not changes:
            ctx.error(PolicyErrorCode.BAD_TYPE, "changes", node, "changes", expected="映射",
                      what=show(changes))
        else:
            for rid, params in changes.items():
                if not isinstance(params, dict) or not all(isinstance(v, dict)
                                                           for v in params.values()):
                    ctx.error(PolicyErrorCode.BAD_TYPE, join("changes", rid), changes, rid,
                              expected="参数路径 → 按日期的取值", what=show(params))
    if problems.errors:
        raise PolicyErrors(problems.errors)
    return Overlay(name, changes, node.get("description"), file)


def apply_overlay(trees: list[RegionTree], overlay: Overlay, problems: Problems) -> None:
    """Merge the overlay into (copies of) the loaded trees; errors for unknown targets."""
    ctx = problems.ctx(overlay.file)
    regimes = {g.regime.get("id"): g for t in trees for g in t.regimes
               if isinstance(g.regime, dict)}
    for rid, params in overlay.changes.items():
        tree = regimes.get(rid)
        if tree is None:
            ctx.error(PolicyErrorCode.OVERLAY_TARGET, join("changes", rid), overlay.changes, rid,
                      what=f"政策 {rid}")
            continue
        tree.reform = overlay.name
        for path, dated in params.items():
            target = _target(tree, str(path))
            if target is None:
                ctx.error(PolicyErrorCode.OVERLAY_TARGET, join(join("changes", rid), path),
                          params, path, what=f"{rid} 的 {path}")
                continue
            holder, key, spec = target
            node = holder.setdefault(key, {"unit": spec.unit.value, "values": {}})
            values = node.setdefault("values", {}) if isinstance(node, dict) else None
            if not isinstance(values, dict):
                continue  # the regime's own validation reports the malformed node
            for start, entry in dated.items():
                values[start] = _stamp(entry)
            _drop_leading_ends(holder, key, values)


def _drop_leading_ends(holder: dict, key: str, values: dict) -> None:
    """An overlay may end a parameter from its first date: leading nulls are dropped, and a
    parameter left with no value is removed (a required one is then reported as a gap)."""
    for start in sorted(v for v in values if hasattr(v, "isoformat")):
        entry = values[start]
        if not (isinstance(entry, dict) and entry.get("value") is None):
            break
        del values[start]
    if not values:
        del holder[key]


def _stamp(entry: Any) -> Any:
    if isinstance(entry, dict) and "value" in entry:
        entry = dict(entry)
        if entry["value"] is not None and "source" not in entry and not entry.get("example"):
            entry["source"] = REFORM_SOURCE
        return entry
    if entry is None:
        return {"value": None}
    return {"value": entry, "source": REFORM_SOURCE}


def _target(tree: Any, path: str):
    parts = path.split(".")
    if parts[0] == "regime" and len(parts) == 2 and parts[1] in REGIME_PARAMS:
        holder = tree.regime.setdefault("parameters", {})
        return holder, parts[1], REGIME_PARAMS[parts[1]]
    tier = tree.tiers.get(parts[0])
    if not isinstance(tier, dict) or not isinstance(tier.get("parameters"), dict):
        return None
    specs = kind_named(tier.get("kind")).params
    if len(parts) == 2 and parts[1] in specs:
        return tier["parameters"], parts[1], specs[parts[1]]
    if len(parts) == 3 and parts[2] in ADJUSTMENT_PARAMS:
        for adj in tier.get("adjustments") or []:
            if isinstance(adj, dict) and adj.get("id") == parts[1] and isinstance(
                    adj.get("parameters"), dict):
                return adj["parameters"], parts[2], ADJUSTMENT_PARAMS[parts[2]]
    return None


__all__ = ["REFORM_SOURCE", "Overlay", "apply_overlay", "load_overlay", "load_overlay_text"]
