"""The scans as background jobs and their schedules (decision 56).

`monitoring.scan` runs a full scan of `region_code` (every province with a rule file when
empty) on `on_date` (today when empty) for the rules named, or for the rules pushed at most
every `every_days` days. A scheduled job has no user (jkfp.jobs: a system job); the scan then
acts as the system actor (`user=None`: the run and its steps carry no user). A job a user
submits scans as that user, inside their scope.

Schedules: the rules of lifted-out and monitored people (`push_every_days` ≤ 10) on the 1st,
11th and 21st of each month; all rules on the 1st (DOMAIN.md §9: every 10 days, others
monthly).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.errors import DomainError, ErrorCode
from jkfp.jobs.schedule import periodic
from jkfp.jobs.tasks import register


def _rule_ids(region_code: str, every_days: int | None) -> list[str] | None:
    if every_days is None:
        return None
    from .scan import units_of

    return sorted({r.id for _, rs, _ in units_of(region_code) for r in rs.rules
                   if r.push_every_days <= every_days})


@register("monitoring.scan", title="监测预警扫描")
def scan_task(ctx, *, region_code: str = "", on_date: str = "", rules: list | None = None,
              every_days: int | None = None) -> dict:
    from .scan import full_scan

    try:
        on = dt.date.fromisoformat(on_date) if on_date else timezone.localdate()
    except ValueError:
        raise DomainError(ErrorCode.JOB_PARAMS, f"扫描日期“{on_date}”须为 YYYY-MM-DD",
                          field="on_date") from None
    if region_code and not region_code.isdigit():
        raise DomainError(ErrorCode.JOB_PARAMS, f"区划代码“{region_code}”须为数字",
                          field="region_code")
    if ctx.user is not None and not region_code:
        region_code = ctx.user.region_code
    run = full_scan(user=ctx.user, region_code=region_code, on_date=on,
                    rules=rules or _rule_ids(region_code, every_days),
                    progress=lambda done, total, message: ctx.progress(done, total,
                                                                       message=message))
    return {"scan_id": run.pk, "counts": run.counts}


periodic("monitoring.scan_10_days", cron="0 2 1,11,21 * *", task="monitoring.scan",
         params={"every_days": 10})
periodic("monitoring.scan_monthly", cron="30 2 1 * *", task="monitoring.scan", params={})
