"""Policy cases as data: strict loading of case files, and running them (`jkfp policy test`).

A case file (`tests/policy_cases/*.yaml`, README there) names the policies it is computed from
(`repo`: the policies folder; `fixtures`: `policies/` beside the file; or a folder relative to
the file) and lists cases: a `name`, the `working` done by hand, the `stays` (settled in the
order given, accumulators carried per person) and the `expected` amounts per stay, to the fen.

Loading is as strict as that of parameter files: an unknown or missing key, a bad value of a
stay (checked by `stay_input.check_stay`, the engine's one stay validator) or an amount that is
not a quoted yuan text with at most two decimals is an error naming the file and the line.
`run_case` settles every case with `settle_stay` and with `settle_batch` and compares both
with the expected values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import StayBatch, settle_batch
from .check import Ctx, Problems, join, show
from .errors import PolicyError, PolicyErrorCode, PolicyErrors
from .money import fmt_yuan, yuan_text_to_fen
from .regimes import PolicySet
from .stay import settle_stay
from .stay_input import Stay, check_stay
from .yamlfile import line_of, load_yaml_file

FILE_KEYS = ({"policies", "cases"}, set())
CASE_KEYS = ({"name", "working", "stays", "expected"}, set())
STAY_KEYS = ({"id", "person", "county", "category", "grade", "location", "referred", "admission",
              "total", "in_policy"}, {"discharge"})
#: Expected keys per stay besides tier ids: totals, per-tier details, flags.
AMOUNT_KEYS = ("reimbursed_total", "self_pay")
TIER_MAP_KEYS = ("deductible", "limited_by")
FLAG_KEYS = ("deposit_waived", "example_values")
LIMITS = ("stay_cap", "annual_cap", "ceiling", "total", "guarantee")
#: stay key of a case → column of `check_stay`
_COLUMNS = {"county": "county_code", "category": "category", "grade": "hospital_grade",
            "location": "location", "referred": "referred", "admission": "admission_date",
            "discharge": "discharge_date", "total": "total_cost", "in_policy": "in_policy_cost"}


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    line: int | None
    stays: tuple[Stay, ...]
    expected: dict[str, dict[str, Any]]  # stay id → key → fen | bool | str | {tier: fen|str}


@dataclass(frozen=True)
class CaseFile:
    path: Path
    policies: str  # "repo", "fixtures" or a folder relative to the file
    cases: tuple[Case, ...]

    def policies_dir(self, repo: Path) -> Path:
        if self.policies == "repo":
            return repo
        if self.policies == "fixtures":
            return self.path.parent / "policies"
        return self.path.parent / self.policies


def policies_named(path: Path | str, *, repo: Path) -> Path:
    """The policies folder a case file names (read before the file is checked, so that the
    check knows the tier ids): `repo`, `fixtures` or a folder relative to the file."""
    path = Path(path)
    node = load_yaml_file(path)
    name = node.get("policies") if isinstance(node, dict) else None
    return CaseFile(path, name if isinstance(name, str) else "repo", ()).policies_dir(repo)


def case_files_in(paths: list[Path]) -> list[Path]:
    """The case files named: files as given, folders as their `*.yaml` files, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        out += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    return out


def load_case_file(path: Path | str, *, tier_ids: set[str] | None = None) -> CaseFile:
    """Read and check a case file; raise PolicyErrors listing every problem. With `tier_ids`
    (of the policies the file uses) an expected key that is no tier id is an error too."""
    path = Path(path)
    node = load_yaml_file(path)
    problems = Problems()
    ctx = problems.ctx(str(path))
    cases: list[Case] = []
    policies = "repo"
    if ctx.keys(node, "", FILE_KEYS):
        policies = ctx.typed(node, "policies", "", str) or "repo"
        items = node["cases"]
        if not isinstance(items, list) or not items:
            ctx.error(PolicyErrorCode.BAD_TYPE, "cases", node, "cases", expected="案例列表",
                      what=show(items))
        else:
            for i, item in enumerate(items):
                case = _case(ctx, item, join("cases", i), tier_ids)
                if case is not None:
                    cases.append(case)
    if problems.errors:
        raise PolicyErrors(problems.errors)
    return CaseFile(path, policies, tuple(cases))


def _keys(ctx: Ctx, node: Any, path: str, spec: tuple[set[str], set[str]]) -> bool | None:
    """True: keys fine; False: an unknown key (reported; the rest is still checked);
    None: not a mapping or a required key missing (reported; nothing more to check)."""
    ok = ctx.keys(node, path, spec)
    if ok:
        return True
    return False if isinstance(node, dict) and spec[0] <= set(node) else None


def _case(ctx: Ctx, node: Any, path: str, tier_ids: set[str] | None) -> Case | None:
    keys_ok = _keys(ctx, node, path, CASE_KEYS)
    if keys_ok is None:
        return None
    name = ctx.typed(node, "name", path, str)
    ctx.typed(node, "working", path, str)
    stays_node, expected_node = node["stays"], node["expected"]
    stays: list[Stay] = []
    if not isinstance(stays_node, list) or not stays_node:
        ctx.error(PolicyErrorCode.BAD_TYPE, join(path, "stays"), node, "stays",
                  expected="住院列表", what=show(stays_node))
    else:
        for j, s in enumerate(stays_node):
            stay = _stay(ctx, s, join(join(path, "stays"), j))
            if stay is not None:
                stays.append(stay)
    ids = {s.stay_id for s in stays}
    expected: dict[str, dict[str, Any]] = {}
    epath = join(path, "expected")
    if not isinstance(expected_node, dict) or not expected_node:
        ctx.error(PolicyErrorCode.BAD_TYPE, epath, node, "expected",
                  expected="按住院 id 的期望值", what=show(expected_node))
    else:
        for sid, values in expected_node.items():
            if str(sid) not in ids and len(stays) == len(stays_node):
                ctx.error(PolicyErrorCode.UNKNOWN_KEY, join(epath, sid), expected_node, sid,
                          what=sid, allowed="、".join(sorted(ids)))
                continue
            checked = _expected(ctx, values, join(epath, sid), expected_node, sid, tier_ids)
            if checked is not None:
                expected[str(sid)] = checked
    if not keys_ok or name is None or len(stays) != len(stays_node or []) or not expected:
        return None
    return Case(name, ctx.file, line_of(node), tuple(stays), expected)


def _stay(ctx: Ctx, node: Any, path: str) -> Stay | None:
    keys_ok = _keys(ctx, node, path, STAY_KEYS)
    if keys_ok is None:
        return None
    sid = ctx.typed(node, "id", path, str)
    person = ctx.typed(node, "person", path, str)
    if sid is None or person is None:
        return None
    quoted = True
    for key in ("total", "in_policy"):
        if not isinstance(node[key], str):
            ctx.error(PolicyErrorCode.BAD_AMOUNT, join(path, key), node, key,
                      what=f"{show(node[key])}，须写成带引号的文本")
            quoted = False
    args = {column: node[key] for key, column in _COLUMNS.items() if key in node}
    args.setdefault("discharge_date", node["admission"])  # a day case unless said otherwise
    stay, errors = check_stay(stay_id=sid, person_id=person, **args)
    reverse = {c: k for k, c in _COLUMNS.items()}
    for e in errors:
        key = reverse.get(e.column, e.column)
        if key in ("total", "in_policy") and not quoted and not isinstance(node[key], str):
            continue  # reported above
        ctx.problems.errors.append(PolicyError(e.code, file=ctx.file, line=line_of(node, key),
                                               key=join(path, key), message=e.message))
    return stay if keys_ok and quoted else None


def _expected(ctx: Ctx, node: Any, path: str, parent: Any, sid: Any,
              tier_ids: set[str] | None) -> dict[str, Any] | None:
    if not isinstance(node, dict) or not node:
        ctx.error(PolicyErrorCode.BAD_TYPE, path, parent, sid, expected="期望值映射",
                  what=show(node))
        return None
    out: dict[str, Any] = {}
    ok = True
    for key, value in node.items():
        kpath = join(path, key)
        if key in FLAG_KEYS:
            good = isinstance(value, bool)
            if not good:
                ctx.error(PolicyErrorCode.BAD_TYPE, kpath, node, key, expected="true/false",
                          what=show(value))
        elif key == "policy":
            good = isinstance(value, str)
            if not good:
                ctx.error(PolicyErrorCode.BAD_TYPE, kpath, node, key, expected="政策标识@版本",
                          what=show(value))
        elif key in TIER_MAP_KEYS:
            good = isinstance(value, dict) and bool(value)
            if not good:
                ctx.error(PolicyErrorCode.BAD_TYPE, kpath, node, key, expected="层级 → 取值",
                          what=show(value))
            else:
                value = dict(value)
                for tier, sub in value.items():
                    if tier_ids is not None and tier not in tier_ids:
                        ctx.error(PolicyErrorCode.UNKNOWN_KEY, join(kpath, tier), node[key],
                                  tier, what=tier, allowed="、".join(sorted(tier_ids)))
                        good = False
                    elif key == "limited_by" and sub not in LIMITS:
                        ctx.error(PolicyErrorCode.BAD_VALUE, join(kpath, tier), node[key],
                                  tier, what=show(sub), allowed="、".join(LIMITS))
                        good = False
                    elif key == "deductible":
                        value[tier] = _fen(ctx, sub, join(kpath, tier), node[key], tier)
                        good = good and value[tier] is not None
        elif key in AMOUNT_KEYS or tier_ids is None or key in tier_ids:
            value = _fen(ctx, value, kpath, node, key)
            good = value is not None
        else:
            allowed = [*AMOUNT_KEYS, *TIER_MAP_KEYS, "policy", *FLAG_KEYS, *sorted(tier_ids)]
            ctx.error(PolicyErrorCode.UNKNOWN_KEY, kpath, node, key, what=key,
                      allowed="、".join(allowed))
            good = False
        ok = ok and good
        out[str(key)] = value
    return out if ok else None


def _fen(ctx: Ctx, value: Any, path: str, parent: Any, key: Any) -> int | None:
    fen = yuan_text_to_fen(value) if isinstance(value, str) else None
    if fen is None:
        ctx.error(PolicyErrorCode.BAD_AMOUNT, path, parent, key,
                  what=f"{show(value)}，须写成带引号的文本")
    return fen


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Check:
    stay_id: str
    what: str  # e.g. "basic", "self_pay", "deductible.critical_illness"
    path: str  # 逐次结算 (settle_stay) | 批量结算 (settle_batch) | 结算单
    expected: str
    got: str

    @property
    def ok(self) -> bool:
        return self.expected == self.got

    def describe(self) -> str:
        return f"{self.stay_id} {self.what}（{self.path}）：应为 {self.expected}，实为 {self.got}"


@dataclass
class CaseResult:
    case: Case
    checks: list[Check] = field(default_factory=list)
    error: str | None = None  # the case could not be settled

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    def failures(self) -> list[str]:
        if self.error is not None:
            return [f"无法结算：{self.error}"]
        return [c.describe() for c in self.checks if not c.ok]


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return fmt_yuan(value)
    return "—" if value is None else str(value)


def run_case(case: Case, *, policies: PolicySet) -> CaseResult:
    """Settle the case's stays one by one and as a batch; compare with what is expected."""
    result = CaseResult(case)
    try:
        statements, accumulators = {}, {}
        for stay in case.stays:
            st = settle_stay(stay, policies=policies,
                             accumulators=accumulators.get(stay.person_id))
            accumulators[stay.person_id] = st.accumulators_after
            statements[stay.stay_id] = st
        batch = settle_batch(StayBatch.from_stays(list(case.stays)), policies)
    except PolicyError as e:
        result.error = str(e)
        return result
    index = {s.stay_id: i for i, s in enumerate(case.stays)}

    def check(sid: str, what: str, path: str, expected: Any, got: Any) -> None:
        result.checks.append(Check(sid, what, path, _show_value(expected), _show_value(got)))

    for sid, expected in case.expected.items():
        st, i = statements[sid], index[sid]
        lines = {t.tier_id: t for t in st.tiers}
        for key, value in expected.items():
            if key == "reimbursed_total":
                check(sid, key, "逐次结算", value, st.reimbursed_fen)
                check(sid, key, "批量结算", value, int(batch.reimbursed[i]))
            elif key == "self_pay":
                check(sid, key, "逐次结算", value, st.self_pay_fen)
                check(sid, key, "批量结算", value, int(batch.self_pay[i]))
            elif key in TIER_MAP_KEYS:
                for tier, want in value.items():
                    line = lines.get(tier)
                    got = None if line is None else (
                        line.deductible_fen if key == "deductible" else line.limited_by)
                    check(sid, f"{key}.{tier}", "逐次结算", want, got)
            elif key == "policy":
                check(sid, key, "逐次结算", value, st.regime_label)
                check(sid, key, "批量结算", value, batch.regimes[batch.regime_index[i]].label)
            elif key == "deposit_waived":
                check(sid, key, "逐次结算", value, st.deposit_waived)
                check(sid, key, "批量结算", value, bool(batch.deposit_waived[i]))
            elif key == "example_values":
                check(sid, key, "逐次结算", value, st.uses_examples)
                check(sid, key, "批量结算", value, bool(batch.uses_examples[i]))
            else:  # a tier id
                line = lines.get(key)
                check(sid, key, "逐次结算", value, None if line is None else line.amount_fen)
                column = batch.amounts.get(key)
                check(sid, key, "批量结算", value, None if column is None else int(column[i]))
        # the statement adds up
        check(sid, "报销+自付=总费用", "结算单", st.stay.total_fen,
              st.reimbursed_fen + st.self_pay_fen)
        check(sid, "各层合计=报销合计", "结算单", st.reimbursed_fen,
              sum(t.amount_fen for t in st.tiers))
    return result


__all__ = ["Case", "CaseFile", "CaseResult", "Check", "case_files_in", "load_case_file",
           "policies_named", "run_case"]
