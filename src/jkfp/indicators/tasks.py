"""The figures kept current without anyone running a command (decision 85).

`indicators.refresh` recomputes the villages marked dirty (what `jkfp indicators refresh`
does) every ten minutes, so a dashboard is at most that old after a change. `indicators.rebuild`
recomputes everything every night: what no change marks — a new month begun (its figures do
not exist yet), a warning's deadline passed (`warnings_closed_in_time` judges only warnings
whose deadline has come) — is then up to date the next morning. Both write figures only
(counts by region, no personal data): a scheduled job runs as the system, and a user may
submit them only as a superuser.
"""

from __future__ import annotations

from jkfp.errors import DomainError, ErrorCode
from jkfp.jobs.schedule import periodic
from jkfp.jobs.tasks import register

from . import services


def _require_system(ctx) -> None:
    if ctx.user is not None and not ctx.user.is_superuser:
        raise DomainError(ErrorCode.PERMISSION, "指标重算只由系统定时执行或由系统管理员提交")


def _progress(ctx):
    def step(done: int, total: int, indicator_id: str) -> None:
        ctx.progress(done, total, message=f"已计算 {indicator_id}")
    return step


@register("indicators.refresh", title="指标增量刷新")
def refresh_task(ctx) -> dict:
    _require_system(ctx)
    done = services.indicators_refresh(progress=_progress(ctx))
    return {"villages": done.villages, "seconds": round(done.seconds, 2)}


@register("indicators.rebuild", title="指标全量重算")
def rebuild_task(ctx, *, years: list | None = None) -> dict:
    _require_system(ctx)
    done = services.indicators_rebuild(years=[int(y) for y in years or []] or None,
                                       progress=_progress(ctx))
    return {"indicators": done.indicators, "periods": done.periods,
            "seconds": round(done.seconds, 2)}


periodic("indicators.refresh_10_min", cron="*/10 * * * *", task="indicators.refresh")
periodic("indicators.rebuild_nightly", cron="30 1 * * *", task="indicators.rebuild")
