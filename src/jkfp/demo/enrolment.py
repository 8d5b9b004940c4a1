"""The medical-insurance enrolment lists of the demo (issue 10's kind `enrolment`), as if each
demo county's insurance bureau had imported its list of the previous and the current year.

Without them every watched person of the demo counts as not enrolled (the `not_enrolled`
warning, the insurance coverage indicators at 0%). A demo assumption, not a statistic: 98.5%
of the persons alive and born on the 1st of January of the year are insured, the others not
(the plans' target is 100%: the ones left are the cases the system is there to find). One
applied batch per county and year, created by the county's insurance account where the demo
has one (`enrol_yc`), else the administrator; no subsidy amounts (the lists' 资助金额 are the
province's, not known here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np

from jkfp.exchange.models import Batch, BatchState, Enrolment, EnrolmentStatus

from .population import Population
from .requests import Actor
from .tables import NONE, Table, day, local_dts

INSURED_SHARE = 0.985
ENROLMENT_MODELS = (Batch, Enrolment)


def insurance_account(actors: dict[str, Actor], county: str) -> int:
    """The county's medical-insurance account of the demo, else the administrator."""
    for name, a in sorted(actors.items()):
        if name.startswith("enrol_") and a.region_code == county:
            return a.id
    return actors["admin"].id


def generate_enrolment(*, rng: np.random.Generator, pop: Population, as_of: dt.date,
                       actors: dict[str, Actor], first_ids: dict[type, int]) -> list[Table]:
    if "admin" not in actors or not len(pop.p_ids):
        return []
    region = np.asarray(pop.h_region, dtype=object)[pop.p_household]
    county = np.array([r[:6] for r in region.tolist()], dtype=object)
    batches = {c: [] for c in ("id", "kind", "file_name", "file_sha256", "sheet", "header_line",
                               "columns", "region_code", "state", "summary", "comparison",
                               "message", "apply_job_id", "check_job_id", "created_by_id",
                               "created_at", "applied_by_id", "applied_at", "undone_by_id",
                               "undone_at")}
    rows = {c: [] for c in ("id", "person_id", "year", "status", "subsidy_category",
                            "subsidy_fen", "region_code", "batch_id", "void")}
    batch_id, row_id = first_ids[Batch], first_ids[Enrolment]
    for year in (as_of.year - 1, as_of.year):
        jan1 = day(dt.date(year, 1, 1))
        listed = (pop.p_birth <= jan1) & ((pop.p_death == NONE) | (pop.p_death > jan1))
        insured = rng.random(len(pop.p_ids)) < INSURED_SHARE
        on = min(day(dt.date(year, 1, 15)), day(as_of))
        for c in sorted(set(county[listed].tolist())):
            idx = np.flatnonzero(listed & (county == c))
            n = len(idx)
            user = insurance_account(actors, c)
            for k, v in (("id", batch_id), ("kind", "enrolment"),
                         ("file_name", f"{year}年度城乡居民医保参保名单（演示）.xlsx"),
                         ("file_sha256", hashlib.sha256(f"demo-enrolment-{c}-{year}".encode())
                          .hexdigest()), ("sheet", ""), ("header_line", 1), ("columns", "{}"),
                         ("region_code", c), ("state", BatchState.APPLIED),
                         ("summary", json.dumps({"rows": n, "created": n, "updated": 0,
                                                 "ended": 0, "unchanged": 0, "ignored": 0,
                                                 "errors": 0, "doubtful": 0})),
                         ("comparison", "{}"), ("message", "演示数据"), ("apply_job_id", None),
                         ("check_job_id", None), ("created_by_id", user),
                         ("created_at", local_dts(np.array([on]), hour=9)[0]),
                         ("applied_by_id", user),
                         ("applied_at", local_dts(np.array([on]), hour=10)[0]),
                         ("undone_by_id", None), ("undone_at", None)):
                batches[k].append(v)
            rows["id"] += range(row_id, row_id + n)
            rows["person_id"] += pop.p_ids[idx].tolist()
            rows["year"] += [year] * n
            rows["status"] += np.where(insured[idx], EnrolmentStatus.INSURED.value,
                                       EnrolmentStatus.NOT_INSURED.value).tolist()
            rows["subsidy_category"] += [""] * n
            rows["subsidy_fen"] += [None] * n
            rows["region_code"] += region[idx].tolist()
            rows["batch_id"] += [batch_id] * n
            rows["void"] += [False] * n
            batch_id += 1
            row_id += n
    return [Table(Batch, batches), Table(Enrolment, rows)]
