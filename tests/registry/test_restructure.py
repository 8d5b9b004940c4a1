"""Splitting, merging and ending a household (registry/restructure.py): refusals (codes),
reviewer rights, scope matrix, stale versions, history rows, summaries equal to a recount."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Role
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry import restructure, services
from jkfp.registry.models import CategoryPeriod, Household, Relation

from ..conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from ..factories import HouseholdFactory, PersonFactory
from ..summaries.test_summaries import recount, stored
from .test_changes import DAY, codes, fresh


@pytest.fixture
def family(household):
    """Head, spouse and two children in VILLAGE."""
    spouse = PersonFactory(household=household, relation=Relation.SPOUSE, name="配偶")
    son = PersonFactory(household=household, relation=Relation.CHILD, name="儿子")
    daughter = PersonFactory(household=household, relation=Relation.CHILD, name="女儿")
    return {
        "hh": fresh(household),
        "head": household.head,
        "spouse": spouse,
        "son": son,
        "daughter": daughter,
    }


@pytest.fixture
def reviewer(make_user):
    return make_user("640323100", Role.REVIEWER, username="t_rev")


# ---------------------------------------------------------------- split
def test_split_numbers_the_new_household_by_the_village_rule(family, reviewer):
    hh, son, daughter = family["hh"], family["son"], family["daughter"]
    HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, household_number=f"{VILLAGE}00041")
    new = restructure.household_split(
        user=reviewer,
        household=hh,
        expected_version=hh.version,
        members={son.pk: "head", daughter.pk: "sibling"},
        split_on=DAY,
        reason="儿子成家分户",
    )
    assert new.household_number == f"{VILLAGE}00042"
    assert new.head_id == son.pk and new.region_code == VILLAGE
    assert {p.pk: p.relation for p in new.members.all()} == {son.pk: "head", daughter.pk: "sibling"}
    assert set(fresh(hh).members.values_list("pk", flat=True)) == {
        family["head"].pk,
        family["spouse"].pk,
    }
    assert fresh(hh).head_id == family["head"].pk
    assert stored() == recount()
    assert Household.history.filter(id=new.pk).count() == 2  # created, then its head


def test_split_refusals(family, reviewer, users):
    hh, son, head = family["hh"], family["son"], family["head"]
    kw = {"household": hh, "expected_version": hh.version, "split_on": DAY, "reason": "分户"}
    for members, code in (
        ({}, "required"),
        ({son.pk: "child"}, "household_no_head"),
        ({son.pk: "head", family["daughter"].pk: "head"}, "household_two_heads"),
        ({head.pk: "head"}, "household_head_leaves"),
        ({99999: "head"}, "household_not_member"),
    ):
        with pytest.raises(DomainError) as e:
            restructure.household_split(user=reviewer, members=members, **kw)
        assert code in codes(e), members
    with pytest.raises(DomainError) as e:  # a data-entry clerk does not split
        restructure.household_split(user=users["village"], members={son.pk: "head"}, **kw)
    assert codes(e) == {"household_change_role"}
    with pytest.raises(DomainError) as e:
        restructure.household_split(
            user=reviewer, members={son.pk: "head"}, household_number=hh.household_number, **kw
        )
    assert codes(e) == {"household_number_duplicate"}
    with pytest.raises(DomainError) as e:
        restructure.household_split(
            user=reviewer, members={son.pk: "head"}, village_code=OTHER_TOWNSHIP_VILLAGE, **kw
        )
    assert codes(e) == {"region_out_of_scope"}
    assert Household.objects.count() == 1


# ---------------------------------------------------------------- merge and end
def test_merge_moves_the_living_and_ends_the_household(family, reviewer, users, foreign_households):
    target = foreign_households["same_township"]
    hh = family["hh"]
    period = services.category_period_add(
        user=users["county"], category="marginal", household=hh, start_date=dt.date(2024, 1, 1)
    )
    dead = family["daughter"]
    services.person_record_death(
        user=reviewer, person=dead, expected_version=dead.version, death_date=DAY
    )
    hh = fresh(hh)
    living = [family["head"], family["spouse"], family["son"]]
    with pytest.raises(DomainError) as e:  # every living member needs a relation
        restructure.household_merge(
            user=reviewer,
            household=hh,
            expected_version=hh.version,
            into=target,
            into_version=target.version,
            relations={family["head"].pk: "child"},
            merged_on=DAY,
            reason="投靠",
        )
    assert codes(e) == {"required"}
    restructure.household_merge(
        user=reviewer,
        household=hh,
        expected_version=hh.version,
        into=target,
        into_version=target.version,
        relations={p.pk: "other" for p in living},
        merged_on=DAY,
        reason="投靠亲属",
    )
    hh = fresh(hh)
    assert hh.ended_on == DAY and hh.head_id is None and "并入家庭户" in hh.end_reason
    assert set(target.members.values_list("pk", flat=True)) == {
        target.head_id,
        *(p.pk for p in living),
    }
    assert fresh(dead).household_id == hh.pk  # the deceased stay with the ended household
    period = fresh(period)
    assert period.end_date == DAY and period.end_reason.startswith("合户")
    assert stored() == recount()


def test_merge_refusals(family, reviewer, foreign_households, users):
    hh = family["hh"]
    target = foreign_households["same_township"]
    kw = {"expected_version": hh.version, "relations": {}, "merged_on": DAY, "reason": "合户"}
    with pytest.raises(DomainError) as e:
        restructure.household_merge(
            user=reviewer, household=hh, into=hh, into_version=hh.version, **kw
        )
    assert "household_same" in codes(e)
    with pytest.raises(DomainError) as e:
        restructure.household_merge(
            user=reviewer,
            household=hh,
            into=foreign_households["other_township"],
            into_version=1,
            **kw,
        )
    assert codes(e) == {"region_out_of_scope"}
    with pytest.raises(DomainError) as e:
        restructure.household_merge(
            user=reviewer, household=hh, into=target, into_version=target.version + 5, **kw
        )
    assert codes(e) == {"stale_version"}
    with pytest.raises(DomainError) as e:
        restructure.household_merge(
            user=users["village"], household=hh, into=target, into_version=target.version, **kw
        )
    assert codes(e) == {"household_change_role"}


def test_end_a_household_with_no_living_member(household, reviewer, users):
    head = household.head
    period = services.category_period_add(
        user=users["county"],
        category="marginal",
        household=household,
        start_date=dt.date(2024, 1, 1),
    )
    with pytest.raises(DomainError) as e:
        restructure.household_end(
            user=reviewer,
            household=household,
            expected_version=household.version,
            ended_on=DAY,
            reason="户主去世",
        )
    assert codes(e) == {"household_has_members"}
    services.person_record_death(
        user=reviewer, person=head, expected_version=head.version, death_date=DAY
    )
    hh = fresh(household)
    with pytest.raises(DomainError) as e:
        restructure.household_end(
            user=reviewer,
            household=hh,
            expected_version=hh.version,
            ended_on=DAY - dt.timedelta(days=1),
            reason="户主去世",
        )
    assert codes(e) == {"date_order"}
    with pytest.raises(DomainError) as e:
        restructure.household_end(
            user=reviewer, household=hh, expected_version=hh.version, ended_on=DAY, reason=""
        )
    assert codes(e) == {"required"}
    hh = restructure.household_end(
        user=reviewer,
        household=hh,
        expected_version=hh.version,
        ended_on=DAY,
        reason="户内无在世成员",
    )
    assert hh.ended_on == DAY and hh.end_reason == "户内无在世成员"
    period = fresh(period)
    assert period.end_date == DAY and period.end_reason == "注销：户内无在世成员"
    assert CategoryPeriod.history.filter(id=period.pk, end_date=DAY).exists()
    assert stored() == recount()
    with pytest.raises(DomainError) as e:
        restructure.household_end(
            user=reviewer, household=hh, expected_version=hh.version, ended_on=DAY, reason="again"
        )
    assert codes(e) == {"household_ended"}


LEVELS = {
    "village": VILLAGE,
    "township": "640323100",
    "county": "640323",
    "city": "6403",
    "changzhi_city": "1404",
}


@pytest.mark.parametrize("who", list(LEVELS))
def test_scope_matrix_of_the_changes(who, records, make_user):
    """A reviewer of each level may end what is inside their region only; outside it the
    service refuses with region_out_of_scope (pages and API answer 404, from the selectors)."""
    from ..conftest import VISIBLE

    user = make_user(LEVELS[who], Role.REVIEWER, username=f"rev_{who}")
    for name, hh in records.items():
        hh = fresh(hh)
        with pytest.raises(DomainError) as e:
            restructure.household_end(
                user=user, household=hh, expected_version=hh.version, ended_on=DAY, reason="测试"
            )
        expected = (
            ErrorCode.HOUSEHOLD_HAS_MEMBERS
            if name in VISIBLE[who]
            else ErrorCode.REGION_OUT_OF_SCOPE
        )
        assert e.value.code == expected, (who, name)
