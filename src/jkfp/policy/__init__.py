"""The policy engine: dated parameters, settlement of one stay and of a batch, reforms.

Plain Python: nothing here imports Django (a test checks it). The public API:

- `load_policies(folder, overlay=None) -> PolicySet`  strict loading of `policies/`
- `settle_stay(stay, policies=..., accumulators=None) -> Statement`  one stay, explained
- `settle_batch(batch, policies) -> BatchResult`  many stays, vectorised, same fen
- `overlay.load_overlay(path)`, `comparison.compare(batch, baseline, reform, threshold_fen=...)`
  reforms
- `cases.load_case_files(paths)`, `cases.run_case(...)`  policy cases (`jkfp policy test`)
"""

from .batch import BatchResult, StayBatch, settle_batch
from .errors import PolicyError, PolicyErrorCode, PolicyErrors, RowError, StayErrors
from .in_force import ParameterUse
from .loader import build_policy_set, load_policies
from .regimes import PolicySet, Regime, Region, Tier
from .schema import CATEGORIES, LOCATIONS, Location
from .statement import Accumulators, SegmentPart, Statement, TierAccumulator, TierLine
from .stay import settle_stay
from .stay_input import Stay, check_stay

__all__ = [
    "CATEGORIES",
    "LOCATIONS",
    "Accumulators",
    "BatchResult",
    "Location",
    "ParameterUse",
    "PolicyError",
    "PolicyErrorCode",
    "PolicyErrors",
    "PolicySet",
    "Regime",
    "Region",
    "RowError",
    "SegmentPart",
    "Statement",
    "Stay",
    "StayBatch",
    "StayErrors",
    "Tier",
    "TierAccumulator",
    "TierLine",
    "build_policy_set",
    "check_stay",
    "load_policies",
    "settle_batch",
    "settle_stay",
]
