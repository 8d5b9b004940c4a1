"""The scan and the workflow joined: a scheduled full scan (the system actor) pushes what it
found to the township and the departments the rule names; a scan by hand pushes only with
`--push`; an incremental check never pushes."""

import datetime as dt

import pytest
from django.core.management import call_command

from jkfp.monitoring import scan
from jkfp.monitoring.models import Push, RiskWarning
from tests.factories import HouseholdFactory

from .helpers import HALF_2024, period, stay

ON = dt.date(2024, 12, 31)
pytestmark = pytest.mark.django_db


@pytest.fixture
def over(users, regions):
    hh = HouseholdFactory()
    period(household=hh)
    stay(hh.head, users["county"], discharge=dt.date(2024, 5, 1), self_pay_fen=HALF_2024 + 1)
    return hh.head


def test_a_scheduled_scan_pushes_to_township_and_departments(over):
    scan.full_scan(user=None, region_code="640323", on_date=ON, rules=["medical_cost_return"])
    [w] = RiskWarning.objects.filter(rule_id="medical_cost_return")
    assert (w.status, w.pushed_on) == ("pushed", ON)
    got = sorted((p.department, p.region_code) for p in Push.objects.all())
    assert got == sorted([(Push.TOWNSHIP, w.region_code[:9]), ("civil_affairs", "640323"),
                          ("rural_revitalisation", "640323")])
    assert [s.step for s in w.steps.order_by("at", "id")] == ["found", "push"]


def test_a_scan_by_hand_pushes_only_when_asked(users, over, capsys):
    call_command("warnings", "scan", "--as", users["county"].username, "--on", "2024-12-31",
                 "--rule", "medical_cost_return")
    assert RiskWarning.objects.get().status == "found" and not Push.objects.exists()
    call_command("warnings", "scan", "--as", users["county"].username, "--on", "2024-12-31",
                 "--rule", "medical_cost_return", "--push")
    assert RiskWarning.objects.get().status == "pushed"
    assert "已推送：3 份推送单" in capsys.readouterr().out
