"""The dashboard page: the figures' numerator and denominator as a reader takes them, and the
chosen indicator's source line."""

from __future__ import annotations

import pytest

from jkfp.accounts.models import Role
from jkfp.indicators.models import Figure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_amounts_in_yuan_and_counts_grouped(client, regions):
    Figure.objects.create(indicator="self_pay_share_poor", region_code="640323", period="2025",
                          numerator=861_658, denominator=1_737_349)
    Figure.objects.create(indicator="insurance_coverage_poor", region_code="640323",
                          period="2025", numerator=4_584, denominator=7_177)
    client.force_login(UserFactory(region_id="640323", role=Role.READONLY))
    body = client.get("/indicators/640323/?period=2025&indicator=insurance_coverage_poor"
                      ).content.decode()
    row = body.split('data-indicator="self_pay_share_poor"', 1)[1].split("</tr>", 1)[0]
    assert "8,616.58 / 17,373.49元" in row and "49.60%" in row
    row = body.split('data-indicator="insurance_coverage_poor"', 1)[1].split("</tr>", 1)[0]
    assert "4,584 / 7,177" in row and "63.87%" in row
    source = body.split('<p class="help">来源：', 1)[1].split("</p>", 1)[0]
    assert "达到100%。分子" in source and "。。" not in source
