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
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .batch import BatchResult, StayBatch
from .errors import PolicyErrorCode, RowError
from .money import MAX_AMOUNT_FEN, fmt_fen, yuan_text_to_fen
from .regimes import PolicySet
from .schema import GRADES, LOCATION_INDEX, parse_category_index
from .statement import Stay

COLUMNS = ("stay_id", "person_id", "county_code", "category", "hospital_grade", "location",
           "referred", "admission_date", "discharge_date", "total_cost", "in_policy_cost")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOL = {"true": True, "false": False}


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
    before = len(errors)

    def bad(code: PolicyErrorCode, column: str, **fmt: object) -> None:
        errors.append(RowError(code, line=line, column=column, **fmt))

    for column in ("stay_id", "person_id", "county_code", "category", "hospital_grade",
                   "location", "referred", "admission_date", "discharge_date", "total_cost",
                   "in_policy_cost"):
        if not cells[column]:
            bad(PolicyErrorCode.STAY_REQUIRED, column)
    county = cells["county_code"]
    if county and not re.fullmatch(r"\d{6}", county):
        bad(PolicyErrorCode.STAY_BAD_COUNTY, "county_code", what=county)
    category = parse_category_index(cells["category"]) if cells["category"] else None
    if cells["category"] and category is None:
        bad(PolicyErrorCode.STAY_UNKNOWN_CATEGORY, "category", what=cells["category"])
    grade_text = cells["hospital_grade"]
    grade = int(grade_text) if grade_text.isdigit() and int(grade_text) in GRADES else None
    if grade_text and grade is None:
        bad(PolicyErrorCode.STAY_BAD_GRADE, "hospital_grade", what=grade_text)
    location = LOCATION_INDEX.get(cells["location"])
    if cells["location"] and location is None:
        bad(PolicyErrorCode.STAY_UNKNOWN_LOCATION, "location", what=cells["location"])
    referred = _BOOL.get(cells["referred"].lower())
    if cells["referred"] and referred is None:
        bad(PolicyErrorCode.STAY_BAD_BOOLEAN, "referred", what=cells["referred"])
    admission = _date(cells["admission_date"], "admission_date", bad)
    discharge = _date(cells["discharge_date"], "discharge_date", bad)
    if admission and discharge and discharge < admission:
        bad(PolicyErrorCode.STAY_DISCHARGE_BEFORE_ADMISSION, "discharge_date", what=discharge,
            allowed=admission)
    total = _amount(cells["total_cost"], "total_cost", bad)
    in_policy = _amount(cells["in_policy_cost"], "in_policy_cost", bad)
    if total is not None and in_policy is not None and in_policy > total:
        bad(PolicyErrorCode.STAY_IN_POLICY_ABOVE_TOTAL, "in_policy_cost",
            what=cells["in_policy_cost"], allowed=cells["total_cost"])
    if admission and county and re.fullmatch(r"\d{6}", county) and policies.find_regime(
            county, admission) is None:
        bad(PolicyErrorCode.STAY_NO_REGIME, "admission_date", what=county, allowed=admission)
    if len(errors) > before:
        return None
    assert None not in (category, grade, location, referred, admission, discharge, total,
                        in_policy)
    return Stay(cells["stay_id"], cells["person_id"], county, category, grade, location,
                referred, admission, discharge, total, in_policy)


def _date(text: str, column: str, bad: Callable) -> date | None:
    if not text:
        return None
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    bad(PolicyErrorCode.STAY_BAD_DATE, column, what=text)
    return None


def _amount(text: str, column: str, bad: Callable) -> int | None:
    if not text:
        return None
    fen = yuan_text_to_fen(text)
    if fen is None:
        if text.startswith("-") and yuan_text_to_fen(text[1:]) is not None:
            bad(PolicyErrorCode.STAY_NEGATIVE_AMOUNT, column, what=text)
        else:
            bad(PolicyErrorCode.STAY_BAD_AMOUNT, column, what=text)
        return None
    if fen > MAX_AMOUNT_FEN:
        bad(PolicyErrorCode.STAY_AMOUNT_TOO_LARGE, column, what=text)
        return None
    return fen


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
