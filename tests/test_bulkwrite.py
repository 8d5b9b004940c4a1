"""`jkfp.bulkwrite` writes the rows and history rows simple-history's bulk functions write."""

import datetime as dt

import pytest
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jkfp import bulkwrite
from jkfp.registry.models import CategoryPeriod
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
SKIP = {"id", "history_id", "history_date", "created_at", "updated_at"}


def _periods(households, start):
    return [CategoryPeriod(category="minimum_living", household=hh, region_code=hh.region_code,
                           start_date=start + dt.timedelta(days=i), source="import:test",
                           reason=f"第{i}行")
            for i, hh in enumerate(households)]


def _row(obj) -> tuple:
    return tuple((f.attname, getattr(obj, f.attname)) for f in obj._meta.concrete_fields
                 if f.attname not in SKIP and f.attname != "household_id")


def _state(ids) -> tuple[list, list]:
    rows = [_row(p) for p in CategoryPeriod.objects.filter(pk__in=ids).order_by("start_date")]
    hist = [(h.history_type, h.history_change_reason, h.history_user_id, _row(h))
            for h in CategoryPeriod.history.filter(id__in=ids).order_by("start_date",
                                                                        "history_id")]
    return rows, hist


def test_insert_update_and_history_equal_simple_historys(users, regions):
    user = users["county"]
    a = [HouseholdFactory() for _ in range(3)]
    b = [HouseholdFactory() for _ in range(3)]
    ref = bulk_create_with_history(_periods(a, dt.date(2020, 1, 1)), CategoryPeriod,
                                   default_user=user, default_change_reason="导入")
    mine = _periods(b, dt.date(2020, 1, 1))
    ids = bulkwrite.insert(CategoryPeriod, mine)
    bulkwrite.history(CategoryPeriod, ids, kind="+", user=user, reason="导入")
    assert ids == [p.pk for p in mine] and all(ids)
    assert _state(ids) == _state([p.pk for p in ref])

    for group in (ref, mine):
        for i, p in enumerate(group):
            p.end_date, p.end_reason, p.end_way = dt.date(2024, 6, 1 + i), "", "policy"
    bulk_update_with_history(ref, CategoryPeriod, ["end_date", "end_reason", "end_way"],
                             default_user=user, default_change_reason="终止")
    bulkwrite.update(CategoryPeriod, mine, ["end_date", "end_reason", "end_way"])
    bulkwrite.history(CategoryPeriod, ids, kind="~", user=user, reason="终止")
    mine_state, ref_state = _state(ids), _state([p.pk for p in ref])
    assert mine_state == ref_state
    assert [r[0] for r in mine_state[1]] == ["+", "~"] * 3
    assert CategoryPeriod.objects.get(pk=ids[2]).end_date == dt.date(2024, 6, 3)


def test_a_person_update_and_its_history_equal_simple_historys(users, regions):
    """Person's history leaves out `updated_at` and `id_rev`: the history model says which."""
    from jkfp.registry.models import Person

    user = users["county"]
    a, b = HouseholdFactory().head, HouseholdFactory().head
    for p in (a, b):
        p.phone, p.version = "13900000000", p.version + 1
    bulk_update_with_history([a], Person, ["phone", "version"], default_user=user,
                             default_change_reason="导入")
    bulkwrite.update(Person, [b], ["phone", "version"])
    bulkwrite.history(Person, [b.pk], kind="~", user=user, reason="导入")
    skip = SKIP | {"name", "id_number", "id_rev", "birth_date", "sex", "household_id",
                   "region_code", "relation"}

    def last(p):
        h = Person.history.filter(id=p.pk).latest("history_id")
        return (h.history_type, h.history_change_reason, h.history_user_id,
                tuple((f.attname, getattr(h, f.attname)) for f in h._meta.concrete_fields
                      if f.attname not in skip))

    assert last(a) == last(b)
    assert Person.objects.get(pk=b.pk).phone == "13900000000"


def test_in_ids_selects_what_an_in_list_selects(users, regions):
    """`in_ids` (one array or JSON parameter) selects and locks the rows a list selects."""
    households = [HouseholdFactory() for _ in range(5)]
    ids = bulkwrite.insert(CategoryPeriod, _periods(households, dt.date(2021, 1, 1)))
    some = [ids[0], ids[3], ids[4], 10**12]  # an id no row has
    by_list = set(CategoryPeriod.objects.filter(pk__in=some).values_list("pk", "start_date"))
    by_array = set(CategoryPeriod.objects.filter(pk__in=bulkwrite.in_ids(some))
                   .values_list("pk", "start_date"))
    assert by_array == by_list and len(by_array) == 3
    assert not CategoryPeriod.objects.filter(pk__in=bulkwrite.in_ids([])).exists()
    locked = CategoryPeriod.objects.select_for_update().filter(pk__in=bulkwrite.in_ids(some))
    with transaction.atomic():
        assert {p.pk for p in locked} == {ids[0], ids[3], ids[4]}


def test_rows_of_array_path_equals_scan_and_list(users, regions, monkeypatch):
    """The plan's reads of many ids: the array path gives the rows of the list and the scan."""
    from jkfp.exchange import plan_state

    households = [HouseholdFactory() for _ in range(6)]
    ids = bulkwrite.insert(CategoryPeriod, _periods(households, dt.date(2022, 1, 1)))
    qs = CategoryPeriod.objects.all()
    want = set(ids[1:5])
    cols = ("pk", "household_id", "start_date")
    by_list = sorted(plan_state._rows_of(qs, "pk", want, *cols, at=0))
    monkeypatch.setattr(plan_state, "IN_LIST_MAX", 0)
    by_array = sorted(plan_state._rows_of(qs, "pk", want, *cols, at=0))
    monkeypatch.setattr(plan_state, "IN_ARRAY_MAX", 0)
    by_scan = sorted(plan_state._rows_of(qs, "pk", want, *cols, at=0))
    assert by_array == by_list == by_scan and {r[0] for r in by_list} == want
