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


def test_correct_and_reverse_pages(client, settler, poor_head):
    client.force_login(settler)
    client.post(f"/persons/{poor_head.pk}/stays/new/", FORM)
    st = Statement.objects.get()
    page = client.get(f"/stays/{st.stay_id}/correct/").content.decode()
    assert 'value="20000.00"' in page and 'value="盐池县人民医院"' in page
    r = client.post(f"/stays/{st.stay_id}/correct/", {**FORM, "total_cost": "30000"})
    assert r.status_code == 422 and Statement.objects.count() == 1  # no reason
    r = client.post(f"/stays/{st.stay_id}/correct/", {**FORM, "total_cost": "30000",
                                                     "reason": "发票金额更正"})
    assert r.status_code == 302
    new = Statement.objects.get(status="current")
    assert r["Location"] == f"/statements/{new.pk}/"
    assert new.stay.total_fen == 3000000 and new.self_pay_fen == 300000  # 10 % of 30,000
    bill = client.get(r["Location"]).content.decode()
    assert 'id="difference"' in bill
    row = bill.split('data-tier="self_pay"')[1].split("</tr>")[0]
    assert "+1,000.00" in row and "2,000.00" in row  # self-pay rose: 2,000 → 3,000
    old = client.get(f"/statements/{st.pk}/").content.decode()
    assert 'id="st-superseded"' in old and 'id="reverse-statement"' not in old
    r = client.post(f"/statements/{new.pk}/reverse/", {"reason": ""})
    assert r.status_code == 422
    r = client.post(f"/statements/{new.pk}/reverse/", {"reason": "患者未实际住院"})
    assert r.status_code == 302
    bill = client.get(f"/statements/{new.pk}/").content.decode()
    assert 'id="st-reversed"' in bill and "患者未实际住院" in bill
    listing = client.get(f"/persons/{poor_head.pk}/statements/").content.decode()
    assert "已冲销" in listing and "已被重算替代" in listing
