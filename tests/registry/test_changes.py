"""Household changes (registry/changes.py, restructure.py): a new head, a move, a split, a
merge, the end — each with its refusals (codes), scope, stale versions, history rows and the
summaries kept equal to a recount."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.errors import DomainError
from jkfp.registry import changes, services
from jkfp.registry.models import Household, Person, Relation

from ..conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from ..factories import PersonFactory
from ..summaries.test_summaries import recount, stored

TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=3)


def codes(exc) -> set[str]:
    errors = getattr(exc.value, "errors", [exc.value])
    return {str(e.code) for e in errors}


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def family(household, users):
    """Head, spouse and two children in VILLAGE."""
    head = household.head
    spouse = PersonFactory(household=household, relation=Relation.SPOUSE, name="配偶")
    son = PersonFactory(household=household, relation=Relation.CHILD, name="儿子")
    daughter = PersonFactory(household=household, relation=Relation.CHILD, name="女儿")
    return {
        "hh": fresh(household),
        "head": head,
        "spouse": spouse,
        "son": son,
        "daughter": daughter,
    }


@pytest.fixture
def reviewer(make_user):
    return make_user("640323100", Role.REVIEWER, username="t_rev")


# ---------------------------------------------------------------- a new head
def test_head_change_after_a_death_restates_relations(family, users):
    u = users["village"]
    head, spouse, son = family["head"], family["spouse"], family["son"]
    services.person_record_death(user=u, person=head, expected_version=head.version, death_date=DAY)
    hh = fresh(family["hh"])
    with pytest.raises(DomainError) as e:  # the former head's relation must be re-stated
        changes.household_head_change(
            user=u, household=hh, expected_version=hh.version, new_head=spouse, reason="death"
        )
    assert codes(e) == {"required"}
    hh = changes.household_head_change(
        user=u,
        household=hh,
        expected_version=hh.version,
        new_head=spouse,
        reason="death",
        note="户主去世",
        relations={head.pk: Relation.SPOUSE, son.pk: Relation.CHILD},
    )
    assert hh.head_id == spouse.pk and hh.version == family["hh"].version + 1
    assert fresh(spouse).relation == "head" and fresh(head).relation == "spouse"
    assert fresh(son).relation == "child"
    assert Person.objects.filter(household=hh, relation="head").count() == 1
    rec = Household.history.filter(id=hh.pk).latest("history_date")
    assert rec.history_user == u and "变更户主（原户主死亡）：户主去世" == rec.history_change_reason


def test_head_change_refusals(family, users, foreign_households):
    u = users["village"]
    hh, head, spouse = family["hh"], family["head"], family["spouse"]
    stranger = foreign_households["same_township"].head
    for kw, code in (
        ({"new_head": stranger}, "household_not_member"),
        ({"new_head": head}, "invalid"),  # already the head
        ({"new_head": spouse, "reason": "death"}, "invalid"),  # the head is alive
        ({"new_head": spouse, "relations": {spouse.pk: "child"}}, "household_not_member"),
        ({"new_head": spouse, "relations": {head.pk: "head"}}, "household_two_heads"),
        ({"new_head": spouse, "reason": "nope"}, "invalid"),
    ):
        args = {"reason": "decision", "relations": {head.pk: "spouse"}, **kw}
        with pytest.raises(DomainError) as e:
            changes.household_head_change(user=u, household=hh, expected_version=hh.version, **args)
        assert code in codes(e), kw
    with pytest.raises(DomainError) as e:  # stale
        changes.household_head_change(
            user=u,
            household=hh,
            expected_version=hh.version - 1 or 99,
            new_head=spouse,
            reason="decision",
            relations={head.pk: "spouse"},
        )
    assert codes(e) == {"stale_version"}
    with pytest.raises(DomainError) as e:  # read-only
        changes.household_head_change(
            user=users["city"],
            household=hh,
            expected_version=hh.version,
            new_head=spouse,
            reason="decision",
            relations={head.pk: "spouse"},
        )
    assert codes(e) == {"permission"}
    assert fresh(hh).head_id == head.pk and fresh(hh).version == hh.version


def test_head_change_out_of_scope(users, foreign_households):
    hh = foreign_households["other_township"]
    other = PersonFactory(household=hh, relation=Relation.SPOUSE)
    with pytest.raises(DomainError) as e:
        changes.household_head_change(
            user=users["township"],
            household=hh,
            expected_version=hh.version,
            new_head=other,
            reason="decision",
            relations={hh.head_id: "spouse"},
        )
    assert codes(e) == {"region_out_of_scope"}


# ---------------------------------------------------------------- a member moves
def test_move_to_another_village_takes_the_persons_records(family, users, foreign_households):
    u = users["township"]
    son = family["son"]
    target = foreign_households["same_township"]
    own = services.category_period_add(
        user=users["county"], category="extreme_poor", person=son, start_date=dt.date(2024, 1, 1)
    )
    of_household = services.category_period_add(
        user=users["county"],
        category="marginal",
        household=family["hh"],
        start_date=dt.date(2024, 1, 1),
    )
    before = stored()
    p = changes.person_move(
        user=u,
        person=son,
        expected_version=son.version,
        to_household=target,
        relation=Relation.GRANDCHILD,
        moved_on=DAY,
        reason="随祖父母生活",
    )
    assert (p.household_id, p.region_code, p.relation) == (
        target.pk,
        OTHER_VILLAGE_SAME_TOWNSHIP,
        "grandchild",
    )
    assert fresh(own).region_code == OTHER_VILLAGE_SAME_TOWNSHIP
    assert fresh(of_household).region_code == VILLAGE  # the household's category stays
    assert stored() == recount() != before
    alive = stored()["registry.persons_alive"]
    assert alive[(OTHER_VILLAGE_SAME_TOWNSHIP, "")] == 2 and alive[(VILLAGE, "")] == 3
    rec = Person.history.filter(id=son.pk).latest("history_date")
    assert "迁入家庭户" in rec.history_change_reason and "随祖父母生活" in rec.history_change_reason
    # the village user no longer sees him
    from django.http import Http404

    from jkfp.registry import selectors

    with pytest.raises(Http404):
        selectors.person_get(user=users["village"], pk=son.pk)


def test_move_refusals(family, users, foreign_households):
    u = users["township"]
    son, head = family["son"], family["head"]
    target = foreign_households["same_township"]
    cases = [
        ({"to_household": family["hh"]}, "household_same"),
        ({"relation": "head"}, "household_two_heads"),
        ({"moved_on": TODAY + dt.timedelta(days=1)}, "date_in_future"),
        ({"reason": " "}, "required"),
        ({"person": head}, "household_head_leaves"),
    ]
    for kw, code in cases:
        args = {
            "person": son,
            "to_household": target,
            "relation": "child",
            "moved_on": DAY,
            "reason": "婚迁",
            **kw,
        }
        with pytest.raises(DomainError) as e:
            changes.person_move(user=u, expected_version=args["person"].version, **args)
        assert code in codes(e), kw
    with pytest.raises(DomainError) as e:  # the target out of the village user's scope
        changes.person_move(
            user=users["village"],
            person=son,
            expected_version=son.version,
            to_household=target,
            relation="child",
            moved_on=DAY,
            reason="婚迁",
        )
    assert codes(e) == {"region_out_of_scope"}
    with pytest.raises(DomainError) as e:
        changes.person_move(
            user=u,
            person=son,
            expected_version=son.version + 1,
            to_household=target,
            relation="child",
            moved_on=DAY,
            reason="婚迁",
        )
    assert codes(e) == {"stale_version"}
    services.person_record_death(user=u, person=son, expected_version=son.version, death_date=DAY)
    son = fresh(son)
    with pytest.raises(DomainError) as e:
        changes.person_move(
            user=u,
            person=son,
            expected_version=son.version,
            to_household=target,
            relation="child",
            moved_on=DAY,
            reason="婚迁",
        )
    assert codes(e) == {"person_deceased"}
    assert fresh(son).household_id == family["hh"].pk


def test_move_refused_while_a_request_is_open(family, users, foreign_households):
    from jkfp.admission import services as admission

    son = family["son"]
    admission.change_request_propose(
        user=users["village"],
        action="admit",
        category="illness_impoverished",
        household=family["hh"],
        person=son,
        reason="重病",
        effective_date=TODAY,
        channel="visit",
        home_visit_on=TODAY,
        consent_on=TODAY,
    )
    with pytest.raises(DomainError) as e:
        changes.person_move(
            user=users["township"],
            person=son,
            expected_version=son.version,
            to_household=foreign_households["same_township"],
            relation="child",
            moved_on=DAY,
            reason="婚迁",
        )
    assert codes(e) == {"request_pending"}
