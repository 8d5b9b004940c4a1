"""The contract pages: what they show, the forms (a follow-up recorded through the page), the
scope matrix of every page (outside the region → 404) and the health-data visibility by
department (civil affairs and rural revitalisation → 403 on health pages)."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.contracts import standards
from jkfp.contracts.models import Contract, FollowUp

from ..conftest import VILLAGE, VISIBLE

TODAY = timezone.localdate()

LIST_PAGES = ["/contracts/", "/contracts/teams/", "/contracts/list/", "/contracts/unsigned/",
              "/contracts/my-patients/", "/contracts/overdue/", "/contracts/not-standard/",
              "/contracts/management/"]
HEALTH_LISTS = ["/contracts/my-patients/", "/contracts/overdue/", "/contracts/not-standard/",
                "/contracts/management/"]
EXPORTS = ["/contracts/teams/export.xlsx", "/contracts/list/export.xlsx",
           "/contracts/unsigned/export.xlsx", "/contracts/my-patients/export.xlsx",
           "/contracts/overdue/export.xlsx", "/contracts/not-standard/export.xlsx",
           "/contracts/management/export.xlsx"]
HEALTH_EXPORTS = ["/contracts/my-patients/export.xlsx", "/contracts/overdue/export.xlsx",
                  "/contracts/not-standard/export.xlsx", "/contracts/management/export.xlsx"]


def detail_pages(r) -> list[str]:
    return [f"/contracts/teams/{r.team.pk}/", f"/contracts/persons/{r.person.pk}/",
            f"/contracts/{r.contract.pk}/",
            f"/contracts/registrations/{r.registration.pk}/followup/"]


def test_every_list_page_and_export_renders(users, client_as, contract_records):
    c = client_as(users["township"])
    for url in LIST_PAGES:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "签约服务" in r.content.decode()
    for url in EXPORTS:
        r = c.get(url)
        assert r.status_code == 200, url
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        assert wb.active.max_row >= 5


@pytest.mark.parametrize("who", list(VISIBLE))
def test_scope_matrix_of_the_detail_pages(users, client_as, contract_records, who):
    c = client_as(users[who])
    for name, r in contract_records.items():
        for url in detail_pages(r):
            expected = 200 if name in VISIBLE[who] else 404
            assert c.get(url).status_code == expected, (who, name, url)


@pytest.mark.parametrize("who", list(VISIBLE))
def test_scope_matrix_of_the_lists(users, client_as, contract_records, who):
    c = client_as(users[who])
    pages = {"/contracts/teams/": "团队-", "/contracts/list/": "居民-",
             "/contracts/overdue/": "居民-"}
    for url, prefix in pages.items():
        text = c.get(url).content.decode()
        for name in contract_records:
            assert (f"{prefix}{name}" in text) == (name in VISIBLE[who]), (who, url, name)
    # exports hold the same rows
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(
        c.get("/contracts/list/export.xlsx").streaming_content)))
    names = {row[0] for row in wb.active.iter_rows(min_row=6, values_only=True)}
    assert names == {f"居民-{n}" for n in VISIBLE[who]}


@pytest.mark.parametrize("department", [Department.CIVIL_AFFAIRS,
                                        Department.RURAL_REVITALISATION])
def test_health_pages_are_refused_to_other_departments(make_user, client_as, contract_records,
                                                       department):
    user = make_user("640323100", Role.REVIEWER, department=department)
    c = client_as(user)
    r = contract_records["inside"]
    for url in HEALTH_LISTS + HEALTH_EXPORTS + [
            f"/contracts/{r.contract.pk}/",
            f"/contracts/registrations/{r.registration.pk}/followup/"]:
        assert c.get(url).status_code == 403, url
    # the coarse view: teams, contracts and who should sign, without health details
    person_page = c.get(f"/contracts/persons/{r.person.pk}/").content.decode()
    assert "居民-inside" in person_page and "慢病管理" not in person_page
    assert "高血压" not in person_page
    listing = c.get("/contracts/list/").content.decode()
    assert "居民-inside" in listing and "履约率" not in listing
    assert c.get("/contracts/teams/").status_code == 200
    assert PersonalDataAccess.objects.count() == 0


def test_health_exports_are_logged_person_by_person(users, client_as, contract_records):
    user = users["township"]
    r = client_as(user).get("/contracts/overdue/export.xlsx")
    assert r.status_code == 200
    b"".join(r.streaming_content)
    logged = set(PersonalDataAccess.objects.filter(user=user, channel="export")
                 .values_list("person_id", flat=True))
    assert logged == {contract_records["inside"].person.pk,
                      contract_records["same_township"].person.pk}


def test_a_village_doctor_records_a_follow_up_through_the_page(client_as, doctor_user, doctor,
                                                               contract, registration):
    c = client_as(doctor_user)
    page = c.get("/contracts/my-patients/").content.decode()
    assert "赵患者" in page  # never visited: due since the registration
    form = c.get(f"/contracts/registrations/{registration.pk}/followup/")
    html = form.content.decode()
    assert form.status_code == 200
    # the defaults: today, a home visit, the user's own membership, the next visit in 3 months
    assert re.search(rf'name="visited_on" value="{TODAY.isoformat()}"', html)
    assert re.search(r'value="home"[^>]*checked', html)
    assert re.search(rf'<option value="{doctor.pk}" selected>', html)
    nxt = standards.add_months(TODAY, 3).isoformat()
    assert re.search(rf'name="next_visit_on" value="{nxt}"', html)
    assert "空腹血糖" not in html and "危险性评估" not in html  # hypertension's form
    r = c.post(f"/contracts/registrations/{registration.pk}/followup/", {
        "visited_on": TODAY.isoformat(), "way": "home", "member": str(doctor.pk),
        "systolic": "320", "diastolic": "85", "classification": "controlled",
        "next_visit_on": (TODAY + dt.timedelta(days=90)).isoformat(), "next": "worklist"})
    assert r.status_code == 422
    text = r.content.decode()
    assert "收缩压须在50至300 mmHg之间" in text and "measurement_range" in text
    assert FollowUp.objects.count() == 0
    r = c.post(f"/contracts/registrations/{registration.pk}/followup/", {
        "visited_on": TODAY.isoformat(), "way": "home", "member": str(doctor.pk),
        "systolic": "138", "diastolic": "85", "classification": "controlled",
        "next_visit_on": (TODAY + dt.timedelta(days=90)).isoformat(), "next": "worklist"})
    assert r.status_code == 302 and r["Location"] == "/contracts/my-patients/"
    assert FollowUp.objects.get().member == doctor


def test_sign_renew_and_end_through_the_pages(client_as, township_user, team, patient):
    c = client_as(township_user)
    page = c.get(f"/contracts/persons/{patient.pk}/").content.decode()
    assert team.name in page
    r = c.post(f"/contracts/persons/{patient.pk}/sign/", {
        "team": str(team.pk), "signed_on": TODAY.isoformat(), "year": str(TODAY.year),
        "package": "basic", "fee_yuan": "0", "fee_payer": "public_health"})
    assert r.status_code == 302
    contract = Contract.objects.get()
    r = c.post(f"/contracts/persons/{patient.pk}/sign/", {
        "team": str(team.pk), "signed_on": TODAY.isoformat(), "year": str(TODAY.year),
        "package": "basic", "fee_yuan": "0", "fee_payer": "public_health"})
    assert r.status_code == 422 and "该居民本年度已有有效签约" in r.content.decode()
    r = c.post(f"/contracts/{contract.pk}/end/", {"end-ended_on": TODAY.isoformat(),
                                                  "end-end_reason": "迁出", "end-version": "1"})
    assert r.status_code == 302
    contract.refresh_from_db()
    assert contract.ended_on == TODAY


def test_team_pages(client_as, township_user, doctor_user):
    c = client_as(township_user)
    r = c.post("/contracts/teams/new/", {
        "name": "新团队", "institution": "花马池镇卫生院", "region_code": "640323100",
        "villages": [VILLAGE], "m-doctor_name": "甲", "m-doctor_role": "village_doctor",
        "m-doctor_account": doctor_user.username, "m-carer_name": "乙",
        "m-carer_role": "nurse"})
    assert r.status_code == 302, r.content.decode()[:2000]
    url = r["Location"]
    page = c.get(url).content.decode()
    assert "新团队" in page and "v_doctor" in page
    r = c.post("/contracts/teams/new/", {
        "name": "缺护士", "institution": "卫生院", "region_code": "640323100",
        "villages": [VILLAGE], "m-doctor_name": "甲", "m-doctor_role": "village_doctor",
        "m-carer_name": "", "m-carer_role": "nurse"})
    assert r.status_code == 422
    assert "这个字段是必填项" in r.content.decode()
