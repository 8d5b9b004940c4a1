"""The versioned-write helper: lock, compare, bump, save the changed fields only, and record the
acting user in history from the service's own argument (not from a request)."""

import pytest
from django.db import transaction

from jkfp.errors import DomainError, ErrorCode
from jkfp.registry import services
from jkfp.registry.models import Household
from jkfp.writes import locked, model_create, model_update


def test_update_saves_changed_fields_bumps_version_and_names_the_user(users, household):
    user = users["village"]
    hh, changed = model_update(instance=household, data={"address": "新地址", "ended_on": None},
                               expected_version=1, user=user)
    assert changed == ["address"]
    assert Household.objects.get(pk=household.pk).version == 2
    last = Household.history.filter(id=household.pk).latest("history_date")
    assert (last.address, last.history_user_id) == ("新地址", user.pk)


def test_nothing_changed_saves_nothing(users, household):
    before = Household.history.filter(id=household.pk).count()
    hh, changed = model_update(instance=household, data={"address": household.address},
                               expected_version=1, user=users["village"])
    assert changed == [] and hh.version == 1
    assert Household.history.filter(id=household.pk).count() == before


def test_stale_version_is_refused_and_nothing_is_written(users, household):
    model_update(instance=household, data={"address": "甲"}, expected_version=1,
                 user=users["village"])
    with pytest.raises(DomainError) as exc:
        model_update(instance=household, data={"address": "乙"}, expected_version=1,
                     user=users["village"])
    assert exc.value.code == ErrorCode.STALE_VERSION
    assert Household.objects.get(pk=household.pk).address == "甲"


def test_locked_needs_a_transaction(household, monkeypatch):
    from types import SimpleNamespace

    from jkfp import writes

    # the test itself runs inside pytest-django's transaction: show locked() a connection
    # that is in none
    with monkeypatch.context() as m:
        m.setattr(writes.transaction, "get_connection",
                  lambda using=None: SimpleNamespace(in_atomic_block=False))
        with pytest.raises(RuntimeError):
            locked(Household, household.pk)
    with transaction.atomic():
        assert locked(Household, household.pk, expected_version=1).pk == household.pk


def test_create_names_the_user(users, household):
    from jkfp.registry.models import SupportMeasure

    m = model_create(SupportMeasure, user=users["township"], household=household,
                     region_code=household.region_code, kind="medical", description="签约服务",
                     start_date=household.created_at.date())
    assert m.history.get().history_user_id == users["township"].pk


def test_a_service_called_outside_a_request_records_its_user(users, household):
    """What a command or an import does: no request, the service's user is in history."""
    services.household_update(user=users["county"], household=household, expected_version=1,
                              address="由命令修改")
    last = Household.history.filter(id=household.pk).latest("history_date")
    assert last.history_user_id == users["county"].pk
