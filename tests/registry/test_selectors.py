"""The scoped read path: a user sees exactly the records under their region code."""

import pytest
from django.db.models import Q
from django.http import Http404

from jkfp.accounts import access
from jkfp.registry import selectors, services

from ..conftest import (
    CHANGZHI_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)

VISIBLE = {
    # user level → villages whose records they may see
    "village": {VILLAGE},
    "township": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP},
    "county": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE},
    "city": {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE},
    "changzhi_city": {CHANGZHI_VILLAGE},
}


@pytest.mark.parametrize("level", list(VISIBLE))
def test_scope_matrix_on_selectors(users, household, foreign_households, level):
    user = users[level]
    all_households = [household, *foreign_households.values()]
    for hh in all_households:
        visible = hh.region_code in VISIBLE[level]
        person = hh.head
        checks = [
            lambda hh=hh: selectors.household_get(user=user, pk=hh.pk),
            lambda person=person: selectors.person_get(user=user, pk=person.pk),
            lambda person=person: selectors.person_get_by_id_number(
                user=user, id_number=person.id_number),
        ]
        for check in checks:
            if visible:
                assert check().pk in (hh.pk, person.pk)
            else:
                with pytest.raises(Http404):
                    check()
        in_list = selectors.household_list(user=user).filter(pk=hh.pk).exists()
        assert in_list == visible
        found = selectors.person_list(user=user, q=person.id_number[-6:]).filter(
            pk=person.pk).exists()
        assert found == visible
        assert selectors.person_list(user=user, q=person.name).filter(pk=person.pk).exists() \
            == visible


def test_user_without_region_sees_nothing(make_user, household):
    from jkfp.accounts.models import User

    u = User.objects.create_user("noregion", password="x" * 10)
    assert not selectors.person_scope(user=u).exists()
    assert not selectors.household_list(user=u).exists()


def test_search_by_last_digits_full_number_and_household_number(users, household):
    u = users["county"]
    head = household.head
    assert list(selectors.person_list(user=u, q=head.id_number[-4:])) == [head]
    assert list(selectors.person_list(user=u, q=head.id_number.lower())) == [head]
    assert list(selectors.household_list(user=u, q=household.household_number)) == [household]
    assert list(selectors.household_list(user=u, q=head.id_number[-5:])) == [household]


def test_reveal_is_logged_and_limited_to_allowed_roles(users, household):
    from jkfp.accounts.models import PersonalDataAccess

    head = household.head
    with pytest.raises(PermissionError):
        services.person_reveal(user=users["village"], person=head, field="id_number")
    assert PersonalDataAccess.objects.count() == 0
    value = services.person_reveal(user=users["township"], person=head, field="id_number",
                                    path="/persons/1/")
    assert value == head.id_number
    row = PersonalDataAccess.objects.get()
    assert row.user == users["township"] and row.person == head and row.field == "id_number"


def test_in_region_is_a_prefix_and_a_range():
    q = access.in_region("640323")
    assert dict(q.children) == {"region_code__startswith": "640323",
                                "region_code__gte": "640323", "region_code__lt": "640324"}
    assert dict(access.in_region("640329").children)["region_code__lt"] == "640330"
    assert dict(access.in_region("99").children) == {"region_code__startswith": "99"}


def test_in_region_of_everything():
    assert access.in_region("") == Q()
