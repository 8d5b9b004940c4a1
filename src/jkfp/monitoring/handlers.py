"""Incremental checks after each committed change that can trigger a rule (decision 56): the
events of `jkfp.events` the registry, settlement, health, contracts and jobs publish, so that
no other app imports monitoring. A handler runs after the commit (`transaction.on_commit`),
checks the households touched (`scan.check_after`, the full scan's statements limited to them)
and logs, never raises (jkfp.events). `settings.JKFP_MONITORING_INCREMENTAL = False` turns it
off (a bulk load that scans once at the end)."""

from __future__ import annotations

import logging

from django.conf import settings

from jkfp.events import Event, subscribe

log = logging.getLogger("jkfp.monitoring")


def _on() -> bool:
    return getattr(settings, "JKFP_MONITORING_INCREMENTAL", True)


def on_person(*, person_id=None, household_id=None, **_):
    """A settled (corrected, reversed) stay, a death or a move, a new case, a follow-up."""
    if not _on():
        return
    from .scan import check_after

    check_after(person_ids=[person_id] if person_id else [],
                household_ids=[household_id] if household_id else [])


def on_period(*, period_id=None, **_):
    if not _on() or not period_id:
        return
    from jkfp.registry.models import CategoryPeriod

    from .scan import check_after

    row = CategoryPeriod.objects.filter(pk=period_id).values("person_id", "household_id").first()
    if row:
        check_after(person_ids=[row["person_id"]] if row["person_id"] else [],
                    household_ids=[row["household_id"]] if row["household_id"] else [])


def on_followup(*, registration_id=None, **_):
    if not _on() or not registration_id:
        return
    from jkfp.health.models import ChronicRegistration

    from .scan import check_after

    pid = ChronicRegistration.objects.filter(pk=registration_id).values_list("person_id",
                                                                            flat=True).first()
    if pid:
        check_after(person_ids=[pid])


def _check_many(person_ids, household_ids) -> None:
    """The check of many households at once: inline up to JKFP_MONITORING_INLINE_MAX of them;
    beyond, a full scan of each of their counties as a background job (what an applied import
    job also gets, `on_job`), so that the import does not wait for it."""
    from jkfp.bulkwrite import in_ids
    from jkfp.registry.models import Household, Person

    from .scan import check_after

    hids = set(household_ids)
    persons = sorted(set(person_ids))
    if persons:  # one array parameter, not a parameter per id (decision 97)
        hids |= set(Person.objects.filter(pk__in=in_ids(persons))
                    .values_list("household_id", flat=True))
    if len(hids) <= getattr(settings, "JKFP_MONITORING_INLINE_MAX", 1000):
        check_after(household_ids=sorted(hids))
        return
    from jkfp.jobs.services import job_submit

    counties = {c[:6] for c in Household.objects.filter(pk__in=in_ids(sorted(hids)))
                .values_list("region_code", flat=True)}
    for county in sorted(counties):
        job_submit(user=None, task="monitoring.scan", params={"region_code": county},
                   region_code=county)


def on_persons(payloads: list[dict]) -> None:
    """`on_person` for many at once (an import): one check of all their households."""
    if not _on():
        return
    _check_many([p["person_id"] for p in payloads if p.get("person_id")],
                [p["household_id"] for p in payloads if p.get("household_id")])


def on_periods(payloads: list[dict]) -> None:
    """`on_period` for many at once (an import): one check of all their subjects' households."""
    if not _on():
        return
    from jkfp.bulkwrite import in_ids
    from jkfp.registry.models import CategoryPeriod

    ids = [p["period_id"] for p in payloads if p.get("period_id")]
    persons, households = set(), set()
    if ids:
        for pid, hid in CategoryPeriod.objects.filter(pk__in=in_ids(ids)).values_list(
                "person_id", "household_id"):
            if pid:
                persons.add(pid)
            if hid:
                households.add(hid)
    if persons or households:
        _check_many(persons, households)


#: the import tasks whose batches change what the rules read (settlement records, enrolment)
IMPORT_TASKS = ("exchange.apply",)


def on_job(*, task=None, state=None, region_code="", **_):
    """An applied import batch: a full scan of its region, as a background job of its own."""
    if not _on() or task not in IMPORT_TASKS or state != "done" or not region_code:
        return
    from jkfp.jobs.services import job_submit

    job_submit(user=None, task="monitoring.scan", params={"region_code": region_code},
               region_code=region_code)


def connect() -> None:
    for event in (Event.STAY_SETTLED, Event.PERSON_CHANGED, Event.CASE_FOUND):
        subscribe(event, on_person, batch=on_persons)
    subscribe(Event.PERIOD_CHANGED, on_period, batch=on_periods)
    subscribe(Event.FOLLOWUP_RECORDED, on_followup)
    subscribe(Event.JOB_FINISHED, on_job)
