"""The summaries equal a recount after random sequences of the registry's services mixed with
the household changes (a new head, moves across villages, splits, merges, ends) and ID
corrections — the test of test_summaries.py, extended."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.errors import DomainError
from jkfp.registry import changes, corrections, restructure
from jkfp.registry.models import Household, Person
from jkfp.summaries.services import summary_rebuild

from ..factories import make_id
from .test_summaries import _step, recount, stored


def _change_step(
    rng: random.Random, writers: dict, reviewers: dict, today: dt.date, n: int, done: set
) -> str:
    """One random change; returns its name if it was done ("" if refused or not possible)."""
    households = list(Household.objects.filter(ended_on__isnull=True).order_by("pk"))
    if not households:
        return ""
    hh = rng.choice(households)
    county = hh.region_code[:6]
    members = list(Person.objects.filter(household=hh).order_by("pk"))
    living = [m for m in members if m.alive]
    others = [m for m in living if m.pk != hh.head_id]
    same_county = [h for h in households if h.region_code[:6] == county and h.pk != hh.pk]
    day = today - dt.timedelta(days=rng.choice([0, 1, 5]))
    possible = {
        "head": bool(others),
        "move": bool(others and same_county),
        "split": bool(others),
        "merge": bool(same_county),
        "end": True,
        "correct": bool(living),
    }
    kinds = [a for a in ("head", "move", "move", "split", "merge", "end", "correct") if possible[a]]
    not_yet = [a for a in kinds if a not in done]  # each kind gets its turn early
    action = rng.choice(not_yet if not_yet and rng.random() < 0.7 else kinds)
    try:
        if action == "head" and others:
            new = rng.choice(others)
            changes.household_head_change(
                user=writers[county],
                household=hh,
                expected_version=hh.version,
                new_head=new,
                reason="decision",
                relations={m.pk: "other" for m in members if m.pk != new.pk},
            )
        elif action == "move" and others and same_county:
            p = rng.choice(others)
            changes.person_move(
                user=writers[county],
                person=p,
                expected_version=p.version,
                to_household=rng.choice(same_county),
                relation="other",
                moved_on=max(day, p.birth_date),
                reason="测试迁移",
            )
        elif action == "split" and others:
            chosen = rng.sample(others, rng.randint(1, len(others)))
            rels = {p.pk: ("head" if i == 0 else "other") for i, p in enumerate(chosen)}
            restructure.household_split(
                user=reviewers[county],
                household=hh,
                expected_version=hh.version,
                members=rels,
                split_on=day,
                reason="测试分户",
            )
        elif action == "merge" and same_county:
            into = rng.choice(same_county)
            restructure.household_merge(
                user=reviewers[county],
                household=hh,
                expected_version=hh.version,
                into=into,
                into_version=into.version,
                relations={m.pk: "other" for m in living},
                merged_on=day,
                reason="测试合户",
            )
        elif action == "end":
            restructure.household_end(
                user=reviewers[county],
                household=hh,
                expected_version=hh.version,
                ended_on=day,
                reason="测试注销",
            )
        elif action == "correct" and living:
            p = rng.choice(living)
            c = corrections.identity_correction_propose(
                user=writers[county],
                person=p,
                evidence="测试",
                new_id_number=make_id(county, dt.date(1950 + n % 50, 3, 1 + n % 28)),
            )
            corrections.identity_correction_decide(
                user=reviewers[county], correction=c, expected_version=c.version, approve=True
            )
        else:
            return ""
    except DomainError:  # a refusal (living members, a date before a death)
        return ""
    return action


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_summaries_equal_a_recount_after_random_household_changes(make_user, seed):
    writers = {
        "640323": make_user("640323", Role.DATA_ENTRY, username="w_yc"),
        "140403": make_user("140403", Role.DATA_ENTRY, username="w_lz"),
    }
    reviewers = {
        "640323": make_user("640323", Role.REVIEWER, username="r_yc"),
        "140403": make_user("140403", Role.REVIEWER, username="r_lz"),
    }
    rng = random.Random(seed)
    today = timezone.localdate()
    done = set()
    for n in range(70):
        if n < 10 or rng.random() < 0.5:
            try:
                _step(rng, writers, today, n)
            except DomainError:  # a member added to a household that has ended: refused
                pass
        else:
            done.add(_change_step(rng, writers, reviewers, today, n, done))
        if n % 10 == 9:
            assert stored() == recount(), n
    assert stored() == recount()
    assert {"head", "move", "split", "merge", "correct"} <= done, done
    # every household has one head among its members, or none once it has ended by a merge
    for hh in Household.objects.all():
        heads = list(Person.objects.filter(household=hh, relation="head"))
        if hh.head_id is not None:
            assert hh.head.household_id == hh.pk
        if hh.ended_on is None:
            assert [p.pk for p in heads] == [hh.head_id], hh
    # persons and their own periods are filed under their household's village
    for p in Person.objects.select_related("household"):
        assert p.region_code == p.household.region_code
        assert set(p.categories.values_list("region_code", flat=True)) <= {p.region_code}
    before = stored()
    summary_rebuild()
    assert stored() == before
