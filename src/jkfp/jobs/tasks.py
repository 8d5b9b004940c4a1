"""The tasks a job may run: `register(name)` declares one (decision 48).

    from jkfp.jobs.tasks import register

    @register("exchange.import", title="名单导入")
    def import_list(ctx, *, batch_id: int) -> dict:
        for done, chunk in enumerate(chunks, 1):
            ...                                  # each chunk in its own transaction
            ctx.progress(done, len(chunks), message="正在比对")
        return {"rows": n}                       # stored as the job's result (JSON)

The function is called as `fn(ctx, **params)` with the job's params (JSON values) and a
`JobContext` (`ctx.job_id`, `ctx.user`, `ctx.progress(done, total, message=None)`,
`ctx.check_cancelled()`). What it returns (a JSON value, or None) is the job's result; a
`DomainError` it raises fails the job with its Chinese message; any other exception fails it
with a generic message (the exception is logged, never shown). Each app keeps its tasks in its
own `tasks.py`, imported when Django starts (`JobsConfig.ready`), so the web process and every
worker know the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TaskFn = Callable[..., Any]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: TaskFn
    title: str  # shown in the job list (Chinese)


_tasks: dict[str, TaskSpec] = {}


def register(name: str, *, title: str | None = None) -> Callable[[TaskFn], TaskFn]:
    """Declare `fn(ctx, **params)` as the task `name` (unique, e.g. "exchange.import")."""

    def decorate(fn: TaskFn) -> TaskFn:
        known = _tasks.get(name)
        if (
            known is not None
            and known.fn is not fn
            and (known.fn.__module__, known.fn.__qualname__) != (fn.__module__, fn.__qualname__)
        ):
            raise ValueError(f"task {name!r} is already registered by {known.fn.__module__}")
        _tasks[name] = TaskSpec(name=name, fn=fn, title=title or name)
        return fn

    return decorate


def get(name: str) -> TaskSpec | None:
    return _tasks.get(name)


def names() -> list[str]:
    return sorted(_tasks)


def title(name: str) -> str:
    spec = _tasks.get(name)
    return spec.title if spec else name
