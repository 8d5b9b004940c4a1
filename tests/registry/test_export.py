"""Export of the household search as an Excel list of persons: scoped, masked, filtered,
stating its filters, streamed from a file."""

import datetime as dt
import io

import openpyxl
from django.core.management import call_command

from jkfp.registry import export, idnumber, services

FIRST_ROW = export.HEADER_ROWS + 2  # Excel rows are 1-based; the column heads come first
NUMBER, COUNTY, TOWNSHIP, VILLAGE_COL, NAME, ID, SEX, BIRTH, REL, WORK, STATE, PHONE, CATS, SIZE = (
    range(14))


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.streaming  # a file streamed, not a body held in memory
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def workbook(response):
    return list(sheet(response).iter_rows(min_row=FIRST_ROW, values_only=True))


def test_export_is_scoped_and_masked(client_as, users, household, member, foreign_households):
    rows = workbook(client_as(users["township"]).get("/households/export.xlsx"))
    numbers = {r[NUMBER] for r in rows}
    # the township sees its two villages, not the other township nor 长治
    assert numbers == {household.household_number,
                       foreign_households["same_township"].household_number}
    ids = {r[ID] for r in rows}
    assert idnumber.mask(member.id_number) in ids
    assert member.id_number not in ids
    assert "139****5678" in {r[PHONE] for r in rows}
    assert not any(member.id_number in str(cell) for r in rows for cell in r)
    assert not any("13912345678" in str(cell) for r in rows for cell in r)


def test_export_carries_county_township_and_village(client_as, users, household, member):
    rows = workbook(client_as(users["county"]).get("/households/export.xlsx"))
    by_name = {r[NAME]: r for r in rows}
    r = by_name[member.name]
    assert r[COUNTY] == "盐池县"
    assert r[TOWNSHIP] == "花马池镇"
    assert r[VILLAGE_COL].startswith("测试村花一")
    assert str(r[BIRTH]) == str(member.birth_date.year)  # the year only: decision 39
    assert r[STATE] == "在世"


def test_export_follows_and_states_the_filters(client_as, users, household, member,
                                               foreign_households):
    services.category_period_add(user=users["village"], category="marginal", household=household,
                                 start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["village"], category="extreme_poor", person=member,
                                 start_date=dt.date(2024, 1, 1))
    ws = sheet(client_as(users["county"]).get(
        "/households/export.xlsx?category=marginal&region=640323100"))
    head = [ws.cell(row=i, column=1).value for i in range(1, 5)]
    assert "类别：边缘易致贫户" in head[1] and "640323100" in head[1] and "关键词：无" in head[1]
    assert "c_user" in head[2] and "共 2 人" in head[2]
    assert "脱敏" in head[3]
    assert [c.value for c in ws[FIRST_ROW - 1]][:4] == ["户编号", "县（区）", "乡镇（街道）",
                                                        "村（社区）"]
    rows = list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))
    assert {r[NUMBER] for r in rows} == {household.household_number}
    by_name = {r[NAME]: r for r in rows}
    assert by_name[member.name][CATS] == "边缘易致贫户、特困人员"
    assert by_name[household.head.name][CATS] == "边缘易致贫户"
    tail = member.id_number[-6:]
    rows = workbook(client_as(users["county"]).get(f"/households/export.xlsx?q={tail}"))
    assert {r[NUMBER] for r in rows} == {household.household_number}


def test_export_sets_the_download_cookie(client_as, users, household, member):
    r = client_as(users["village"]).get("/households/export.xlsx?dl=abc123def")
    assert r.cookies["jkfp_export"].value == "abc123def"
    r = client_as(users["village"]).get("/households/export.xlsx?dl=<bad>")
    assert "jkfp_export" not in r.cookies


def test_export_is_capped(users, household, member):
    rows, truncated = export.person_export(user=users["village"], limit=1)
    assert len(rows) == 1 and truncated
    rows, truncated = export.person_export(user=users["village"], limit=10)
    assert len(rows) == 2 and not truncated
    out = io.BytesIO()
    done = export.export_write(out, user=users["village"], filters=export.ExportFilters(),
                               title="t", limit=1)
    assert (done.rows, done.truncated) == (1, True)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert "仅导出前 1 人" in ws.cell(row=3, column=1).value


def test_a_large_export_streams_from_a_file(client_as, users, regions):
    """Hundreds of persons in many households: every one in the file, in order, masked."""
    from ..factories import HouseholdFactory, PersonFactory

    for _ in range(60):
        hh = HouseholdFactory(village_id="640323100201", region_code="640323100201")
        for _ in range(4):
            PersonFactory(household=hh, phone="13800001111")
    r = client_as(users["township"]).get("/households/export.xlsx")
    rows = workbook(r)
    assert len(rows) == 60 * 5
    assert [r[NUMBER] for r in rows] == sorted(r[NUMBER] for r in rows)
    assert {r[PHONE] for r in rows} <= {"138****1111", None}


def test_export_command_writes_the_scoped_file(users, household, member, foreign_households,
                                               tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    call_command("export", "--as", users["township"].username, "--out", str(out))
    assert "已导出 3 人" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))
    assert {r[VILLAGE_COL][:5] for r in rows} == {"测试村花一", "测试村花二"}
    assert "t_user" in ws.cell(row=3, column=1).value


def test_export_household_size_is_the_living_members(client_as, users, household, member):
    services.person_record_death(user=users["village"], person=member,
                                 expected_version=member.version, death_date=dt.date(2024, 1, 1))
    rows = workbook(client_as(users["village"]).get("/households/export.xlsx"))
    by_name = {r[NAME]: r for r in rows}
    assert by_name[member.name][STATE] == "已故"
    assert {r[SIZE] for r in rows} == {1}  # the head alone: the deceased do not count
