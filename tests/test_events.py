"""Follow-on work runs after the change commits, never for a change that rolled back."""

import pytest
from django.db import transaction

from jkfp import events
from jkfp.events import Event
from jkfp.registry import services


@pytest.fixture
def seen():
    calls: list[dict] = []

    def handler(**payload):
        calls.append(payload)

    events.subscribe(Event.HOUSEHOLD_CHANGED, handler)
    yield calls
    events.unsubscribe(Event.HOUSEHOLD_CHANGED, handler)


def test_handler_runs_after_commit_with_plain_values(users, household, seen,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.household_update(user=users["village"], household=household,
                                  expected_version=1, address="新址")
        assert seen == []  # not before the commit
    assert seen == [{"household_id": household.pk, "region_code": household.region_code}]


def test_no_handler_for_a_rolled_back_change(users, household, seen,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.household_update(user=users["village"], household=household,
                                      expected_version=1, address="不算数")
            raise RuntimeError("rolled back")
    assert callbacks == [] and seen == []


def test_a_failing_handler_does_not_undo_the_change(users, household,
                                                     django_capture_on_commit_callbacks):
    def broken(**payload):
        raise ValueError("boom")

    events.subscribe(Event.HOUSEHOLD_CHANGED, broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.household_update(user=users["village"], household=household,
                                      expected_version=1, address="仍然保存")
    finally:
        events.unsubscribe(Event.HOUSEHOLD_CHANGED, broken)
    household.refresh_from_db()
    assert household.address == "仍然保存"


def test_publish_many_calls_a_batch_form_once_and_the_others_per_payload(
        db, django_capture_on_commit_callbacks):
    single, batches = [], []

    def one(**payload):
        single.append(payload)

    def many(payloads):
        batches.append(payloads)

    def plain(**payload):
        single.append(("plain", payload))

    events.subscribe(Event.PERIOD_CHANGED, one, batch=many)
    events.subscribe(Event.PERIOD_CHANGED, plain)
    payloads = [{"period_id": i, "region_code": "640323100201", "category": "x"} for i in (1, 2)]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                events.publish_many(Event.PERIOD_CHANGED, payloads)
                assert batches == [] and single == []  # not before the commit
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                events.publish_many(Event.PERIOD_CHANGED, payloads)
                raise RuntimeError("rolled back")
    finally:
        events.unsubscribe(Event.PERIOD_CHANGED, one)
        events.unsubscribe(Event.PERIOD_CHANGED, plain)
    assert batches == [payloads]
    assert single == [("plain", payloads[0]), ("plain", payloads[1])]
