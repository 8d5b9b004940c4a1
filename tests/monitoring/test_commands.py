"""`jkfp warnings scan` and `jkfp warnings export`: as a user, inside the user's scope."""

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from jkfp.accounts.models import PersonalDataAccess
from jkfp.monitoring.models import RiskWarning
from tests.conftest import OTHER_TOWNSHIP_VILLAGE
from tests.factories import HouseholdFactory

from .helpers import HALF_2024, period, stay

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_warnings(users, regions):
    out = []
    for village in ("640323100201", OTHER_TOWNSHIP_VILLAGE):
        hh = HouseholdFactory(village_id=village, region_code=village)
        period(household=hh)
        stay(hh.head, users["county"], discharge=dt.date(2024, 3, 1),
             self_pay_fen=HALF_2024 + 12345)
        out.append(hh)
    call_command("warnings", "scan", "--as", "c_user", "--on", "2024-12-31",
                 "--rule", "medical_cost_return")
    return out


def test_scan_refuses_a_region_outside_the_scope(users, regions):
    with pytest.raises(CommandError, match="--region"):
        call_command("warnings", "scan", "--as", "t_user", "--region", "640323101")
    with pytest.raises(CommandError, match="--as"):
        call_command("warnings", "scan")


def test_export_columns_amount_and_scope(two_warnings, users, tmp_path, settings):
    settings.JKFP_FULL_ID_ROLES = ["admin"]
    assert RiskWarning.objects.count() == 2
    out = tmp_path / "w.csv"
    call_command("warnings", "export", "--as", "t_user", "--out", str(out))
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    head = two_warnings[0].head
    assert len(rows) == 1  # the township user sees only their township's warning
    row = rows[0]
    assert row["rule"] == "medical_cost_return" and row["name"] == head.name
    assert row["amount"] == f"{(HALF_2024 + 12345) // 100}.{(HALF_2024 + 12345) % 100:02d}"
    assert row["period"] == "2024" and row["status"] == "found" and row["found_on"] == "2024-12-31"
    assert "*" in row["id_number"] and row["id_number"] != head.id_number
    assert not PersonalDataAccess.objects.exists()


def test_export_full_id_for_a_role_that_may_see_it_and_logged(two_warnings, make_user, settings,
                                                              tmp_path):
    settings.JKFP_FULL_ID_ROLES = ["approver"]
    user = make_user("640323", "approver", username="revealer")
    out = tmp_path / "w.csv"
    call_command("warnings", "export", "--as", "revealer", "--out", str(out), "--status", "found")
    with open(out, encoding="utf-8-sig") as f:
        numbers = sorted(r["id_number"] for r in csv.DictReader(f))
    assert numbers == sorted(h.head.id_number for h in two_warnings)
    assert PersonalDataAccess.objects.filter(user=user, channel="export").count() == 2
    with pytest.raises(CommandError, match="--status"):
        call_command("warnings", "export", "--as", "revealer", "--out", str(out),
                     "--status", "open")


def test_a_user_of_every_region_scans_every_province_without_naming_one(users, regions,
                                                                          capsys):
    from jkfp.accounts.models import User

    User.objects.create_superuser("root_user", password="x")
    hh = HouseholdFactory()
    period(household=hh)
    stay(hh.head, users["county"], discharge=dt.date(2024, 3, 1), self_pay_fen=HALF_2024 + 1)
    call_command("warnings", "scan", "--as", "root_user", "--on", "2024-12-31",
                 "--rule", "medical_cost_return")
    assert "区划 全部" in capsys.readouterr().out
    assert RiskWarning.objects.filter(rule_id="medical_cost_return", household=hh).exists()
