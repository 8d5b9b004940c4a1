"""In a real browser (issue 7, Pages): the request list filters by category, the request page
takes a scanned consent and lists it, and the printable notice opens from the request."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.admission import services as workflow
from jkfp.registry import services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% e2e\n%%EOF\n"


def _request(user, number, category):
    hh = services.household_register(
        user=user,
        household_number=number,
        village_code=VILLAGE,
        address="测试路1号",
        members=[
            services.MemberInput(
                id_number=make_id(VILLAGE[:6]), name=f"{number}户主", relation="head"
            )
        ],
    )
    today = timezone.localdate()
    return workflow.change_request_propose(
        user=user,
        action="admit",
        category=category,
        household=hh,
        reason="突发困难",
        effective_date=today,
        channel="visit",
        home_visit_on=today,
        consent_on=today,
        village_review_on=today,
        comparison_note="",
    )


def test_request_list_attachment_and_notice(e2e_regions, login, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    village = UserFactory(username="e2e_req_v", region_id=VILLAGE, role=Role.DATA_ENTRY)
    a = _request(village, "E2ER001", "marginal")
    _request(village, "E2ER002", "sudden_hardship")
    a = workflow.change_request_post_notice(
        user=village, request=a, expected_version=a.version, notice_start=timezone.localdate()
    )
    page = login(village)
    page.goto(f"{live_server.url}/requests/")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.select_option("#id_category", "marginal")  # htmx: the list follows the select
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("E2ER001")
    assert "category=marginal" in page.url
    expect(page.locator("#export-xlsx")).to_have_attribute(
        "href", "/requests/export.xlsx?category=marginal"
    )

    page.locator("tbody a.strong").click()
    page.locator("#cr-attachments summary").click()
    page.select_option("#id_kind", "consent")
    page.set_input_files(
        "#id_file", files=[{"name": "同意书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("已上传附件")
    expect(page.locator("#cr-attachments .attachments")).to_contain_text("同意书.pdf")
    with page.expect_download() as dl:
        page.locator("#cr-attachments .attachments a").click()
    assert dl.value.suggested_filename == "同意书.pdf"

    page.get_by_role("link", name="打印公示").click()
    expect(page.locator(".notice-print h1")).to_have_text("关于拟纳入的公示")
    expect(page.locator(".notice-print")).to_contain_text("E2ER001户主户拟纳入")
