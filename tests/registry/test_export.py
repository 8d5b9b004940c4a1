"""Export of the household search as an Excel list of persons: scoped, masked, filtered."""

import datetime as dt
import io

import openpyxl

from jkfp.registry import export, idnumber, services


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(ws.iter_rows(min_row=5, values_only=True))


def test_export_is_scoped_and_masked(client_as, users, household, member, foreign_households):
    rows = workbook(client_as(users["township"]).get("/households/export.xlsx"))
    numbers = {r[0] for r in rows}
    # the township sees its two villages, not the other township nor 长治
    assert numbers == {household.household_number,
                       foreign_households["same_township"].household_number}
    ids = {r[3] for r in rows}
    assert idnumber.mask(member.id_number) in ids
    assert member.id_number not in ids
    assert "139****5678" in {r[9] for r in rows}
    assert not any(member.id_number in str(cell) for r in rows for cell in r)


def test_export_follows_the_filters(client_as, users, household, member, foreign_households):
    services.category_period_add(user=users["village"], category="marginal", household=household,
                                 start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["village"], category="extreme_poor", person=member,
                                 start_date=dt.date(2024, 1, 1))
    rows = workbook(client_as(users["county"]).get("/households/export.xlsx?category=marginal"))
    assert {r[0] for r in rows} == {household.household_number}
    by_name = {r[2]: r for r in rows}
    assert by_name[member.name][10] == "边缘易致贫户、特困人员"
    assert by_name[household.head.name][10] == "边缘易致贫户"
    tail = member.id_number[-6:]
    rows = workbook(client_as(users["county"]).get(f"/households/export.xlsx?q={tail}"))
    assert {r[0] for r in rows} == {household.household_number}


def test_export_is_capped(users, household, member):
    rows, truncated = export.person_export(user=users["village"], limit=1)
    assert len(rows) == 1 and truncated
    rows, truncated = export.person_export(user=users["village"], limit=10)
    assert len(rows) == 2 and not truncated
