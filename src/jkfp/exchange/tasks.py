"""Background jobs of the exchange app (jkfp.jobs): the apply of a batch runs as a job, with
its progress on the job's page; a job that dies leaves the batch `failed`, to be retried."""

from __future__ import annotations

from jkfp.jobs.tasks import register

from . import selectors, services


@register("exchange.apply", title="名单导入")
def apply_batch(ctx, *, batch_id: int, skip_invalid: bool = False) -> dict:
    ctx.progress(0, 1, message="正在导入名单")
    batch = selectors.batch_get(user=ctx.user, pk=batch_id)
    summary = services.batch_apply(user=ctx.user, batch=batch, skip_invalid=skip_invalid)
    ctx.progress(1, 1, message="导入完成")
    return {k: v for k, v in summary.items() if isinstance(v, int)}


@register("exchange.check", title="名单校验")
def check_batch(ctx, *, batch_id: int) -> dict:
    """Read, validate, link and compare an uploaded list into its batch (decision 53)."""
    batch = services.batch_check_run(user=ctx.user, batch_id=batch_id, progress=ctx.progress)
    out = {k: v for k, v in (batch.summary or {}).items() if isinstance(v, int)}
    return {**out, "url": f"/exchange/{batch.pk}/"}
