import datetime as dt

import pytest

from jkfp.registry import services as registry
from jkfp.settlement.models import Statement


@pytest.fixture
def poor_head(users, household):
    registry.category_period_add(user=users["village"], category="registered_poor",
                                 household=household, start_date=dt.date(2016, 1, 1),
                                 end_date=dt.date(2020, 12, 31))
    return household.head


FORM = {"hospital_name": "盐池县人民医院", "hospital_grade": "2", "location": "county",
        "admission_date": "2019-03-01", "discharge_date": "2019-03-11",
        "total_cost": "20000.00", "in_policy_cost": "18000"}


def test_settle_page_prints_the_bill(client, users, settler, poor_head):
    client.force_login(settler)
    r = client.post(f"/persons/{poor_head.pk}/stays/new/", FORM)
    assert r.status_code == 302
    st = Statement.objects.get()
    page = client.get(r["Location"]).content.decode()
    assert "一单制" in page and "个人自付不超过总费用的比例" in page  # explanation with its parameter
    assert '<strong id="self-pay">2,000.00</strong>' in page
    for tier in st.detail["tiers"]:
        assert tier["name"] in page
    assert poor_head.id_number not in page  # masked
    listing = client.get(f"/persons/{poor_head.pk}/statements/").content.decode()
    assert "2,000.00" in listing and f"/statements/{st.pk}/" in listing


def test_settle_page_errors_name_the_field(client, users, settler, poor_head):
    client.force_login(settler)
    r = client.post(f"/persons/{poor_head.pk}/stays/new/",
                    {**FORM, "in_policy_cost": "25000", "admission_date": "2010-01-01"})
    assert r.status_code == 422
    body = r.content.decode()
    assert "政策范围内费用不能高于医疗总费用" in body
    assert not Statement.objects.exists()


def test_settlement_pages_are_scoped(client, users, settler, poor_head):
    client.force_login(settler)
    client.post(f"/persons/{poor_head.pk}/stays/new/", FORM)
    st = Statement.objects.get()
    client.force_login(users["changzhi_city"])
    assert client.get(f"/statements/{st.pk}/").status_code == 404
    assert client.get(f"/persons/{poor_head.pk}/statements/").status_code == 404
    assert client.get(f"/persons/{poor_head.pk}/stays/new/").status_code == 404
    client.force_login(users["city"])  # read-only in scope: sees, cannot settle
    assert client.get(f"/statements/{st.pk}/").status_code == 200
    r = client.post(f"/persons/{poor_head.pk}/stays/new/", {**FORM, "admission_date": "2019-05-01",
                                                             "discharge_date": "2019-05-02"})
    assert r.status_code == 403 and "医疗保障部门" in r.content.decode()
    assert Statement.objects.count() == 1


def test_admin_lists_statements_of_its_region_only(client, users, settler, poor_head, make_user):
    from jkfp.accounts.models import Role

    client.force_login(settler)
    client.post(f"/persons/{poor_head.pk}/stays/new/", FORM)
    st = Statement.objects.get()
    inside = make_user("640323", Role.ADMIN, username="yc_admin", is_staff=True)
    outside = make_user("1404", Role.ADMIN, username="cz_admin", is_staff=True)
    client.force_login(inside)
    assert f"/admin/settlement/statement/{st.pk}/change/" in client.get(
        "/admin/settlement/statement/").content.decode()
    client.force_login(outside)
    assert f"/admin/settlement/statement/{st.pk}/change/" not in client.get(
        "/admin/settlement/statement/").content.decode()
    assert client.get(f"/admin/settlement/statement/{st.pk}/change/").status_code == 302
