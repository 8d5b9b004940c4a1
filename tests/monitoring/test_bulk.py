"""The set-based writes of PostgreSQL (`monitoring/bulk.py`) write what the ORM path writes: the
same warnings, history rows, steps, push items and statuses, row by row."""

import datetime as dt

import pytest

from jkfp.monitoring import bulk, scan, services
from jkfp.monitoring.models import Push, PushItem, RiskWarning, WarningStep
from tests.factories import HouseholdFactory, PersonFactory

from .helpers import HALF_2024, period, stay

ON = dt.date(2024, 12, 31)
pytestmark = pytest.mark.django_db


def _world(county):
    """Four households over the 50% line, two with a second, unenrolled member: several rules,
    person- and household-level, and departments to push to."""
    for i in range(4):
        hh = HouseholdFactory()
        period(household=hh)
        stay(hh.head, county, discharge=dt.date(2024, 3, 1 + i), self_pay_fen=HALF_2024 + 1 + i)
        if i % 2:
            PersonFactory(household=hh)


def _rows(user):
    """What a full scan (and its push) wrote, without ids and times."""
    ws = {w.pk: w for w in RiskWarning.objects.all()}
    key = {pk: (w.rule_id, w.subject_kind, w.person_id, w.household_id, w.period)
           for pk, w in ws.items()}
    skip = {"id", "created_at", "scan"}
    warnings = sorted(tuple((f.attname, getattr(w, f.attname)) for f in w._meta.concrete_fields
                            if f.name not in skip) for w in ws.values())
    hist_skip = skip | {"history_id", "history_date"}
    history = sorted(
        (key[h.id], tuple((f.attname, getattr(h, f.attname)) for f in h._meta.concrete_fields
                          if f.name not in hist_skip))
        for h in RiskWarning.history.all())
    steps = sorted((key[s.warning_id], s.step, s.from_status, s.to_status, s.on_date, s.comment,
                    s.user_id) for s in WarningStep.objects.all())
    items = sorted((i.push.department, i.push.region_code, key[i.warning_id])
                   for i in PushItem.objects.select_related("push"))
    return warnings, history, steps, items


def _scan_and_push(user):
    run = scan.full_scan(user=user, region_code="640323", on_date=ON)
    services.push_found(user_or_none=user, region_code="640323", on_date=ON)
    return run


@pytest.mark.parametrize("who", ["county", None])
def test_the_set_based_writes_equal_the_orm_writes(users, regions, monkeypatch, who):
    user = users["county"] if who else None
    _world(users["county"])
    monkeypatch.setattr(bulk, "fast", lambda: False)
    orm_run = _scan_and_push(user)
    orm = _rows(user)
    assert sum(c["new"] for c in orm_run.counts.values()) >= 6
    assert orm[2] and orm[3]  # steps and push items were written

    PushItem.objects.all().delete()
    Push.objects.all().delete()
    WarningStep.objects.all().delete()
    RiskWarning.objects.all().delete()
    RiskWarning.history.all().delete()  # with the deletion's own rows
    monkeypatch.setattr(bulk, "fast", lambda: True)
    fast_run = _scan_and_push(user)
    assert fast_run.counts == orm_run.counts
    assert _rows(user) == orm


def test_a_second_push_the_same_day_adds_nothing_twice(users, regions):
    _world(users["county"])
    _scan_and_push(users["county"])
    n = PushItem.objects.count()
    bulk.insert_push_items(Push.objects.first().pk, list(
        PushItem.objects.filter(push=Push.objects.first()).values_list("warning_id", flat=True)))
    assert PushItem.objects.count() == n
