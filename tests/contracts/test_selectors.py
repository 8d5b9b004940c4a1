"""The scoped reads of the contracts: who should sign and has not (应签尽签), a village
doctor's worklist, the teams a village user sees."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.contracts import selectors, services
from jkfp.health.models import ChronicRegistration
from jkfp.registry import services as registry_services

from ..conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from ..factories import ChronicRegistrationFactory, HouseholdFactory, PersonFactory

TODAY = timezone.localdate()


def test_should_sign_and_has_not(township_user, team, household, make_user):
    admin = make_user("640323", "admin")
    registry_services.category_period_add(user=admin, category="registered_poor",
                                          household=household, start_date=dt.date(2016, 1, 1))
    poor_member = PersonFactory(household=household, name="贫困户成员")
    other_hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    low = PersonFactory(household=other_hh, name="低保对象")
    registry_services.category_period_add(user=admin, category="minimum_living", person=low,
                                          start_date=dt.date(2020, 1, 1))
    PersonFactory(household=other_hh, name="普通居民")  # no category that should sign
    PersonFactory(household=household, name="已故成员", alive=False,
                  death_date=dt.date(2024, 1, 1))
    names = {p.name for p in selectors.should_sign_unsigned(user=township_user, on=TODAY)}
    assert names == {household.head.name, "贫困户成员", "低保对象"}
    services.contract_sign(user=township_user, person=poor_member, team=team, signed_on=TODAY)
    names = {p.name for p in selectors.should_sign_unsigned(user=township_user, on=TODAY)}
    assert names == {household.head.name, "低保对象"}
    assert selectors.sign_rate(user=township_user, year=TODAY.year, on=TODAY) == (1, 3)
    # next year nobody has signed yet
    assert len(selectors.should_sign_unsigned(user=township_user, year=TODAY.year + 1,
                                              on=TODAY)) == 3


def test_village_doctor_worklist(township_user, team, doctor_user, doctor, household, regions):
    week_end = TODAY + dt.timedelta(days=6 - TODAY.weekday())

    def patient(name, next_visit, village=VILLAGE, sign=True):
        hh = household if village == VILLAGE else HouseholdFactory(village_id=village,
                                                                    region_code=village)
        p = PersonFactory(household=hh, name=name)
        if sign:
            services.contract_sign(user=township_user, person=p, team=team,
                                   signed_on=dt.date(TODAY.year, 1, 5))
        return ChronicRegistrationFactory(person=p, created_by=township_user,
                                          next_visit_on=next_visit)
    due = patient("本周到期", week_end)
    late = patient("已逾期", TODAY - dt.timedelta(days=30))
    patient("下周到期", week_end + dt.timedelta(days=1))
    patient("未签约", TODAY - dt.timedelta(days=1), sign=False)
    ended = patient("已结束管理", TODAY - dt.timedelta(days=1))
    ChronicRegistration.objects.filter(pk=ended.pk).update(ended_on=TODAY)
    rows = list(selectors.village_doctor_worklist(user=doctor_user, today=TODAY))
    assert [r.pk for r in rows] == [late.pk, due.pk]
    assert rows[0].due_on == TODAY - dt.timedelta(days=30)
    # a user with no team membership has no patients of their own
    assert list(selectors.village_doctor_worklist(user=township_user, today=TODAY)) == []


def test_a_village_user_sees_the_teams_serving_the_village(team, doctor_user, township_user,
                                                           make_user):
    assert list(selectors.team_scope(user=doctor_user)) == [team]
    services.team_update(user=township_user, team=team, expected_version=1, name=team.name,
                         institution=team.institution, villages=[OTHER_VILLAGE_SAME_TOWNSHIP])
    assert list(selectors.team_scope(user=doctor_user)) == []
    assert list(selectors.team_scope(user=make_user(OTHER_VILLAGE_SAME_TOWNSHIP))) == [team]
