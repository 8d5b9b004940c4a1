"""Who settles (decision 38): medical-insurance and hospital users with a writing role, and
administrators. Everyone else sees no form and is refused with `permission`, in the pages and
the API alike."""

import datetime as dt

import pytest

from jkfp.accounts import access
from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError, ErrorCode
from jkfp.settlement import services
from jkfp.settlement.models import HospitalStay, Statement

from .test_services import settle

WRITERS = (Role.DATA_ENTRY, Role.REVIEWER, Role.APPROVER)


def expected(department: str, role: str) -> bool:
    return role == Role.ADMIN or (
        role in WRITERS and department in (Department.MEDICAL_INSURANCE, Department.HOSPITAL)
    )


@pytest.mark.parametrize("department", [d.value for d in Department])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_matrix(make_user, household, department, role, client, api_as):
    user = make_user("640323", role, department=department, username=f"u_{department}_{role}")
    may = expected(department, role)
    assert access.can_settle(user) is may
    person = household.head
    if may:
        st = settle(user, person, dt.date(2022, 3, 1), "1000", "900")
        assert st.is_current
    else:
        with pytest.raises(DomainError) as exc:
            settle(user, person, dt.date(2022, 3, 1), "1000", "900")
        assert exc.value.code == ErrorCode.PERMISSION
        assert not HospitalStay.objects.exists()
    client.force_login(user)
    fragment = client.get(f"/persons/{person.pk}/statements/").content.decode()
    assert ('id="settle-stay"' in fragment) is may
    page = client.get(f"/persons/{person.pk}/stays/new/")
    assert page.status_code == (200 if may else 403)
    assert ('id="settle-submit"' in page.content.decode()) is may
    r = api_as(user).post(
        f"/persons/{person.pk}/stays",
        {
            "hospital_name": "盐池县人民医院",
            "hospital_grade": 2,
            "location": "county",
            "admission_date": "2022-06-01",
            "discharge_date": "2022-06-05",
            "total_cost": "1000",
            "in_policy_cost": "900",
        },
    )
    assert r.status_code == (201 if may else 403), r.content
    if not may:
        assert r.json()["code"] == "permission"


def test_superuser_settles(make_user, household):
    root = make_user("640323", Role.READONLY, username="root", is_superuser=True)
    assert access.can_settle(root)
    assert settle(root, household.head, dt.date(2022, 3, 1), "1000", "900").is_current


def test_a_non_settler_cannot_correct_or_reverse(settler, users, household, client, api_as):
    st = settle(settler, household.head, dt.date(2022, 3, 1), "1000", "900")
    clerk = users["village"]  # a health data-entry clerk of the village: writes, does not settle
    with pytest.raises(DomainError) as exc:
        services.statement_reverse(user=clerk, statement=st, reason="x")
    assert exc.value.code == ErrorCode.PERMISSION
    client.force_login(clerk)
    bill = client.get(f"/statements/{st.pk}/").content.decode()
    assert 'id="reverse-statement"' not in bill and 'id="correct-stay"' not in bill
    assert client.get(f"/statements/{st.pk}/reverse/").status_code == 403
    assert client.post(f"/statements/{st.pk}/reverse/", {"reason": "x"}).status_code == 403
    assert client.post(f"/stays/{st.stay_id}/correct/", {"reason": "x"}).status_code == 403
    api = api_as(clerk)
    r = api.post(f"/statements/{st.pk}/reverse", {"reason": "x"})
    assert r.status_code == 403 and r.json()["code"] == "permission"
    r = api.post(f"/stays/{st.stay_id}/correct", {"reason": "x", "total_cost": "2000"})
    assert r.status_code == 403 and r.json()["code"] == "permission"
    st.refresh_from_db()
    assert st.is_current and Statement.objects.count() == 1
    client.force_login(settler)
    bill = client.get(f"/statements/{st.pk}/").content.decode()
    assert 'id="reverse-statement"' in bill and 'id="correct-stay"' in bill


def test_settlement_outside_the_region_is_not_found(
    settler, foreign_households, client, api_as, make_user
):
    cz = make_user(
        "1404", Role.DATA_ENTRY, department=Department.MEDICAL_INSURANCE, username="cz_yb"
    )
    person = foreign_households["changzhi"].head
    st = settle(cz, person, dt.date(2020, 3, 1), "1000", "900")
    client.force_login(settler)
    for url in (
        f"/statements/{st.pk}/",
        f"/statements/{st.pk}/reverse/",
        f"/stays/{st.stay_id}/correct/",
        f"/persons/{person.pk}/stays/new/",
    ):
        assert client.get(url).status_code == 404, url
    api = api_as(settler)
    assert api.post(f"/statements/{st.pk}/reverse", {"reason": "x"}).status_code == 404
    assert (
        api.post(f"/stays/{st.stay_id}/correct", {"reason": "x", "total_cost": "1"}).status_code
        == 404
    )
    assert api.get(f"/statements/{st.pk}").status_code == 404
