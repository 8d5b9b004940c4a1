"""The medical-insurance platform's settlement records of the demo (issue 10's kind
`insurance_settlements`), as if each demo county's insurance bureau had imported the platform's
export of the previous year's inpatient stays.

Without them the difference report (`/settlement/differences/`) and the platform's share of the
high self-pay list were empty in the demo. A demo assumption, not a statistic: the platform
settled every stay of the year the way jkfp did, fund by fund, except for about 3% of them,
where its basic-insurance fund paid 1-300 yuan more or less than ours and the personal share
the opposite (as a stay re-settled after a correction of the bill would show); the record stays
consistent with itself (funds + personal = total). One applied batch per county, created by the
county's insurance account where the demo has one (`enrol_yc`), else the administrator; each
record is linked to the stay it describes and carries its batch and line (provenance).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np

from jkfp.exchange.models import BatchState
from jkfp.settlement.models import ExternalSettlement
from jkfp.settlement.selectors import PLATFORM_FUNDS as FUNDS

from .enrolment import insurance_account
from .requests import Actor
from .tables import Table, day, local_dts

DIFFERING_SHARE = 0.03
MAX_DIFFERENCE_FEN = 30_000
PLATFORM_MODELS = (ExternalSettlement,)


def generate_platform_records(*, rng: np.random.Generator, stays: Table, statements: Table,
                              as_of: dt.date, actors: dict[str, Actor], first_batch_id: int,
                              first_record_id: int) -> tuple[dict[str, list], Table] | None:
    """The batches (one per county, as columns of `exchange.Batch` to add to the enrolment
    lists' table) and the records of the stays discharged in the year before `as_of`."""
    if "admin" not in actors or not len(stays) or not len(statements):
        return None
    year = as_of.year - 1
    s = stays.columns
    funds = [json.loads(f) if isinstance(f, str) else (f or {})
             for f in statements.columns["fund_amounts"]]
    self_pay = statements.columns["self_pay_fen"]
    chosen = [i for i, d in enumerate(s["discharge_date"]) if d.startswith(f"{year}-")]
    if not chosen:
        return None
    differs = rng.random(len(chosen)) < DIFFERING_SHARE
    delta = rng.integers(-MAX_DIFFERENCE_FEN, MAX_DIFFERENCE_FEN + 1, size=len(chosen))
    batch_id, record_id = first_batch_id, first_record_id
    counties = sorted({s["county_code"][i] for i in chosen})
    batch_of = {c: batch_id + n for n, c in enumerate(counties)}
    on = min(day(dt.date(as_of.year, 1, 20)), day(as_of))
    at = local_dts(np.array([on]), hour=10)[0]
    batches: dict[str, list] = {c: [] for c in (
        "id", "kind", "file_name", "file_sha256", "sheet", "header_line", "columns",
        "region_code", "state", "summary", "comparison", "message", "apply_job_id",
        "check_job_id", "created_by_id", "created_at", "applied_by_id", "applied_at",
        "undone_by_id", "undone_at")}
    for c in counties:
        n = sum(1 for i in chosen if s["county_code"][i] == c)
        user = insurance_account(actors, c)
        for k, v in (("id", batch_of[c]), ("kind", "insurance_settlements"),
                     ("file_name", f"{year}年度医保平台住院结算记录（演示）.xlsx"),
                     ("file_sha256", hashlib.sha256(f"demo-platform-{c}-{year}".encode())
                      .hexdigest()), ("sheet", ""), ("header_line", 1), ("columns", "{}"),
                     ("region_code", c),
                     ("state", BatchState.APPLIED),
                     ("summary", json.dumps({"rows": n, "created": n, "updated": 0, "ended": 0,
                                             "unchanged": 0, "ignored": 0, "errors": 0,
                                             "doubtful": 0, "settlements_created": n,
                                             "settlements_linked_to_stays": n})),
                     ("comparison", "{}"), ("message", "演示数据"), ("apply_job_id", None),
                     ("check_job_id", None), ("created_by_id", user), ("created_at", at),
                     ("applied_by_id", user), ("applied_at", at), ("undone_by_id", None),
                     ("undone_at", None)):
            batches[k].append(v)
    cols: dict[str, list] = {c: [] for c in (
        "id", "person_id", "region_code", "county_code", "record_number", "insurance_type",
        "visit_type", "institution_name", "hospital_grade", "location", "admission_date",
        "discharge_date", "total_fen", "in_policy_fen", "basic_fen", "critical_fen",
        "assistance_fen", "other_fund_fen", "fund_total_fen", "personal_fen", "cash_fen",
        "stay_id", "batch_id", "batch_line", "created_at", "voided_at")}
    lines = dict.fromkeys(counties, 1)  # the header is line 1 of each county's file
    for n, i in enumerate(chosen):
        c = s["county_code"][i]
        paid = {key: sum(int(funds[i].get(f, 0)) for f in ours) for key, _h, _p, ours in FUNDS}
        personal = int(self_pay[i])
        if differs[n]:  # the platform's basic fund differs; the personal share takes it up
            d = int(np.clip(delta[n], -paid["basic"], personal))  # neither goes below 0
            paid["basic"] += d
            personal -= d
        lines[c] += 1
        fund_total = sum(paid.values())
        for k, v in (("id", record_id + n), ("person_id", s["person_id"][i]),
                     ("region_code", s["region_code"][i]), ("county_code", c),
                     ("record_number", f"YB{year}{c}{n + 1:07d}"),
                     ("insurance_type", "城乡居民基本医疗保险"), ("visit_type", "inpatient"),
                     ("institution_name", s["hospital_name"][i]),
                     ("hospital_grade", s["hospital_grade"][i]), ("location", s["location"][i]),
                     ("admission_date", s["admission_date"][i]),
                     ("discharge_date", s["discharge_date"][i]),
                     ("total_fen", s["total_fen"][i]), ("in_policy_fen", s["in_policy_fen"][i]),
                     ("basic_fen", paid["basic"]), ("critical_fen", paid["critical"]),
                     ("assistance_fen", paid["assistance"]), ("other_fund_fen", paid["other"]),
                     ("fund_total_fen", fund_total), ("personal_fen", personal),
                     ("cash_fen", personal), ("stay_id", s["id"][i]), ("batch_id", batch_of[c]),
                     ("batch_line", lines[c]), ("created_at", at), ("voided_at", None)):
            cols[k].append(v)
    return batches, Table(ExternalSettlement, cols)
