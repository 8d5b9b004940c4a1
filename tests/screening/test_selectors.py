"""The target group of a campaign from the registry (sex, age on the age date, region,
categories held on that date), its coverage by region, and the worklist of positives."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Role
from jkfp.registry.models import CategoryPeriod
from jkfp.screening import followthrough, selectors, services

from ..conftest import (
    CHANGZHI_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)
from .conftest import END, START, TODAY, record

pytestmark = pytest.mark.django_db


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_age_exactly_35_and_64_on_the_age_date_are_in_one_day_either_side_out(
        county, campaign, make_person):
    assert campaign.age_on == START == dt.date(2024, 3, 1)
    just_35 = make_person(dt.date(1989, 3, 1))
    almost_35 = make_person(dt.date(1989, 3, 2))
    still_64 = make_person(dt.date(1959, 3, 2))
    just_65 = make_person(dt.date(1959, 3, 1))
    found = _ids(selectors.target_group(user=county, campaign=campaign))
    assert just_35.pk in found and still_64.pk in found
    assert almost_35.pk not in found and just_65.pk not in found
    assert selectors.not_target_reasons(user=county, campaign=campaign, person=just_65) == [
        "2024-03-01时65岁，不在35-64岁内"]


def test_sex_region_and_death_decide_too(county, campaign, make_person):
    woman = make_person(dt.date(1980, 1, 1))
    man = make_person(dt.date(1980, 1, 1), sex="M")
    changzhi = make_person(dt.date(1980, 1, 1), village=CHANGZHI_VILLAGE)
    died_before = make_person(dt.date(1980, 1, 1), alive=False, death_date=dt.date(2024, 2, 29))
    died_after = make_person(dt.date(1980, 1, 1), alive=False, death_date=dt.date(2024, 3, 1))
    found = _ids(selectors.target_group(user=county, campaign=campaign))
    assert found == {woman.pk, died_after.pk}
    assert "性别不符" in selectors.not_target_reasons(user=county, campaign=campaign,
                                                     person=man)[0]
    assert selectors.not_target_reasons(user=county, campaign=campaign, person=died_before) == [
        "已故"]
    assert changzhi.pk not in found


def test_categories_held_on_the_age_date_their_own_or_their_households(county, make_person):
    c = services.campaign_create(user=county, name="低保妇女两癌", kind="two_cancers",
                                 region_code="640323", start_on=START, end_on=END,
                                 target_categories=["minimum_living"])
    people = {k: make_person(dt.date(1980, 1, 1)) for k in (
        "from_the_day", "day_after", "ended_day_before", "ended_that_day", "other_category")}
    household_member = make_person(dt.date(1980, 1, 1), village=OTHER_VILLAGE_SAME_TOWNSHIP)

    def period(category="minimum_living", start=dt.date(2023, 1, 1), end=None, **subject):
        region = (subject.get("person") or subject.get("household")).region_code
        CategoryPeriod.objects.create(category=category, start_date=start, end_date=end,
                                      region_code=region, **subject)

    period(person=people["from_the_day"], start=START)
    period(person=people["day_after"], start=START + dt.timedelta(days=1))
    period(person=people["ended_day_before"], end=START - dt.timedelta(days=1))
    period(person=people["ended_that_day"], end=START)
    period(person=people["other_category"], category="extreme_poor")
    period(household=household_member.household)
    found = _ids(selectors.target_group(user=county, campaign=c))
    assert found == {people["from_the_day"].pk, people["ended_that_day"].pk, household_member.pk}
    assert selectors.not_target_reasons(user=county, campaign=c, person=people["day_after"]) == [
        "2024-03-01时不属于目标类别"]


def test_years_before_on_29_february():
    assert selectors.years_before(dt.date(2024, 2, 29), 35) == dt.date(1989, 2, 28)
    assert selectors.years_before(dt.date(2024, 3, 1), 35) == dt.date(1989, 3, 1)
    assert selectors.age_on(dt.date(1989, 2, 28), dt.date(2024, 2, 29)) == 35
    assert selectors.age_on(dt.date(1989, 3, 1), dt.date(2024, 2, 29)) == 34


def test_the_target_group_is_the_users_part_of_it(users, campaign, make_person):
    here = make_person(dt.date(1980, 1, 1))
    there = make_person(dt.date(1980, 1, 1), village=OTHER_TOWNSHIP_VILLAGE)
    assert _ids(selectors.target_group(user=users["village"], campaign=campaign)) == {here.pk}
    assert _ids(selectors.target_group(user=users["county"], campaign=campaign)) == {
        here.pk, there.pk}
    # a village user sees the county's campaign; a user of 长治 does not
    assert selectors.campaign_get(user=users["village"], pk=campaign.pk) == campaign
    with pytest.raises(Exception) as exc:
        selectors.campaign_get(user=users["changzhi_city"], pk=campaign.pk)
    assert exc.typename == "Http404"


def test_target_rows_tell_who_is_not_yet_screened(county, campaign, make_person):
    a, b = make_person(dt.date(1980, 1, 1)), make_person(dt.date(1981, 1, 1))
    record(county, campaign, a)
    assert _ids(selectors.target_rows(user=county, campaign=campaign, screened=False)) == {b.pk}
    rows = {p.pk: p for p in selectors.target_rows(user=county, campaign=campaign)}
    assert rows[a.pk].screened_on == dt.date(2024, 5, 6) and rows[b.pk].screened_on is None


def test_coverage_equals_a_direct_count(county, users, campaign, make_person):
    villages = [VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE]
    people = [make_person(dt.date(1960 + i, 1 + i % 12, 1 + i % 27), village=villages[i % 3])
              for i in range(12)]
    make_person(dt.date(1980, 1, 1), sex="M")  # not targeted
    for i, p in enumerate(people):
        if i % 2 == 0:
            record(county, campaign, p, result="positive" if i % 4 == 0 else "negative",
                   finding="乳腺结节" if i % 4 == 0 else "")
    cov = selectors.coverage(user=county, campaign=campaign)
    assert cov.base == "640323" and {r.code for r in cov.rows} >= {"640323100", "640323101"}
    for row in cov.rows:
        mine = [p for i, p in enumerate(people) if p.region_code.startswith(row.code)]
        screened = [p for i, p in enumerate(people) if p.region_code.startswith(row.code)
                    and i % 2 == 0]
        positive = [p for i, p in enumerate(people) if p.region_code.startswith(row.code)
                    and i % 4 == 0]
        assert (row.target, row.screened, row.positive) == (len(mine), len(screened),
                                                           len(positive)), row.code
    assert (cov.total.target, cov.total.screened, cov.total.positive) == (12, 6, 3)
    assert cov.total.percent == "50.0%"
    # a township user's table lists its villages, within its scope
    mine = selectors.coverage(user=users["township"], campaign=campaign)
    assert mine.base == "640323100" and {r.code for r in mine.rows} == {VILLAGE,
                                                                         OTHER_VILLAGE_SAME_TOWNSHIP}
    assert mine.total.target == 8


def test_worklist_holds_positives_until_they_have_a_case_or_are_ruled_out(county, campaign,
                                                                          make_person):
    neg, pos, sus = (make_person(dt.date(1980, 1, d)) for d in (1, 2, 3))
    record(county, campaign, neg)
    p = record(county, campaign, pos, result="positive", finding="宫颈细胞学异常")
    s = record(county, campaign, sus, result="suspected", finding="乳腺结节",
               on=dt.date(2024, 4, 1))
    assert [r.pk for r in selectors.worklist(user=county)] == [s.pk, p.pk]  # oldest first
    s = followthrough.result_step(user=county, result=s, step="refer", on_date=dt.date(2024, 4, 2),
                             expected_version=s.version, referred_to="县医院", today=TODAY)
    assert s.pk in _ids(selectors.worklist(user=county))  # referred: still a step to take
    followthrough.result_step(user=county, result=s, step="rule_out", on_date=dt.date(2024, 4, 9),
                         expected_version=s.version, comment="复查为良性", today=TODAY)
    assert _ids(selectors.worklist(user=county)) == {p.pk}
    assert _ids(selectors.worklist(user=county, campaign=campaign)) == {p.pk}


def test_findings_are_for_health_users_only(civil, campaign, county, woman):
    record(county, campaign, woman, result="positive", finding="乳腺肿块")
    for read in (lambda: selectors.worklist(user=civil),
                 lambda: selectors.result_list(user=civil, campaign=campaign),
                 lambda: selectors.person_results(user=civil, person=woman)):
        with pytest.raises(Exception) as exc:
            read()
        assert exc.value.code == "permission"
    # the target group and coverage are not health details
    assert selectors.target_group(user=civil, campaign=campaign).count() == 1
    assert selectors.coverage(user=civil, campaign=campaign).total.screened == 1


def test_a_readonly_health_user_reads_but_a_non_health_one_does_not(make_user, campaign, county,
                                                                   woman):
    record(county, campaign, woman, result="positive", finding="乳腺肿块")
    reader = make_user("640323", Role.READONLY, username="health_ro")
    assert selectors.worklist(user=reader).count() == 1
