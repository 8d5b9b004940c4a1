"""The jobs app's own tasks: an example task (docs/jobs.md, the tests, the demo) and the
example schedule, off unless `JKFP_JOBS_EXAMPLE_SCHEDULE=1`."""

from __future__ import annotations

import time

from django.conf import settings

from jkfp.errors import DomainError, ErrorCode

from .schedule import periodic
from .tasks import register


@register("jobs.example_count", title="示例：计数")
def example_count(ctx, *, n: int = 100, pause: float = 0.0, fail_at: int | None = None) -> dict:
    """Count to `n` (pausing `pause` seconds a step), failing at step `fail_at` if given."""
    if not isinstance(n, int) or n < 0 or n > 1_000_000:
        raise DomainError(ErrorCode.JOB_PARAMS, "n 须为 0 至 1000000 的整数", field="n")
    for i in range(1, n + 1):
        if fail_at is not None and i == fail_at:
            raise DomainError(ErrorCode.INVALID, f"示例任务按要求在第{i}步失败", field="fail_at")
        if pause:
            time.sleep(min(float(pause), 5.0))
        ctx.progress(i, n, message=f"正在计数：{i}/{n}" if i < n else "计数完成")
    return {"counted": n}


if getattr(settings, "JKFP_JOBS_EXAMPLE_SCHEDULE", False):
    periodic("jobs.example_hourly", cron="0 * * * *", task="jobs.example_count", params={"n": 10})
