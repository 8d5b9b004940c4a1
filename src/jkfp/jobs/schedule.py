"""Periodic jobs (decision 48): `periodic(name, cron=…, task=…, params=…)` declares that the
task `task` is submitted as a system job (no user; seen by superusers) on a cron schedule.

On PostgreSQL procrastinate's periodic tasks defer them (`procrastinate_tasks`): any number
of workers may run, each schedule fires once per tick. In-process (SQLite), `jkfp worker`
runs a small loop that submits them (`due`). An app declares its schedules in its `tasks.py`
beside the tasks; none is declared yet but the example of docs/jobs.md, which is off unless
`JKFP_JOBS_EXAMPLE_SCHEDULE=1`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from croniter import croniter


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    task: str
    params: dict = field(default_factory=dict)


_schedules: dict[str, Schedule] = {}


def periodic(name: str, *, cron: str, task: str, params: dict | None = None) -> Schedule:
    if not croniter.is_valid(cron):
        raise ValueError(f"schedule {name!r}: invalid cron expression {cron!r}")
    s = Schedule(name=name, cron=cron, task=task, params=dict(params or {}))
    _schedules[name] = s
    return s


def schedules() -> list[Schedule]:
    return [_schedules[n] for n in sorted(_schedules)]


def due(schedule: Schedule, *, after: dt.datetime, until: dt.datetime) -> bool:
    """Whether the schedule fires in (after, until]."""
    return croniter(schedule.cron, after).get_next(dt.datetime) <= until
