"""Commands that touch personal data act as a user: `--as` is required, must name an active
account with a region, and the command sees what that user sees."""


import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.admission import services as admission_services

from ..factories import HouseholdFactory


def test_export_without_as_is_refused(tmp_path, users):
    with pytest.raises(CommandError, match="--as"):
        call_command("export", out=str(tmp_path / "x.xlsx"))


@pytest.mark.parametrize("username", ["nobody", "inactive"])
def test_unknown_or_inactive_user_is_refused(tmp_path, make_user, username):
    make_user("640323", Role.READONLY, username="inactive", is_active=False)
    with pytest.raises(CommandError, match=f"用户“{username}”不存在或已停用"):
        call_command("export", out=str(tmp_path / "x.xlsx"), as_user=username)


def test_user_without_a_region_is_refused(tmp_path, make_user):
    from ..factories import UserFactory

    UserFactory(username="noregion", region_id=None, role=Role.READONLY)
    with pytest.raises(CommandError, match="未设置所属区划"):
        call_command("export", out=str(tmp_path / "x.xlsx"), as_user="noregion")


def test_export_holds_the_acting_users_region_only(tmp_path, users, household,
                                                    foreign_households):
    out = tmp_path / "village.xlsx"
    call_command("export", out=str(out), as_user=users["village"].username)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    numbers = {r[0] for r in rows if r and isinstance(r[0], str) and r[0].startswith("HH")}
    assert numbers == {household.household_number}
    out = tmp_path / "county.xlsx"
    call_command("export", out=str(out), as_user=users["county"].username)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    numbers = {r[0] for r in rows if r and isinstance(r[0], str) and r[0].startswith("HH")}
    assert numbers == {household.household_number,
                       foreign_households["same_township"].household_number,
                       foreign_households["other_township"].household_number}
    # full ID numbers never leave in an export
    assert household.head.id_number not in str(rows)


def test_export_refuses_a_region_outside_the_users_scope(tmp_path, users):
    with pytest.raises(CommandError, match="--region"):
        call_command("export", out=str(tmp_path / "x.xlsx"), as_user="v_user",
                     region="640323101")


def test_inbox_lists_what_waits_for_the_acting_user(users, household, capsys):
    today = timezone.localdate()
    cr = admission_services.change_request_propose(
        user=users["village"], action="admit", category="marginal", household=household,
        reason="因病", effective_date=today, channel="visit", home_visit_on=today,
        consent_on=today)
    other = HouseholdFactory(village_id=household.village_id, region_code=household.region_code)
    call_command("inbox", as_user="v_user")
    out = capsys.readouterr().out
    assert f"{cr.pk}\t纳入\t边缘易致贫户\t{household.household_number}" in out
    assert other.household_number not in out
    call_command("inbox", as_user="c_user")  # nothing for the county until the township approves
    assert "没有待办事项" in capsys.readouterr().out
