"""The health-literacy pages (decision 80): the surveys and activities of the user's region,
the uploads with the command's checks (every problem by line and column, nothing written on
any), GB18030 files, who may upload, and the literacy figure against the +5 points target."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jkfp.accounts.models import Department, Role
from jkfp.indicators.models import EducationActivity, LiteracyResult, LiteracySurvey
from jkfp.indicators.services import indicators_rebuild
from tests.conftest import OTHER_TOWNSHIP_VILLAGE as C
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP as B
from tests.conftest import VILLAGE as A
from tests.factories import UserFactory

URL = "/indicators/literacy/"


@pytest.fixture
def county(regions):
    return UserFactory(region_id="640323", role=Role.APPROVER, username="litp_county")


def survey(client, name, year, text, encoding="utf-8", **extra):
    return client.post(URL, {"which": "survey", "name": name, "year": year,
                             "region_code": "640323", "scale_max": "100", **extra,
                             "file": SimpleUploadedFile("r.csv", text.encode(encoding))})


def test_upload_surveys_and_see_the_figure_against_its_target(client, county):
    client.force_login(county)
    resp = survey(client, "2021年监测", 2021,
                  f"sample,region_code,score\n1,{A},80\n2,{A},10\n3,{A},0\n4,{A},5\n")
    assert resp.status_code == 302
    # a file saved by Excel on a Chinese Windows: GB18030, with a Chinese sample number
    resp = survey(client, "2025年监测", 2025,
                  f"sample,region_code,score\n甲1,{A},80\n甲2,{A},90\n3,{A},60\n4,{A},70\n",
                  encoding="gb18030")
    assert resp.status_code == 302
    assert LiteracyResult.objects.filter(sample="甲1").exists()
    page = client.get(URL).content.decode()
    assert "尚无指标值" in page   # not computed until the refresh
    indicators_rebuild(years=[2021, 2025], today=dt.date(2026, 3, 1))
    resp = client.get(URL + "?year=2025")
    body = resp.content.decode()
    assert "50.00%（较2021年+25.00个百分点）" in body and "达标" in body
    assert "2 / 4" in body and "较2021年上升5个百分点" in body
    assert resp.context["row"].meets is True
    assert [s.n_at for s in resp.context["surveys"]] == [2, 1]   # 2025 first, then 2021
    assert "花马池镇" in body                                       # the township below


def test_a_bad_survey_file_is_refused_whole_with_line_and_column(client, county):
    client.force_login(county)
    resp = survey(client, "坏文件", 2025,
                  f"sample,region_code,score\n1,{A},80\n2,{A},101\n2,640323999999,x\n")
    assert resp.status_code == 422
    rows = [(p["row"], p["column"], p["code"]) for p in resp.context["problems"]]
    assert (3, "score", "literacy_score_scale") in rows
    assert (4, "sample", "invalid") in rows
    assert (4, "region_code", "region_out_of_scope") in rows
    assert (4, "score", "invalid") in rows
    assert "第3行：得分101超出量表范围（0至100分）" in resp.content.decode()
    assert not LiteracySurvey.objects.exists() and not LiteracyResult.objects.exists()
    missing = survey(client, "缺列", 2025, "sample,score\n1,80\n")
    assert "文件缺少列：region_code" in missing.content.decode()
    survey(client, "一次", 2025, f"sample,region_code,score\n1,{A},80\n")
    twice = survey(client, "一次", 2025, f"sample,region_code,score\n1,{A},80\n")
    assert twice.status_code == 422 and "2025年已导入名为“一次”的调查" in twice.content.decode()
    assert LiteracySurvey.objects.count() == 1


def test_activities_upload_and_list(client, county):
    client.force_login(county)
    bad = client.post(URL, {"which": "activity", "file": SimpleUploadedFile(
        "a.csv", f"what,region_code,held_on,reached\n讲座,{A},2025-13-01,-3\n,{C},2025-03-01,10\n"
        .encode())})
    assert bad.status_code == 422
    rows = {(p["row"], p["column"]) for p in bad.context["problems"]}
    assert rows == {(2, "held_on"), (2, "reached"), (3, "what")}
    assert not EducationActivity.objects.exists()
    ok = client.post(URL, {"which": "activity", "file": SimpleUploadedFile(
        "a.csv", f"what,region_code,held_on,reached\n健康讲座,{A},2025-03-01,120\n"
        f"义诊,{B},2025-04-02,45\n".encode("gb18030"))})
    assert ok.status_code == 302
    body = client.get(URL).content.decode()
    assert "健康讲座" in body and "义诊" in body and "120" in body


def test_the_list_is_scoped_and_only_health_writers_upload(client, county):
    client.force_login(county)
    survey(client, "盐池调查甲", 2025, f"sample,region_code,score\n1,{A},80\n")
    assert "已导入调查“盐池调查甲”1 个样本" in client.get(URL).content.decode()  # the message
    other = UserFactory(region_id="140403", role=Role.APPROVER)
    client.force_login(other)
    assert "盐池调查甲" not in client.get(URL).content.decode()
    viewer = UserFactory(region_id="640323", role=Role.APPROVER,
                         department=Department.CIVIL_AFFAIRS)
    client.force_login(viewer)
    page = client.get(URL)
    assert page.status_code == 200 and "盐池调查甲" in page.content.decode()
    assert b'id="lit-survey-form"' not in page.content
    assert survey(client, "民政", 2025, f"sample,region_code,score\n1,{A},80\n").status_code == 404
    assert LiteracySurvey.objects.count() == 1


def test_the_dashboard_links_the_literacy_page(client, county):
    client.force_login(county)
    assert URL in client.get("/indicators/640323/?period=2025").content.decode()
