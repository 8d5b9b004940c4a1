"""API of the household changes and ID corrections: the same error body, 404 outside the scope,
409 for a stale version, 403 for a role that may not, and nothing written on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.registry.correction_models import IdentityCorrection
from jkfp.registry.models import Household, Person

from ..apiclient import assert_error_body, error_fields, refused
from ..conftest import VILLAGE, VISIBLE
from ..factories import PersonFactory, make_id

pytestmark = pytest.mark.usefixtures("api_urlconf")

DAY = (timezone.localdate() - dt.timedelta(days=2)).isoformat()


@pytest.fixture
def family(household):
    spouse = PersonFactory(household=household, relation="spouse", name="配偶")
    son = PersonFactory(household=household, relation="child", name="儿子")
    return {
        "hh": Household.objects.get(pk=household.pk),
        "head": household.head,
        "spouse": spouse,
        "son": son,
    }


def test_head_change_after_death_then_split(family, users, api_as):
    village, township = api_as(users["village"]), api_as(users["township"])
    hh, head, spouse, son = family["hh"], family["head"], family["spouse"], family["son"]
    r = village.post(f"/persons/{head.pk}/death", {"version": head.version, "death_date": DAY})
    assert r.status_code == 200
    hh.refresh_from_db()
    body = {
        "version": hh.version,
        "new_head_id": spouse.pk,
        "reason": "death",
        "relations": [{"person_id": head.pk, "relation": "spouse"}],
    }
    r = village.post(f"/households/{hh.pk}/head", body)
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["head"]["id"] == spouse.pk and d["version"] == hh.version + 1
    assert (d["member_count"], d["deceased_count"]) == (2, 1)
    assert [m["id"] for m in d["members"]] == [spouse.pk, son.pk]
    assert [m["id"] for m in d["deceased_members"]] == [head.pk]
    assert {m["id"]: m["relation"] for m in d["members"]} == {spouse.pk: "head", son.pk: "child"}
    # the same form again: stale
    body_stale = {**body, "new_head_id": son.pk}
    assert_error_body(village.post(f"/households/{hh.pk}/head", body_stale), 409)
    # a village clerk may not split; a township reviewer may
    split = {
        "version": d["version"],
        "members": [{"person_id": son.pk, "relation": "head"}],
        "split_on": DAY,
        "reason": "成家分户",
    }
    assert refused(village, "post", f"/households/{hh.pk}/split", split, status=403) == {
        None: "household_change_role"
    }
    r = township.post(f"/households/{hh.pk}/split", split)
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["household_number"] == f"{VILLAGE}00001" and new["head"]["id"] == son.pk
    assert new["member_count"] == 1
    listed = {
        h["id"]: h["member_count"]
        for h in township.get("/households", {"page_size": 200}).json()["items"]
    }
    assert listed == {hh.pk: 1, new["id"]: 1}


def test_change_refusals_name_the_field(family, users, api_as):
    village = api_as(users["village"])
    hh, spouse, head = family["hh"], family["spouse"], family["head"]
    assert refused(
        village,
        "post",
        f"/households/{hh.pk}/head",
        {
            "version": hh.version,
            "new_head_id": spouse.pk,
            "reason": "death",
            "relations": [{"person_id": head.pk, "relation": "spouse"}],
        },
    ) == {"reason": "invalid"}
    assert refused(
        village,
        "post",
        f"/households/{hh.pk}/head",
        {"version": hh.version, "new_head_id": spouse.pk, "reason": "decision"},
    ) == {f"relations.{head.pk}": "required"}
    assert refused(
        village,
        "post",
        f"/households/{hh.pk}/head",
        {"version": hh.version, "new_head_id": spouse.pk, "reason": "why"},
    ) == {"reason": "invalid"}
    assert refused(
        village,
        "post",
        f"/persons/{head.pk}/move",
        {
            "version": head.version,
            "to_household_id": hh.pk,
            "relation": "child",
            "moved_on": DAY,
            "reason": "x",
        },
    ) == {"to_household": "household_same"}
    assert refused(
        village,
        "post",
        f"/households/{hh.pk}/end",
        {"version": hh.version, "ended_on": "2024-13-01", "reason": "x"},
    ) == {"ended_on": "invalid"}


@pytest.mark.parametrize("level", list(VISIBLE))
def test_scope_matrix_answers_404_outside(level, users, records, api_as, make_user):
    client = api_as(make_user(users[level].region_code, Role.REVIEWER, username=f"r_{level}"))
    for name, hh in records.items():
        hh = Household.objects.get(pk=hh.pk)
        r = client.post(
            f"/households/{hh.pk}/end", {"version": hh.version, "ended_on": DAY, "reason": "测试"}
        )
        if name in VISIBLE[level]:
            assert r.status_code == 422 and r.json()["code"] == "household_has_members"
        else:
            assert_error_body(r, 404)
        r = client.post(
            f"/persons/{hh.head_id}/identity-corrections",
            {"new_id_number": make_id(), "evidence": "户口簿"},
        )
        assert r.status_code == (201 if name in VISIBLE[level] else 404), (level, name)


def test_move_and_merge(family, users, api_as, foreign_households):
    township = api_as(users["township"])
    son, hh = family["son"], family["hh"]
    target = foreign_households["same_township"]
    r = township.post(
        f"/persons/{son.pk}/move",
        {
            "version": son.version,
            "to_household_id": target.pk,
            "relation": "grandchild",
            "moved_on": DAY,
            "reason": "随祖父母",
        },
    )
    assert r.status_code == 200, r.content
    assert (r.json()["household_id"], r.json()["region_code"]) == (target.pk, target.region_code)
    living = [family["head"], family["spouse"]]
    r = township.post(
        f"/households/{hh.pk}/merge",
        {
            "version": hh.version,
            "into_household_id": target.pk,
            "into_version": target.version,
            "relations": [{"person_id": p.pk, "relation": "other"} for p in living],
            "merged_on": DAY,
            "reason": "投靠",
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["member_count"] == 4
    assert Household.objects.get(pk=hh.pk).ended_on.isoformat() == DAY


def test_identity_correction_api(member, users, api_as, make_user):
    village = api_as(users["village"])
    township = api_as(users["township"])
    new = make_id("640323", dt.date(1988, 8, 8), sex="F")
    r = village.post(
        f"/persons/{member.pk}/identity-corrections",
        {"new_id_number": new, "sex": "F", "evidence": "户口簿第3页"},
    )
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["new_id_number_masked"] != new and new not in r.content.decode()
    assert (c["status"], c["new_sex"], c["new_birth_date"]) == ("proposed", "F", "1988-08-08")
    assert [i["id"] for i in township.get("/identity-corrections").json()["items"]] == [c["id"]]
    assert_error_body(
        village.post(
            f"/identity-corrections/{c['id']}/decide", {"version": c["version"], "approve": True}
        ),
        403,
    )
    assert_error_body(
        township.post(
            f"/identity-corrections/{c['id']}/decide",
            {"version": c["version"] + 1, "approve": True},
        ),
        409,
    )
    r = township.post(
        f"/identity-corrections/{c['id']}/decide",
        {"version": c["version"], "approve": True, "note": "核对无误"},
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    p = Person.objects.get(pk=member.pk)
    assert (p.id_number, p.sex, p.birth_date) == (new, "F", dt.date(1988, 8, 8))
    r = village.post(
        f"/persons/{member.pk}/identity-corrections",
        {"new_id_number": p.id_number, "evidence": "x"},
    )
    assert r.status_code == 422 and error_fields(r) == {"new_id_number": "correction_unchanged"}
    outsider = api_as(make_user("640323101", Role.REVIEWER, username="o_rev"))
    assert_error_body(outsider.get(f"/identity-corrections/{c['id']}"), 404)
    assert refused(
        village,
        "post",
        f"/persons/{member.pk}/identity-corrections",
        {
            "new_id_number": make_id("640323", dt.date(1970, 1, 1)),
            "birth_date": "1970-01-02",
            "sex": "F",
            "evidence": "户口簿",
        },
    ) == {"birth_date": "id_birth_mismatch", "sex": "id_sex_mismatch"}
    assert IdentityCorrection.objects.count() == 1
