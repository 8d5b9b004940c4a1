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
