"""The CSV contract of `jkfp settle` and `jkfp policy compare`.

Input: UTF-8 (a BOM is accepted) with a header; columns (others are ignored)

    stay_id, person_id, county_code, category, hospital_grade, location, referred,
    admission_date, discharge_date, total_cost, in_policy_cost

`category`: a code of DOMAIN.md section 4 or its Chinese name; `location`: county, city,
province or outside; `referred`: true or false; dates YYYY-MM-DD; amounts in yuan with up to two
decimals. Every bad value of every row is reported (line of the file, the header being line 1,
column, reason in Chinese); a file with any bad row is not settled.

Output: one row per stay in input order: stay_id, one column per tier (the tier ids of the
regimes used, empty where the stay's regime has no such tier), reimbursed_total, self_pay,
policy (regime id and version), then deposit_waived and example_values (true when an amount
rests on an example parameter). Amounts in yuan with two decimals. Written to a temporary file
and renamed, so a failed run leaves no partial output.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .batch import BatchResult, StayBatch
from .errors import PolicyErrorCode, RowError
from .money import fmt_fen
from .regimes import PolicySet
from .stay_input import Stay, check_stay

COLUMNS = ("stay_id", "person_id", "county_code", "category", "hospital_grade", "location",
           "referred", "admission_date", "discharge_date", "total_cost", "in_policy_cost")
# The values of a row are checked by `stay_input.check_stay`, as those of a form or a request.


@dataclass
class StayFile:
    stays: list[Stay]
    errors: list[RowError]

    def batch(self) -> StayBatch:
        return StayBatch.from_stays(self.stays)


def read_stays(path: Path | str, policies: PolicySet, *,
               progress: Callable[[Iterable], Iterable] | None = None) -> StayFile:
    """Read and check a stays file; `errors` lists every bad value (then `stays` is partial)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return parse_stays(fh, policies, progress=progress)


def parse_stays(lines: Iterable[str], policies: PolicySet, *,
                progress: Callable[[Iterable], Iterable] | None = None) -> StayFile:
    reader = csv.reader(lines)
    errors: list[RowError] = []
    header = next(reader, None)
    if header is None:
        return StayFile([], [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1,
                                      column="stay_id", what="（文件为空）")])
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        return StayFile([], [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1, column=c,
                                      what=c) for c in missing])
    pos = {c: names.index(c) for c in COLUMNS}
    stays: list[Stay] = []
    seen: dict[str, int] = {}
    rows = progress(reader) if progress is not None else reader
    line = 1
    for record in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank line
        cells = {c: (record[i].strip() if i < len(record) else "") for c, i in pos.items()}
        stay = _row(cells, line, policies, errors)
        if stay is None:
            continue
        if stay.stay_id in seen:
            errors.append(RowError(PolicyErrorCode.STAY_DUPLICATE_ID, line=line, column="stay_id",
                                   what=stay.stay_id, allowed=seen[stay.stay_id]))
            continue
        seen[stay.stay_id] = line
        stays.append(stay)
    return StayFile(stays, errors)


def _row(cells: dict[str, str], line: int, policies: PolicySet,
         errors: list[RowError]) -> Stay | None:
    missing = [RowError(PolicyErrorCode.STAY_REQUIRED, line=line, column=c)
               for c in ("stay_id", "person_id") if not cells[c]]
    stay, found = check_stay(**{c: cells[c] for c in COLUMNS}, line=line, policies=policies)
    errors += missing + found
    return None if missing else stay


def result_columns(result: BatchResult) -> list[str]:
    used = set(result.regime_index.tolist())
    tiers = [t for t in result.tier_ids
             if any(t in {x.id for x in result.regimes[i].tiers} for i in used)]
    return ["stay_id", *tiers, "reimbursed_total", "self_pay", "policy", "deposit_waived",
            "example_values"]


def result_rows(stays: list[Stay], result: BatchResult) -> Iterable[list[str]]:
    columns = result_columns(result)
    tiers = columns[1:-5]
    has = {t: result.has_tier(t) for t in tiers}
    labels = [r.label for r in result.regimes]
    amounts = {t: result.amounts[t].tolist() for t in tiers}
    reimbursed, self_pay = result.reimbursed.tolist(), result.self_pay.tolist()
    regime, deposit = result.regime_index.tolist(), result.deposit_waived.tolist()
    examples = result.uses_examples.tolist()
    for i, stay in enumerate(stays):
        yield [stay.stay_id,
               *(fmt_fen(amounts[t][i]) if has[t][i] else "" for t in tiers),
               fmt_fen(reimbursed[i]), fmt_fen(self_pay[i]), labels[regime[i]],
               "true" if deposit[i] else "false", "true" if examples[i] else "false"]


def write_result(path: Path | str, stays: list[Stay], result: BatchResult) -> None:
    """Write the result file atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(result_columns(result))
            writer.writerows(result_rows(stays, result))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def as_batch(stays: list[Stay]) -> StayBatch:
    return StayBatch.from_stays(stays) if stays else StayBatch(
        *(np.zeros(0, t) for t in (np.int64, np.int64, np.int8, np.int8, np.int8, bool,
                                   "datetime64[D]", np.int64, np.int64)))
