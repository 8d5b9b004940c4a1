"""In a real browser on a phone-sized screen (390 × 844): a village doctor opens the patients
due this week and records a hypertension follow-up with the form's defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.contracts import services
from jkfp.contracts.models import FollowUp

from ..conftest import VILLAGE
from ..factories import ChronicRegistrationFactory, HouseholdFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def test_village_doctor_records_a_follow_up_on_a_phone(e2e_regions, login, live_server):
    today = timezone.localdate()
    township = UserFactory(username="e2e_township", region_id="640323100", role=Role.REVIEWER,
                           department=Department.HEALTH)
    doctor_user = UserFactory(username="e2e_doctor", region_id=VILLAGE, role=Role.DATA_ENTRY,
                              department=Department.HEALTH, full_name="马村医")
    team = services.team_create(
        user=township, name="花一村团队", region_code="640323100", institution="花马池镇卫生院",
        villages=[VILLAGE], members=[
            services.MemberInput("马村医", "village_doctor", account=doctor_user,
                                 start_date=dt.date(2020, 1, 1)),
            services.MemberInput("周护士", "nurse", start_date=dt.date(2020, 1, 1))])
    hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    patient = PersonFactory(household=hh, name="白秀英")
    services.contract_sign(user=township, person=patient, team=team,
                           signed_on=dt.date(today.year, 1, 5))
    registration = ChronicRegistrationFactory(person=patient, created_by=township,
                                              diagnosed_on=dt.date(2018, 4, 1))

    page = login(doctor_user)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/contracts/my-patients/")
    row = page.locator("tr", has_text="白秀英")
    expect(row).to_contain_text("已逾期")  # never visited since the registration
    row.get_by_role("link", name="记录随访").click()
    expect(page.locator("h1")).to_contain_text("白秀英")
    # the defaults: today, a home visit, the doctor's own membership
    expect(page.locator("#id_visited_on")).to_have_value(today.isoformat())
    expect(page.locator("input[name=way][value=home]")).to_be_checked()
    expect(page.locator("#id_member")).to_contain_text("马村医")
    # a reading outside the physical range is refused, named, nothing saved
    page.fill("#id_systolic", "400")
    page.fill("#id_diastolic", "85")
    page.get_by_label("控制满意").check()
    page.get_by_role("button", name="保存随访").click()
    expect(page.locator(".has-error")).to_contain_text("收缩压须在50至300 mmHg之间")
    assert FollowUp.objects.count() == 0
    page.fill("#id_systolic", "136")
    page.get_by_role("button", name="保存随访").click()
    expect(page).to_have_url(f"{live_server.url}/contracts/my-patients/")
    expect(page.locator("main")).to_contain_text("已记录随访")
    visit = FollowUp.objects.get()
    assert (visit.registration_id, visit.systolic, visit.diastolic, visit.way) == (
        registration.pk, 136, 85, "home")
    assert visit.member.user_id == doctor_user.pk
    # the form fits the phone's width: nothing to scroll sideways
    page.goto(f"{live_server.url}/contracts/registrations/{registration.pk}/followup/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    page.screenshot(path="/tmp/contracts-followup-390.png", full_page=True)
