"""The summaries (decision 25): after any sequence of service calls they equal a full recount,
the region overview's counts equal a count of the records for any date, and the rebuild
command gives the same rows."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.errors import DomainError
from jkfp.registry import selectors, services
from jkfp.registry.models import CategoryPeriod, Household, Person
from jkfp.summaries import definitions
from jkfp.summaries.selectors import summary_rows
from jkfp.summaries.services import summary_rebuild

from ..conftest import (
    CHANGZHI_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)
from ..factories import make_id

VILLAGES = [VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE, CHANGZHI_VILLAGE]
PERSON_CATS = ["extreme_poor", "minimum_living", "illness_impoverished"]
HOUSEHOLD_CATS = ["marginal", "sudden_hardship", "near_minimum_living"]


def recount() -> dict[str, dict[tuple[str, str], int]]:
    """Every summary counted afresh from its source table, in Python."""
    out = {}
    for d in definitions.definitions():
        c = Counter(d.dimensions(row) for row in d.model._default_manager.all())
        c.pop(None, None)
        out[d.name] = dict(c)
    return out


def stored() -> dict[str, dict[tuple[str, str], int]]:
    return {d.name: summary_rows(name=d.name) for d in definitions.definitions()}


def direct_category_counts(user, code: str, length: int, on: dt.date) -> dict:
    qs = selectors.category_period_scope(user=user).filter(region_code__startswith=code)
    qs = qs.filter(start_date__lte=on).exclude(end_date__lt=on)
    out: dict[str, dict[str, int]] = {}
    for r in (qs.annotate(child=Substr("region_code", 1, length))
              .values("child", "category").annotate(n=Count("id"))):
        out.setdefault(r["child"], {})[r["category"]] = r["n"]
    return out


def _random_date(rng: random.Random, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=rng.choice([-900, -400, -30, -1, 0, 1, 20, 400]))


def _step(rng: random.Random, writers: dict, today: dt.date, n: int) -> None:
    action = rng.choice(["register", "add", "death", "period", "period", "period", "end", "end"])
    persons = list(Person.objects.filter(alive=True))
    households = list(Household.objects.all())
    if action == "register" or not households:
        village = rng.choice(VILLAGES)
        county = village[:6]
        members = [services.MemberInput(id_number=make_id(county, dt.date(1960 + n % 40, 1, 1 + i)),
                                        name=f"测{n}-{i}", relation="head" if i == 0 else "child")
                   for i in range(rng.randint(1, 3))]
        services.household_register(user=writers[county], household_number=f"R{n:05d}",
                                    village_code=village, address="", members=members)
    elif action == "add":
        hh = rng.choice(households)
        services.person_add(user=writers[hh.region_code[:6]], household=hh,
                            member=services.MemberInput(
                                id_number=make_id(hh.region_code[:6], dt.date(1990, 2, 1 + n % 28)),
                                name=f"加{n}", relation="child"))
    elif action == "death" and persons:
        p = rng.choice(persons)
        day = max(p.birth_date, today - dt.timedelta(days=rng.choice([0, 10, 500])))
        services.person_record_death(user=writers[p.region_code[:6]], person=p,
                                     expected_version=p.version, death_date=day)
    elif action == "period":
        start = _random_date(rng, today)
        end = rng.choice([None, None, start + dt.timedelta(days=rng.choice([0, 30, 800]))])
        if rng.random() < 0.5 and persons:
            subject = {"person": rng.choice(persons)}
            cat = rng.choice(PERSON_CATS)
        else:
            subject = {"household": rng.choice(households)}
            cat = rng.choice(HOUSEHOLD_CATS)
        code = next(iter(subject.values())).region_code
        try:
            services.category_period_add(user=writers[code[:6]], category=cat, start_date=start,
                                         end_date=end, **subject)
        except DomainError:  # an overlap: refused, nothing written
            pass
    elif action == "end":
        open_ = list(CategoryPeriod.objects.filter(end_date__isnull=True))
        if open_:
            p = rng.choice(open_)
            services.category_period_end(user=writers[p.region_code[:6]], period=p,
                                         end_date=max(p.start_date, _random_date(rng, today)),
                                         end_reason="测试")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_equal_a_recount_after_random_service_calls(users, make_user, seed):
    writers = {"640323": make_user("640323", Role.DATA_ENTRY, username="w_yc"),
               "140403": make_user("140403", Role.DATA_ENTRY, username="w_lz")}
    rng = random.Random(seed)
    today = timezone.localdate()
    for n in range(60):
        _step(rng, writers, today, n)
        if n % 10 == 9:
            assert stored() == recount()
    assert stored() == recount()
    assert sum(stored()["registry.persons_alive"].values()) == Person.objects.filter(
        alive=True).count()
    # the counts the overview shows equal a count of the records, on any date
    for user, code in ((users["city"], "6403"), (users["county"], "640323"),
                       (users["township"], "640323100"), (users["changzhi_city"], "1404")):
        for days in (-500, -1, 0, 1, 30, 500):
            on = today + dt.timedelta(days=days)
            for length in (len(code), 9, 12):
                got = selectors.category_counts(user=user, region_code=code, child_length=length,
                                                on=on)
                assert got == direct_category_counts(user, code, length, on), (code, on, length)
    # and a rebuild changes nothing
    before = stored()
    summary_rebuild()
    assert stored() == before


def test_overview_totals_equal_the_records_today(users, household, member, foreign_households):
    today = timezone.localdate()
    services.category_period_add(user=users["county"], category="marginal", household=household,
                                 start_date=today - dt.timedelta(days=10),
                                 end_date=today + dt.timedelta(days=5))
    services.category_period_add(user=users["county"], category="extreme_poor", person=member,
                                 start_date=today + dt.timedelta(days=3))   # not yet begun
    services.category_period_add(user=users["county"], category="minimum_living", person=member,
                                 start_date=today - dt.timedelta(days=100),
                                 end_date=today - dt.timedelta(days=1))     # over
    ov = selectors.region_overview(user=users["county"])
    assert ov.totals == {"marginal": 1}
    assert ov.total_persons == Person.objects.filter(region_code__startswith="640323",
                                                     alive=True).count()
    later = selectors.category_counts(user=users["county"], region_code="640323",
                                      child_length=6, on=today + dt.timedelta(days=4))
    assert later == {"640323": {"marginal": 1, "extreme_poor": 1}}
    after = selectors.category_counts(user=users["county"], region_code="640323",
                                      child_length=6, on=today + dt.timedelta(days=6))
    assert after == {"640323": {"extreme_poor": 1}}


def test_counts_are_scoped(users, household, member, foreign_households):
    # a township user's counts hold its villages only, even asked for the county
    counts = selectors.person_counts(user=users["township"], region_code="640323",
                                     child_length=12)
    assert set(counts) == {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP}


def test_rebuild_command_recomputes_from_the_tables(users, household, member, capsys):
    services.category_period_add(user=users["county"], category="marginal", household=household,
                                 start_date=dt.date(2024, 1, 1))
    expected = stored()
    from jkfp.summaries.models import RegionCount

    RegionCount.objects.all().delete()
    RegionCount.objects.create(summary="registry.persons_alive", region_code=VILLAGE, n=99)
    call_command("summary", "rebuild")
    out = capsys.readouterr().out
    assert "registry.periods_open" in out and "registry.persons_alive" in out
    assert stored() == expected == recount()
    call_command("summary", "rebuild", "registry.persons_alive")
    assert stored() == expected
    with pytest.raises(Exception, match="不存在"):
        call_command("summary", "rebuild", "nope")


def test_a_refused_write_moves_no_count(users, household, member):
    before = stored()
    with pytest.raises(DomainError):
        services.category_period_add(user=users["county"], category="marginal",
                                     household=household, start_date=dt.date(2024, 1, 1),
                                     end_date=dt.date(2023, 1, 1))
    assert stored() == before


def test_the_demo_load_rebuilds_the_summaries(db):
    from jkfp.demo.services import demo_data_load

    demo_data_load(persons=400, seed=3, stays=False)
    assert stored() == recount()
    assert sum(stored()["registry.persons_alive"].values()) == Person.objects.filter(
        alive=True).count() > 0
