"""The command-line logic of `jkfp settle` and `jkfp policy ...`, as plain functions.

The Django management commands of `jkfp.settlement` only pass their arguments here, so the same
commands also run without Django: `python -m jkfp.policy.cli settle STAYS.csv --out RESULT.csv`.

    settle STAYS.csv --out RESULT.csv [--policies DIR]
    policy check [DIR ...]
    policy show REGION DATE [--policies DIR]
    policy compare STAYS.csv --reform OVERLAY.yaml [--xlsx OUT.xlsx] [--threshold YUAN]
                   [--policies DIR]
    policy test CASES.yaml [more.yaml | DIR ...] [--policies DIR]

Exit status: 0 done; 1 bad input or bad policies (every problem listed on stderr, no file
written), or a policy case that fails; 2 bad command line.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from .batch import settle_batch
from .compiled import load_compiled
from .csvfast import IdSlices
from .csvio import StayFile, read_stays
from .csvout import write_result
from .errors import PolicyError, PolicyErrors
from .loader import load_policies
from .memory import tune_memory
from .money import yuan_text_to_fen
from .parameters import any_leaf
from .regimes import PolicySet

#: Files with at least this many stays get progress bars (on a terminal).
LONG_RUN = 20_000
#: The longest cell a stays file may have (the `csv` module's limit, on both read paths).
FIELD_LIMIT = csv.field_size_limit()


def _read_error(e: Exception) -> str:
    """What is wrong with a file that cannot be read, in Chinese (no Python text)."""
    if isinstance(e, UnicodeDecodeError):
        return f"不是 UTF-8 编码（第 {e.start + 1:,} 个字节处）：请另存为 UTF-8 编码的 CSV"
    if isinstance(e, csv.Error) and "field limit" in str(e):
        return f"有单元格超过 {FIELD_LIMIT:,} 个字符（多半是引号不成对）"
    if isinstance(e, ValueError) and "digits" in str(e):
        return "有数字超过 4,300 位，不是金额"
    return "不是格式正确的 CSV（逗号分隔、含表头、UTF-8 编码）"


def default_policies_dir() -> Path:
    """`policies/` in the current directory, else the repository's `policies/`."""
    here = Path("policies")
    if here.is_dir():
        return here
    import jkfp

    return Path(jkfp.__file__).resolve().parents[2] / "policies"


def _bar(total: int | None, desc: str, stderr: TextIO, progress: bool | None, long_run: bool):
    """A tqdm bar on stderr, or None. progress True/False forces it; None shows it for long runs
    when stderr is a terminal."""
    if progress is False or (progress is None and not long_run):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=stderr, disable=None if progress is None else False,
                unit="次", mininterval=0.3, leave=False)


def _load(policies_dir: Path | None, stderr: TextIO, overlay=None, *,
          compiled: bool = False) -> PolicySet | None:
    """The policies (errors printed, None); `compiled`: with their tables, from the cache of
    compiled policies when this version of the folder is there (compiled.py)."""
    folder = policies_dir or default_policies_dir()
    try:
        if compiled and overlay is None:
            return load_compiled(folder)
        return load_policies(folder, overlay=overlay)
    except (PolicyErrors, PolicyError) as e:
        errors = e.errors if isinstance(e, PolicyErrors) else [e]
        print(f"政策参数有 {len(errors)} 处错误（{folder}）：", file=stderr)
        for err in errors:
            print(f"  {err}", file=stderr)
        return None


def _read(stays_csv: Path, policies: PolicySet, stderr: TextIO) -> StayFile | None:
    if not stays_csv.is_file():
        print(f"找不到文件 {stays_csv}", file=stderr)
        return None
    try:
        parsed = read_stays(stays_csv, policies)
    except (UnicodeDecodeError, ValueError, csv.Error) as e:
        print(f"无法读取 {stays_csv}：{_read_error(e)}，未结算、未写出结果文件", file=stderr)
        return None
    longest = _longest(parsed.stay_ids)
    if longest > FIELD_LIMIT:
        print(f"无法读取 {stays_csv}：住院编号（stay_id）长 {longest:,} 个字符，超过上限 "
              f"{FIELD_LIMIT:,}，未结算、未写出结果文件", file=stderr)
        return None
    if parsed.errors:
        print(f"{stays_csv}：{len(parsed.errors)} 处错误，未结算、未写出结果文件：", file=stderr)
        for err in parsed.errors:
            print(f"  {err}", file=stderr)
        return None
    return parsed


def _longest(stay_ids) -> int:
    """Characters of the longest stay id (without a Python loop over a column's values)."""
    if isinstance(stay_ids, IdSlices):
        return stay_ids.longest()
    if hasattr(stay_ids, "str"):  # a Polars series (Polars not imported for the others)
        return int(stay_ids.str.len_chars().max() or 0)
    return max((len(s) for s in stay_ids), default=0)


def run_settle(stays_csv: Path, out: Path, *, policies_dir: Path | None = None,
               progress: bool | None = None, stdout: TextIO | None = None,
               stderr: TextIO | None = None) -> int:
    """Settle a file of stays into a result file. Returns the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    out = Path(out)
    if not out.parent.is_dir():
        print(f"结果文件的目录“{out.parent}”不存在：请先建立该目录，未结算", file=stderr)
        return 1
    tune_memory()  # a command: one large batch in a fresh process (memory.py)
    policies = _load(policies_dir, stderr, compiled=True)
    if policies is None:
        return 1
    parsed = _read(Path(stays_csv), policies, stderr)
    if parsed is None:
        return 1
    n = len(parsed)
    bar = _bar(n, "结算", stderr, progress, n >= LONG_RUN)
    result = settle_batch(parsed.batch, policies, regime=parsed.regime,
                          progress=bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    try:
        write_result(out, parsed.stay_ids, result)
    except OSError as e:
        print(f"无法写出结果文件 {out}：{e.strerror or e}", file=stderr)
        return 1
    print(f"已结算 {n} 次住院，结果写入 {out}", file=stdout)
    if result.uses_examples.any():
        print(f"注意：其中 {int(result.uses_examples.sum())} 次住院用到示例参数（无公开来源），"
              "金额仅供演示。", file=stdout)
    return 0


def run_check(folders: Sequence[Path], *, stdout: TextIO | None = None,
              stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    status = 0
    for folder in folders or [default_policies_dir()]:
        policies = _load(Path(folder), stderr)
        if policies is None:
            status = 1
            continue
        regimes = policies.regimes
        examples = sum(1 for r in regimes for p in r.all_parameters()
                       for v in p.values if any_leaf(v.tree, _is_example))
        print(f"{folder}：通过。{len(policies.regions)} 个地区，{len(regimes)} 套政策"
              f"（{'、'.join(r.label for r in regimes)}）；{examples} 个取值含示例参数。",
              file=stdout)
    return status


def _is_example(leaf) -> bool:
    return leaf.provenance.example


def run_show(region: str, on: date, *, policies_dir: Path | None = None,
             stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    from .report import show_regime

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    policies = _load(policies_dir, stderr)
    if policies is None:
        return 1
    try:
        found = policies.region(region)
    except KeyError:
        names = "、".join(f"{r.id}（{r.name}）" for r in policies.regions)
        print(f"没有地区“{region}”。已有：{names}", file=stderr)
        return 1
    from jkfp.sources import source_text

    # the plans by title and passage, not by a path of the project's brief (a user has no
    # shared/ folder; jkfp.sources is plain Python like the engine)
    folder = policies_dir or default_policies_dir()
    lines = [source_text(line, folder=folder) for line in show_regime(found, on)]
    print("\n".join(lines), file=stdout)
    return 0 if found.regime_on(on) is not None else 1


def run_compare(stays_csv: Path, reform: Path, *, xlsx: Path | None = None,
                threshold_fen: int = 1_000_000, policies_dir: Path | None = None,
                progress: bool | None = None, stdout: TextIO | None = None,
                stderr: TextIO | None = None) -> int:
    from .comparison import compare
    from .overlay import load_overlay
    from .report import write_comparison_xlsx

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    tune_memory()
    baseline = _load(policies_dir, stderr, compiled=True)
    if baseline is None:
        return 1
    try:
        overlay = load_overlay(reform)
    except (PolicyErrors, PolicyError) as e:
        print(f"改革方案 {reform} 有错误：\n{e}", file=stderr)
        return 1
    reformed = _load(policies_dir, stderr, overlay)
    if reformed is None:
        return 1
    parsed = _read(Path(stays_csv), baseline, stderr)
    if parsed is None:
        return 1
    comparison = compare(parsed.batch, baseline, reformed, threshold_fen=threshold_fen)
    print(comparison.summary_text(), file=stdout)
    if xlsx is not None:
        write_comparison_xlsx(comparison, xlsx)
        print(f"\n对比表已写入 {xlsx}", file=stdout)
    return 0


def run_test(paths: Sequence[Path], *, policies_dir: Path | None = None,
             stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the policy cases of the files (folders: their *.yaml); each case passes or fails
    with the expected and the computed values, to the fen. 1 when any fails or is malformed."""
    from .cases import case_files_in, load_case_file, policies_named, run_case

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    files = case_files_in(list(paths))
    if not files:
        print("没有找到案例文件（*.yaml）", file=stderr)
        return 1
    loaded: dict[Path, PolicySet | None] = {}
    passed = failed = 0
    status = 0
    for path in files:
        if not path.is_file():
            print(f"找不到文件 {path}", file=stderr)
            status = 1
            continue
        try:
            folder = policies_named(path, repo=policies_dir or default_policies_dir())
            if folder not in loaded:
                loaded[folder] = _load(folder, stderr)
            policies = loaded[folder]
            if policies is None:
                status = 1
                continue
            case_file = load_case_file(path, tier_ids=set(policies.tier_ids()))
        except (PolicyErrors, PolicyError) as e:
            errors = e.errors if isinstance(e, PolicyErrors) else [e]
            print(f"案例文件 {path} 有 {len(errors)} 处错误：", file=stderr)
            for err in errors:
                print(f"  {err}", file=stderr)
            status = 1
            continue
        print(f"{path}（政策参数：{folder}）", file=stdout)
        for case in case_file.cases:
            result = run_case(case, policies=policies)
            if result.ok:
                passed += 1
                print(f"  通过  {case.name}", file=stdout)
                continue
            failed += 1
            where = f"（第{case.line}行）" if case.line else ""
            print(f"  失败  {case.name}{where}", file=stdout)
            for text in result.failures():
                print(f"        {text}", file=stdout)
    print(f"共 {passed + failed} 个案例：{passed} 个通过，{failed} 个失败。", file=stdout)
    return 1 if failed or status else 0


# --------------------------------------------------------------------------- argv


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”无效，应为 YYYY-MM-DD") from None


def _yuan(text: str) -> int:
    fen = yuan_text_to_fen(text)
    if fen is None:
        raise argparse.ArgumentTypeError(f"金额“{text}”无效")
    return fen


def settle_parser(prog: str = "jkfp settle") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="按政策参数结算一批住院（一站式结算）。")
    p.add_argument("stays", type=Path, help="住院记录 CSV（UTF-8，含表头）")
    p.add_argument("--out", type=Path, required=True, help="结果 CSV")
    p.add_argument("--policies", type=Path, default=None, help="政策参数目录（默认 policies/）")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="显示进度条（默认：终端上且文件较大时）")
    return p


def policy_parser(prog: str = "jkfp policy") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="检查、查看政策参数，比较改革方案，运行政策案例。")
    sub = p.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="校验政策参数目录")
    check.add_argument("folders", type=Path, nargs="*", help="目录（默认 policies/）")
    show = sub.add_parser("show", help="列出某地某日适用的参数及其来源")
    show.add_argument("region", help="地区标识、名称或编码，如 yanchi、盐池县、640323")
    show.add_argument("date", type=_iso_date, help="日期 YYYY-MM-DD")
    show.add_argument("--policies", type=Path, default=None)
    cmp_ = sub.add_parser("compare", help="在现行政策和改革方案下结算同一批住院并比较")
    cmp_.add_argument("stays", type=Path)
    cmp_.add_argument("--reform", type=Path, required=True, help="改革方案（YAML 覆盖）")
    cmp_.add_argument("--xlsx", type=Path, default=None, help="把对比写成 Excel 工作簿")
    cmp_.add_argument("--threshold", type=_yuan, default=1_000_000,
                      help="统计年自付超过此金额（元）的人数，默认 10000")
    cmp_.add_argument("--policies", type=Path, default=None)
    cmp_.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    test = sub.add_parser("test", help="运行政策案例（按案例文件逐一结算并核对金额）")
    test.add_argument("cases", type=Path, nargs="+", help="案例文件（YAML）或其所在目录")
    test.add_argument("--policies", type=Path, default=None,
                      help="“policies: repo”的案例所用的政策参数目录（默认 policies/）")
    comp = sub.add_parser("compile", help="预先编译结算引擎（jkfp settle 启动时不再编译）")
    comp.add_argument("--force", action="store_true", help="已编译也重新编译")
    comp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    return p


def settle_main(argv: Sequence[str] | None = None, *, prog: str = "jkfp settle") -> int:
    args = settle_parser(prog).parse_args(argv)
    return run_settle(args.stays, args.out, policies_dir=args.policies, progress=args.progress)


def policy_main(argv: Sequence[str] | None = None, *, prog: str = "jkfp policy") -> int:
    args = policy_parser(prog).parse_args(argv)
    if args.action == "check":
        return run_check(args.folders)
    if args.action == "show":
        return run_show(args.region, args.date, policies_dir=args.policies)
    if args.action == "test":
        return run_test(args.cases, policies_dir=args.policies)
    if args.action == "compile":
        from .native_build import run_compile  # not imported by a process that settles

        return run_compile(force=args.force, progress=args.progress)
    return run_compare(args.stays, args.reform, xlsx=args.xlsx, threshold_fen=args.threshold,
                       policies_dir=args.policies, progress=args.progress)


def exit_now(status: int) -> None:
    """End a command's process with `status`. Where a compiled function was loaded
    (`kernel.mark_warm`), without the interpreter's teardown: with Numba's modules loaded it
    costs 0.3 s of CPU (decision 102), and a command has written and closed its files by now;
    the standard streams are flushed first. Else `sys.exit`, as before."""
    from . import kernel

    if kernel.is_warm():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m jkfp.policy.cli settle ...` or `... policy ...`, without Django. Where the
    reader of the output goes away first (`jkfp settle ... | head -1`), the rest of the output
    goes nowhere and the status is 1 (Python's documented way), without a traceback; a result
    file is written or not as the command went (its messages come after it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["settle"]:
            status = settle_main(argv[1:])
        elif argv[:1] == ["policy"]:
            status = policy_main(argv[1:])
        else:
            print("用法：python -m jkfp.policy.cli {settle|policy} ...", file=sys.stderr)
            status = 2
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    return status


if __name__ == "__main__":
    exit_now(main())
