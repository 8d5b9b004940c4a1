"""ID corrections (registry/corrections.py): proposed with evidence, decided by another
reviewer of the region; on approval the number, its reversed copy, sex and birth date follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jkfp.accounts.models import Role
from jkfp.errors import DomainError
from jkfp.registry import corrections, idnumber, selectors
from jkfp.registry.correction_models import IdentityCorrection
from jkfp.registry.models import Person

from ..factories import PersonFactory, make_id


def codes(exc) -> set[str]:
    return {str(e.code) for e in getattr(exc.value, "errors", [exc.value])}


@pytest.fixture
def reviewer(make_user):
    return make_user("640323100", Role.REVIEWER, username="t_rev2")


def test_approved_correction_changes_number_sex_birth_and_search(member, users, reviewer):
    old = member.id_number
    new = make_id("640323", dt.date(1985, 3, 9), sex="F")
    c = corrections.identity_correction_propose(
        user=users["village"],
        person=member,
        new_id_number=new.lower(),
        sex="F",
        birth_date=dt.date(1985, 3, 9),
        evidence="户口簿第2页；派出所证明 2025-118 号",
    )
    assert (c.status, c.old_id_number, c.new_id_number) == ("proposed", old, new)
    assert Person.objects.get(pk=member.pk).id_number == old  # nothing changes yet
    with pytest.raises(DomainError) as e:  # four eyes: the proposer does not decide
        corrections.identity_correction_decide(
            user=users["village"], correction=c, expected_version=c.version, approve=True
        )
    assert codes(e) == {"household_change_role"}
    c = corrections.identity_correction_decide(
        user=reviewer, correction=c, expected_version=c.version, approve=True, note="核对户口簿无误"
    )
    assert c.status == "approved" and c.decided_by == reviewer
    p = Person.objects.get(pk=member.pk)
    assert (p.id_number, p.id_rev, p.sex, p.birth_date) == (
        new,
        new[::-1],
        "F",
        dt.date(1985, 3, 9),
    )
    assert p.version == member.version + 1
    # the tail search (reversed copy) finds the new number, not the old one
    assert list(selectors.person_list(user=users["village"], q=new[-6:])) == [p]
    assert not selectors.person_list(user=users["village"], q=old[-6:]).filter(pk=p.pk).exists()
    rec = Person.history.filter(id=p.pk).latest("history_date")
    assert rec.history_user == reviewer and rec.history_change_reason.startswith("身份信息更正")
    assert IdentityCorrection.history.filter(id=c.pk).count() == 2


def test_four_eyes_for_a_reviewer_who_proposed(member, reviewer, make_user):
    c = corrections.identity_correction_propose(
        user=reviewer,
        person=member,
        new_id_number=make_id("640323", dt.date(1980, 1, 2)),
        evidence="身份证复印件",
    )
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_decide(
            user=reviewer, correction=c, expected_version=c.version, approve=True
        )
    assert codes(e) == {"four_eyes"}
    other = make_user("640323", Role.APPROVER, username="c_app2")
    with pytest.raises(DomainError) as e:  # a rejection needs a reason
        corrections.identity_correction_decide(
            user=other, correction=c, expected_version=c.version, approve=False
        )
    assert codes(e) == {"required"}
    c = corrections.identity_correction_decide(
        user=other, correction=c, expected_version=c.version, approve=False, note="证明材料不足"
    )
    assert c.status == "rejected"
    assert Person.objects.get(pk=member.pk).id_number == member.id_number
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_decide(
            user=other, correction=c, expected_version=c.version, approve=True
        )
    assert codes(e) == {"correction_decided"}


def test_proposal_refusals(member, household, users):
    u = users["village"]
    head = household.head
    for kw, code in (
        ({"new_id_number": member.id_number}, "correction_unchanged"),
        ({"new_id_number": head.id_number}, "id_duplicate"),
        ({"new_id_number": "130402198207290622"}, "id_checksum"),
        ({"new_id_number": "12345"}, "id_format"),
        ({"evidence": "  "}, "required"),
        (
            {"sex": "M", "new_id_number": make_id("640323", dt.date(1990, 1, 1), sex="F")},
            "id_sex_mismatch",
        ),
        (
            {
                "birth_date": dt.date(1990, 1, 2),
                "new_id_number": make_id("640323", dt.date(1990, 1, 1)),
            },
            "id_birth_mismatch",
        ),
    ):
        args = {"new_id_number": make_id("640323", dt.date(1991, 1, 1)), "evidence": "户口簿", **kw}
        with pytest.raises(DomainError) as e:
            corrections.identity_correction_propose(user=u, person=member, **args)
        assert code in codes(e), kw
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_propose(
            user=users["city"], person=member, new_id_number=make_id(), evidence="户口簿"
        )
    assert codes(e) == {"permission"}
    assert not IdentityCorrection.objects.exists()


def test_one_open_correction_per_person_and_duplicate_at_decision(
    member, household, users, reviewer
):
    new = make_id("640323", dt.date(1977, 7, 7))
    corrections.identity_correction_propose(
        user=users["village"], person=member, new_id_number=new, evidence="户口簿"
    )
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_propose(
            user=users["village"], person=member, new_id_number=make_id(), evidence="户口簿"
        )
    assert codes(e) == {"correction_pending"}
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        IdentityCorrection.objects.create(
            person=member,
            region_code=member.region_code,
            old_id_number=member.id_number,
            old_sex="M",
            old_birth_date=member.birth_date,
            new_id_number=new,
            new_sex="M",
            new_birth_date=dt.date(1977, 7, 7),
            evidence="x",
            proposed_by=users["village"],
        )


def test_duplicate_registered_after_the_proposal_is_refused_at_decision(
    member, household, users, reviewer
):
    new = make_id("640323", dt.date(1977, 7, 7))
    c = corrections.identity_correction_propose(
        user=users["village"], person=member, new_id_number=new, evidence="户口簿"
    )
    PersonFactory(household=household, id_number=new)  # registered meanwhile
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_decide(
            user=reviewer, correction=c, expected_version=c.version, approve=True
        )
    assert codes(e) == {"id_duplicate"}
    assert IdentityCorrection.objects.get(pk=c.pk).status == "proposed"
    with pytest.raises(DomainError) as e:  # stale
        corrections.identity_correction_decide(
            user=reviewer, correction=c, expected_version=c.version + 1, approve=False, note="x"
        )
    assert codes(e) == {"stale_version"}


def test_scope_and_withdraw(member, users, make_user, foreign_households):
    outsider = make_user("640323101", Role.REVIEWER, username="other_t")
    c = corrections.identity_correction_propose(
        user=users["village"],
        person=member,
        new_id_number=make_id("640323", dt.date(1966, 6, 6)),
        evidence="户口簿",
    )
    with pytest.raises(DomainError) as e:
        corrections.identity_correction_decide(
            user=outsider, correction=c, expected_version=c.version, approve=True
        )
    assert codes(e) == {"region_out_of_scope"}
    from django.http import Http404

    with pytest.raises(Http404):
        corrections.identity_correction_get(user=outsider, pk=c.pk)
    assert list(corrections.identity_corrections_open(user=users["township"])) == [c]
    assert not corrections.identity_corrections_open(user=outsider).exists()
    c = corrections.identity_correction_withdraw(
        user=users["village"], correction=c, expected_version=c.version
    )
    assert c.status == "withdrawn"
    assert idnumber.mask(c.new_id_number) != c.new_id_number
