"""Pages of the household changes and ID corrections: forms call the services, errors come back
beside their field (422), a stale form keeps what was typed (409), outside the region is 404,
read-only users get no forms, and the member count is the living members everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.registry import idnumber, services
from jkfp.registry.correction_models import IdentityCorrection
from jkfp.registry.models import Household, Person

from ..factories import PersonFactory, make_id

DAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()


@pytest.fixture
def family(household):
    spouse = PersonFactory(household=household, relation="spouse", name="王配偶")
    son = PersonFactory(household=household, relation="child", name="王儿子")
    return {
        "hh": Household.objects.get(pk=household.pk),
        "head": household.head,
        "spouse": spouse,
        "son": son,
    }


def test_member_count_is_the_living_members_on_every_page(family, users, client_as):
    head = family["head"]
    services.person_record_death(
        user=users["village"],
        person=head,
        expected_version=head.version,
        death_date=dt.date(2024, 1, 1),
    )
    c = client_as(users["village"])
    detail = c.get(f"/households/{family['hh'].pk}/").content.decode()
    assert '<small class="muted" id="member-count">2 人</small>' in detail
    assert "已故成员" in detail and "1 人，不计入家庭人数" in detail
    listed = c.get(
        "/households/", {"q": family["hh"].household_number}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<td class="num">2</td>' in listed
    changes = c.get(f"/households/{family['hh'].pk}/changes/").content.decode()
    assert "在世 2 人" in changes and "已故 1 人" in changes


def test_head_change_page_keeps_the_form_on_a_stale_save(family, users, client_as):
    c = client_as(users["village"])
    hh, spouse, head = family["hh"], family["spouse"], family["head"]
    url = f"/households/{hh.pk}/changes/head/"
    r = c.post(
        url,
        {"new_head": spouse.pk, "reason": "decision", "note": "家庭商议", "version": hh.version},
    )
    assert r.status_code == 422
    assert "须填写" in r.content.decode()  # the former head's relation, beside its select
    r = c.post(
        url,
        {
            "new_head": spouse.pk,
            "reason": "decision",
            "note": "家庭商议",
            f"rel_{head.pk}": "spouse",
            "version": hh.version + 3,
        },
    )
    assert r.status_code == 409
    html = r.content.decode()
    assert "保存冲突" in html and "家庭商议" in html
    r = c.post(
        url,
        {
            "new_head": spouse.pk,
            "reason": "decision",
            "note": "家庭商议",
            f"rel_{head.pk}": "spouse",
            "version": hh.version,
        },
    )
    assert r.status_code == 302
    assert Household.objects.get(pk=hh.pk).head_id == spouse.pk
    history = c.get(f"/households/{hh.pk}/").content.decode()
    assert "变更户主（家庭决定）：家庭商议" in history


def test_split_merge_end_forms_are_for_reviewers(family, users, client_as, make_user):
    hh, son = family["hh"], family["son"]
    page = client_as(users["village"]).get(f"/households/{hh.pk}/changes/").content.decode()
    assert 'id="form-head"' in page and 'id="form-split"' not in page
    reviewer = make_user("640323100", Role.REVIEWER, username="rv_page")
    c = client_as(reviewer)
    page = c.get(f"/households/{hh.pk}/changes/").content.decode()
    assert 'id="form-split"' in page and 'id="form-merge"' in page
    r = c.post(
        f"/households/{hh.pk}/changes/split/",
        {f"split_{son.pk}": "head", "split_on": DAY, "reason": "成家", "version": hh.version},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    new = Household.objects.exclude(pk=hh.pk).get()
    assert r["Location"] == f"/households/{new.pk}/" and new.head_id == son.pk
    # merge the new household back, by its number
    r = c.post(
        f"/households/{new.pk}/changes/merge/",
        {
            "into": "不存在",
            "merged_on": DAY,
            "reason": "合户",
            "version": new.version,
            f"merge_{son.pk}": "child",
        },
    )
    assert r.status_code == 422 and "没有户编号为" in r.content.decode()
    r = c.post(
        f"/households/{new.pk}/changes/merge/",
        {
            "into": hh.household_number,
            "merged_on": DAY,
            "reason": "合户",
            "version": new.version,
            f"merge_{son.pk}": "child",
        },
    )
    assert r.status_code == 302
    assert Person.objects.get(pk=son.pk).household_id == hh.pk
    assert Household.objects.get(pk=new.pk).ended_on is not None


def test_pages_are_404_outside_and_403_for_read_only(family, users, client_as, foreign_households):
    outside = foreign_households["other_township"]
    c = client_as(users["township"])
    for url in (
        f"/households/{outside.pk}/changes/",
        f"/persons/{outside.head_id}/move/",
        f"/persons/{outside.head_id}/identity/",
    ):
        assert c.get(url).status_code == 404, url
    assert (
        c.post(
            f"/households/{outside.pk}/changes/end/", {"ended_on": DAY, "reason": "x", "version": 1}
        ).status_code
        == 404
    )
    ro = client_as(users["city"])
    assert ro.get(f"/households/{family['hh'].pk}/changes/").status_code == 403
    assert (
        'id="form-correction"'
        not in ro.get(f"/persons/{family['son'].pk}/identity/").content.decode()
    )


def test_move_page(family, users, client_as, foreign_households):
    c = client_as(users["township"])
    son = family["son"]
    target = foreign_households["same_township"]
    r = c.post(
        f"/persons/{son.pk}/move/",
        {
            "to_household": target.household_number,
            "relation": "head",
            "moved_on": DAY,
            "reason": "婚迁",
            "version": son.version,
        },
    )
    assert r.status_code == 422 and 'id="id_relation_error"' in r.content.decode()
    assert Person.objects.get(pk=son.pk).household_id == family["hh"].pk
    r = c.post(
        f"/persons/{son.pk}/move/",
        {
            "to_household": target.household_number,
            "relation": "spouse",
            "moved_on": DAY,
            "reason": "婚迁",
            "version": son.version,
        },
    )
    assert r.status_code == 302
    assert Person.objects.get(pk=son.pk).household_id == target.pk
    # the old household's history keeps the member's leaving, with the reason
    history = c.get(f"/households/{family['hh'].pk}/").content.decode()
    assert f"迁入家庭户 {target.household_number}" in history and "婚迁" in history
    assert target.household_number in history


def test_correction_pages(member, users, client_as, make_user):
    new = make_id("640323", dt.date(1979, 9, 9))
    c = client_as(users["village"])
    r = c.post(f"/persons/{member.pk}/identity/", {"new_id_number": new, "evidence": ""})
    assert r.status_code == 422
    r = c.post(f"/persons/{member.pk}/identity/", {"new_id_number": new, "evidence": "户口簿第2页"})
    assert r.status_code == 302
    corr = IdentityCorrection.objects.get()
    page = c.get(f"/corrections/{corr.pk}/").content.decode()
    assert new not in page and idnumber.mask(new) in page
    assert 'id="form-decide"' not in page  # the proposer (and a clerk) does not decide
    reviewer = client_as(make_user("640323100", Role.REVIEWER, username="rv_c"))
    listed = reviewer.get("/corrections/").content.decode()
    assert f'href="/corrections/{corr.pk}/"' in listed
    page = reviewer.get(f"/corrections/{corr.pk}/").content.decode()
    assert 'id="form-decide"' in page
    r = reviewer.post(
        f"/corrections/{corr.pk}/decide/",
        {"decision": "approve", "note": "", "version": corr.version},
    )
    assert r.status_code == 302
    assert Person.objects.get(pk=member.pk).id_number == new
    history = c.get(f"/persons/{member.pk}/").content.decode()
    assert f"身份信息更正 #{corr.pk}" in history and new not in history
