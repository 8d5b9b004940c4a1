"""The row-by-row reader and writer that `jkfp settle` used before the columnar path
(architecture decision 25), kept only as the reference the tests compare it with."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import numpy as np

from jkfp.policy.batch import BatchResult, StayBatch
from jkfp.policy.csvio import COLUMNS, row_stay
from jkfp.policy.csvout import result_columns
from jkfp.policy.errors import PolicyErrorCode, RowError
from jkfp.policy.money import fmt_fen
from jkfp.policy.regimes import PolicySet
from jkfp.policy.stay_input import Stay


def reference_parse(text: str, policies: PolicySet) -> tuple[list[Stay], list[RowError]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        return [], [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1, column="stay_id",
                             what="（文件为空）")]
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        return [], [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1, column=c, what=c)
                    for c in missing]
    pos = {c: names.index(c) for c in COLUMNS}
    stays: list[Stay] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cells = {c: (record[i].strip() if i < len(record) else "") for c, i in pos.items()}
        stay = row_stay(cells, line, policies, errors)
        if stay is None:
            continue
        if stay.stay_id in seen:
            errors.append(RowError(PolicyErrorCode.STAY_DUPLICATE_ID, line=line,
                                   column="stay_id", what=stay.stay_id,
                                   allowed=seen[stay.stay_id]))
            continue
        seen[stay.stay_id] = line
        stays.append(stay)
    return stays, errors


def reference_batch(stays: list[Stay]) -> StayBatch:
    return StayBatch.from_stays(stays) if stays else StayBatch(
        *(np.zeros(0, t) for t in (np.int64, np.int64, np.int8, np.int8, np.int8, bool,
                                   "datetime64[D]", np.int64, np.int64)))


def reference_rows(stays: list[Stay], result: BatchResult) -> Iterable[list[str]]:
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


def reference_output(stays: list[Stay], result: BatchResult) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(result_columns(result))
    writer.writerows(reference_rows(stays, result))
    return buf.getvalue().encode("utf-8")
