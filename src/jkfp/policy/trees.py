"""A policies folder read into mappings (with their lines), before validation.

`read_trees` reads every YAML file of a folder; `loader.build_policy_set` validates the trees
into a `PolicySet`, after `overlay.apply_overlay` has merged a reform into copies of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PolicyError, PolicyErrorCode, PolicyErrors
from .yamlfile import load_yaml_file


@dataclass
class RegimeTree:
    regime: Any
    tiers: dict[str, Any]  # tier id → mapping
    files: dict[str, str] = field(default_factory=dict)  # "regime" / tier id → file name
    reform: str | None = None  # set by a reform overlay that changed this regime


@dataclass
class RegionTree:
    region: Any
    regimes: list[RegimeTree]
    file: str = "region.yaml"


def read_trees(root: Path) -> list[RegionTree]:
    """Read every YAML file of a policies folder (or of one region folder)."""
    root = Path(root)
    if not root.is_dir():
        raise PolicyErrors([PolicyError(PolicyErrorCode.FILE_MISSING, file=str(root),
                                        what=str(root))])
    region_dirs = [root] if (root / "region.yaml").is_file() else sorted(
        d for d in root.iterdir() if d.is_dir() and (d / "region.yaml").is_file())
    errors: list[PolicyError] = []
    trees: list[RegionTree] = []
    for rdir in region_dirs:
        try:
            region = load_yaml_file(rdir / "region.yaml", display=display_path(rdir / "region.yaml"))
        except PolicyError as e:
            errors.append(e)
            continue
        regimes = []
        for gdir in sorted(d for d in rdir.iterdir() if d.is_dir()):
            regime_file = gdir / "regime.yaml"
            if not regime_file.is_file():
                continue
            try:
                tree = RegimeTree(load_yaml_file(regime_file, display=display_path(regime_file)), {},
                                  {"regime": display_path(regime_file)})
                tier_ids = tree.regime.get("tiers") if isinstance(tree.regime, dict) else None
                for tid in tier_ids if isinstance(tier_ids, list) else []:
                    path = gdir / f"{tid}.yaml"
                    tree.files[str(tid)] = display_path(path)
                    tree.tiers[str(tid)] = load_yaml_file(path, display=display_path(path))
                regimes.append(tree)
            except PolicyError as e:
                errors.append(e)
        trees.append(RegionTree(region, regimes, display_path(rdir / "region.yaml")))
    if errors:
        raise PolicyErrors(errors)
    return trees


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
