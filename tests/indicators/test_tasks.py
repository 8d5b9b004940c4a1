"""The figures kept current by scheduled jobs (decision 85): a refresh every ten minutes, a
rebuild every night; a user who is not a superuser may not submit either."""

from __future__ import annotations

import datetime as dt

from jkfp.accounts.models import Role
from jkfp.indicators import services
from jkfp.indicators.models import DirtyVillage, Figure
from jkfp.jobs import schedule
from jkfp.jobs import services as jobs
from jkfp.jobs.models import JobState
from jkfp.registry.models import Person
from tests.conftest import VILLAGE
from tests.factories import UserFactory


def test_the_schedules_fire_every_ten_minutes_and_every_night():
    by = {s.name: s for s in schedule.schedules()}
    assert by["indicators.refresh_10_min"].task == "indicators.refresh"
    assert by["indicators.rebuild_nightly"].task == "indicators.rebuild"
    at = dt.datetime(2026, 3, 1, 1, 25)
    assert schedule.due(by["indicators.refresh_10_min"], after=at, until=at.replace(minute=30))
    assert not schedule.due(by["indicators.rebuild_nightly"], after=at,
                            until=at.replace(minute=29))
    assert schedule.due(by["indicators.rebuild_nightly"], after=at, until=at.replace(minute=30))


def test_system_jobs_rebuild_then_refresh_the_figures(world, run_jobs):
    with run_jobs():
        job = jobs.job_submit(user=None, task="indicators.rebuild", params={"years": [2025]})
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.result["periods"] == 17  # 12 months, 4 quarters, the year
    built = figures()
    assert built
    # a death written without its event: the figures are stale until the village is marked
    Person.objects.filter(pk=world["p2"].pk).update(alive=False, death_date=dt.date(2025, 5, 1))
    services.villages_mark_dirty(region_codes={VILLAGE})
    with run_jobs():
        job = jobs.job_submit(user=None, task="indicators.refresh")
    job.refresh_from_db()
    assert (job.state, job.result["villages"]) == (JobState.DONE, 1)
    assert not DirtyVillage.objects.exists()
    refreshed = figures()
    assert refreshed != built
    services.indicators_rebuild(years=[2025])
    assert refreshed == figures()


def figures() -> set[tuple]:
    return set(Figure.objects.values_list("indicator", "region_code", "period", "numerator",
                                          "denominator"))


def test_a_user_who_is_not_a_superuser_may_not_submit_them(world, run_jobs):
    user = UserFactory(region_id="640323", role=Role.APPROVER)
    with run_jobs():
        job = jobs.job_submit(user=user, task="indicators.rebuild")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "系统管理员" in job.error
    assert not Figure.objects.exists()


def test_progress_counts_every_indicator_of_every_year_to_its_total(db):
    """The bar of `jkfp indicators rebuild` and of the job: one step an indicator and year, the
    total known from the start (it overran with several years when it counted indicators)."""
    from jkfp.indicators import definitions

    steps = []
    services.indicators_rebuild(years=[2024, 2025], today=dt.date(2025, 6, 30),
                                progress=lambda done, total, ind: steps.append((done, total)))
    n = 2 * len(definitions.current().indicators)
    assert steps == [(i, n) for i in range(1, n + 1)]
