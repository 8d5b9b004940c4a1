"""Follow-on work after a state change commits (DESIGN.md rule 2).

A service names what happened (`publish(Event.PERIOD_CHANGED, region_code=…)`); the apps that
keep something derived from it (monitoring scans, indicator summaries) subscribe once, in their
`AppConfig.ready`. Handlers run with `transaction.on_commit`: after the change is durable, never
for a change that rolled back, and a failing handler cannot undo the change that called it.

This is not Django's signal dispatch on `save()`: only services publish, each event is listed
here, and the payload is plain values (codes and ids), never model instances.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from enum import StrEnum
from functools import partial

from django.db import transaction

log = logging.getLogger("jkfp.events")


class Event(StrEnum):
    HOUSEHOLD_CHANGED = "household_changed"      # household_id, region_code
    PERSON_CHANGED = "person_changed"            # person_id, household_id, region_code
    PERIOD_CHANGED = "period_changed"            # period_id, region_code, category
    REQUEST_CHANGED = "request_changed"          # request_id, region_code, status
    STAY_SETTLED = "stay_settled"                # stay_id, person_id, region_code
    CONTRACT_CHANGED = "contract_changed"        # contract_id, person_id, region_code
    FOLLOWUP_RECORDED = "followup_recorded"      # followup_id, registration_id, region_code
    FACILITY_CHANGED = "facility_changed"        # county_code (institutions, staff, posts, gaps)
    WARNING_CHANGED = "warning_changed"          # region_codes (found, re-opened or a step)
    CASE_FOUND = "case_found"                    # case_id, person_id, region_code (health)
    JOB_FINISHED = "job_finished"                # job_id, task, state, region_code (jkfp.jobs)


Handler = Callable[..., None]
BatchHandler = Callable[[list[dict]], None]
_handlers: dict[Event, list[Handler]] = defaultdict(list)
_batches: dict[tuple[Event, Handler], BatchHandler] = {}


def subscribe(event: Event, handler: Handler, *, batch: BatchHandler | None = None) -> None:
    """Run `handler(**payload)` after every committed change that publishes `event`; with
    `batch`, a change that publishes many at once (`publish_many`) calls `batch(payloads)` once
    instead."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)
    if batch is not None:
        _batches[(event, handler)] = batch


def unsubscribe(event: Event, handler: Handler) -> None:
    if handler in _handlers[event]:
        _handlers[event].remove(handler)
    _batches.pop((event, handler), None)


def _run(handler: Handler, event: Event, payload: dict) -> None:
    try:
        handler(**payload)
    except Exception:  # a follow-on failure is logged; the committed change stands
        log.exception("follow-on handler %r of %s failed", handler, event)


def _run_batch(batch: BatchHandler, event: Event, payloads: list[dict]) -> None:
    try:
        batch(payloads)
    except Exception:
        log.exception("follow-on batch handler %r of %s failed", batch, event)


def publish(event: Event, **payload: object) -> None:
    """Schedule every subscriber of `event` to run once the current transaction commits."""
    for handler in list(_handlers[Event(event)]):
        transaction.on_commit(partial(_run, handler, Event(event), payload))


def publish_many(event: Event, payloads: list[dict]) -> None:
    """`publish` once per payload, for a change of many rows at once (an import): a subscriber
    with a batch form runs once with every payload, the others once per payload."""
    event, payloads = Event(event), list(payloads)
    if not payloads:
        return
    for handler in list(_handlers[event]):
        batch = _batches.get((event, handler))
        if batch is not None:
            transaction.on_commit(partial(_run_batch, batch, event, payloads))
        else:
            for payload in payloads:
                transaction.on_commit(partial(_run, handler, event, payload))
