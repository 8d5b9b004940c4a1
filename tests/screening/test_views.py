"""The screening pages: a county user's whole round through them, the scope matrix (outside the
region: 404 on every page), findings for health departments only, and the exports (the files'
contents, and the log of each export of health data)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jkfp.accounts.models import PersonalDataAccess
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult

from ..conftest import OTHER_TOWNSHIP_VILLAGE, VISIBLE
from .conftest import record

pytestmark = pytest.mark.django_db


def _sheet(response):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_a_county_user_creates_a_campaign_and_records_results_through_the_pages(
        county, client_as, make_person):
    a, b = make_person(dt.date(1980, 1, 1)), make_person(dt.date(1970, 6, 1))
    make_person(dt.date(1980, 1, 1), sex="M")
    c = client_as(county)
    r = c.post(reverse("screening:campaign_new"), {
        "name": "2024年两癌筛查", "kind": "two_cancers", "region_code": "640323",
        "start_on": "2024-03-01", "end_on": "2024-12-31", "use_defaults": "on"})
    assert r.status_code == 302, r.content.decode()
    campaign = Campaign.objects.get()
    assert (campaign.target_sex, campaign.age_min, campaign.age_max) == ("F", 35, 64)
    page = c.get(reverse("screening:campaign", args=[campaign.pk])).content.decode()
    assert "筛查覆盖率" in page and "花马池镇" in page
    targets = c.get(reverse("screening:targets", args=[campaign.pk]) + "?screened=no")
    html = targets.content.decode()
    assert a.name in html and b.name in html and "未筛查" in html
    # the list entry: one bad row (positive without a finding) and nothing is written
    url = reverse("screening:targets_record", args=[campaign.pk])
    r = c.post(url, {"screened_on": "2024-05-06", f"r_{a.pk}": "negative",
                     f"r_{b.pk}": "positive", f"f_{b.pk}": ""})
    assert r.status_code == 422 and "可疑或阳性结果须填写检查所见" in r.content.decode()
    assert ScreeningResult.objects.count() == 0
    r = c.post(url, {"screened_on": "2024-05-06", f"r_{a.pk}": "negative",
                     f"r_{b.pk}": "positive", f"f_{b.pk}": "乳腺肿块"})
    assert r.status_code == 302
    assert ScreeningResult.objects.count() == 2
    positive = ScreeningResult.objects.get(person=b)
    # the result page and its steps
    page = c.get(reverse("screening:result", args=[positive.pk])).content.decode()
    assert "乳腺肿块" in page and 'id="step-refer"' in page and 'id="step-confirm"' not in page
    r = c.post(reverse("screening:result_step", args=[positive.pk, "refer"]), {
        "refer-on_date": "2024-05-07", "refer-referred_to": "", "refer-version": "1"})
    assert r.status_code == 422 and 'id="id_refer-referred_to_error"' in r.content.decode()
    r = c.post(reverse("screening:result_step", args=[positive.pk, "refer"]), {
        "refer-on_date": "2024-05-07", "refer-referred_to": "县人民医院", "refer-version": "1"})
    assert r.status_code == 302
    positive.refresh_from_db()
    assert positive.stage == "referred"
    r = c.post(reverse("screening:result_step", args=[positive.pk, "refer"]), {
        "refer-on_date": "2024-05-07", "refer-referred_to": "县人民医院", "refer-version": "2"})
    assert r.status_code == 422 and "screening_step_not_allowed" in r.content.decode()
    r = c.post(reverse("screening:result_step", args=[positive.pk, "confirm"]), {
        "confirm-on_date": "2024-05-20", "confirm-icd10": "C50.9", "confirm-version": "1"})
    assert r.status_code == 409  # stale: the page kept what was typed
    worklist = c.get(reverse("screening:worklist")).content.decode()
    assert b.name in worklist and "待确诊或排除" in worklist and a.name not in worklist


def test_the_result_form_of_one_person(county, client_as, campaign, woman, make_person):
    c = client_as(county)
    url = reverse("screening:result_new", args=[campaign.pk, woman.pk])
    assert "登记筛查结果" in c.get(url).content.decode()
    r = c.post(url, {"screened_on": "2099-01-01", "result": "negative"})
    assert r.status_code == 422
    r = c.post(url, {"screened_on": "2024-05-06", "result": "suspected", "finding": "结节"})
    assert r.status_code == 302
    r = c.post(url, {"screened_on": "2024-05-06", "result": "negative"})
    assert r.status_code == 422 and "screening_duplicate" in r.content.decode()
    man = make_person(dt.date(1980, 1, 1), sex="M")
    page = c.get(reverse("screening:result_new", args=[campaign.pk, man.pk])).content.decode()
    assert "不是本项目的目标人群" in page


@pytest.fixture
def outside(county, campaign, make_person):
    """A positive result in another township of the county."""
    p = make_person(dt.date(1980, 1, 1), village=OTHER_TOWNSHIP_VILLAGE)
    return record(county, campaign, p, result="positive", finding="宫颈细胞学异常")


def test_scope_matrix_of_every_page(users, client_as, campaign, outside):
    person = outside.person
    campaign_pages = [reverse(n, args=[campaign.pk]) for n in (
        "screening:campaign", "screening:targets", "screening:coverage_export",
        "screening:targets_export")]
    result_pages = [reverse("screening:result", args=[outside.pk]),
                    reverse("screening:result_new", args=[campaign.pk, person.pk])]
    for level, seen in VISIBLE.items():
        c = client_as(users[level])
        for url in campaign_pages:
            want = 404 if level == "changzhi_city" else 200
            assert c.get(url).status_code == want, (level, url)
        for url in result_pages:
            want = 200 if "other_township" in seen else 404
            assert c.get(url).status_code == want, (level, url)
        r = c.post(reverse("screening:result_step", args=[outside.pk, "refer"]),
                   {"refer-on_date": "2024-05-07", "refer-referred_to": "x", "refer-version": "1"})
        assert r.status_code in ((404,) if "other_township" not in seen else (302, 422)), level
        r = c.post(reverse("screening:campaign_edit", args=[campaign.pk]), {})
        assert r.status_code == (404 if level == "changzhi_city" else 422), level
        worklist = c.get(reverse("screening:worklist")).content.decode()
        assert (person.name in worklist) == ("other_township" in seen), level
        listed = c.get(reverse("screening:campaign_list")).content.decode()
        assert (campaign.name in listed) == (level != "changzhi_city"), level
    assert ResultStep.objects.filter(result=outside, step="refer").count() == 1  # the county's


def test_findings_are_shown_to_health_departments_only(civil, client_as, campaign, county,
                                                       woman):
    r = record(county, campaign, woman, result="positive", finding="乳腺肿块")
    c = client_as(civil)
    assert c.get(reverse("screening:result", args=[r.pk])).status_code == 403
    assert c.get(reverse("screening:worklist")).status_code == 403
    assert c.get(reverse("screening:worklist_export")).status_code == 403
    detail = c.get(reverse("screening:campaign", args=[campaign.pk])).content.decode()
    assert "可疑或阳性" not in detail and "筛查覆盖率" in detail
    targets = c.get(reverse("screening:targets", args=[campaign.pk])).content.decode()
    assert "已筛查" in targets and "乳腺肿块" not in targets
    assert reverse("screening:result", args=[r.pk]) not in targets
    rows = _sheet(c.get(reverse("screening:targets_export", args=[campaign.pk])))
    assert "筛查结果" not in rows[5] and not any("乳腺肿块" in str(x) for row in rows for x in row)
    assert PersonalDataAccess.objects.count() == 0  # no health data left: nothing to log
    health = client_as(county)
    assert "乳腺肿块" in health.get(reverse("screening:result", args=[r.pk])).content.decode()


def test_exports_of_health_data_are_logged_person_by_person(county, client_as, campaign,
                                                            make_person):
    a, b, c_ = (make_person(dt.date(1980, 1, d)) for d in (1, 2, 3))
    record(county, campaign, a)
    record(county, campaign, b, result="positive", finding="乳腺肿块")
    c = client_as(county)
    rows = _sheet(c.get(reverse("screening:targets_export", args=[campaign.pk])))
    assert rows[0][0].startswith(campaign.name) and "c_user" in rows[2][0]
    head = rows[5]
    assert head[:3] == ["乡镇（街道）", "村（社区）", "姓名"] and "检查所见" in head
    body = {r[2]: r for r in rows[6:]}
    assert set(body) == {a.name, b.name, c_.name}
    assert body[b.name][head.index("检查所见")] == "乳腺肿块"
    assert body[c_.name][head.index("是否已筛查")] == "否"
    assert a.id_number not in str(rows)  # masked
    logged = PersonalDataAccess.objects.filter(user=county, channel="export", field="screening")
    assert set(logged.values_list("person_id", flat=True)) == {a.pk, b.pk}
    rows = _sheet(c.get(reverse("screening:worklist_export")))
    assert [r[3] for r in rows[6:]] == [b.name] and rows[6][9] == "待转诊"
    assert logged.count() == 3
    rows = _sheet(c.get(reverse("screening:coverage_export", args=[campaign.pk])))
    assert rows[-1][2:6] == ["3", "2", "66.7%", "1"]
    rows = _sheet(c.get(reverse("screening:campaign_export")))
    assert rows[6][0] == campaign.name and rows[6][6] == "35-64岁"


def test_a_campaign_edit_keeps_the_typed_values_on_a_stale_save(county, client_as, campaign):
    c = client_as(county)
    data = {"name": "新名称", "start_on": "2024-03-01", "end_on": "2024-12-31",
            "age_on": "2024-03-01", "target_sex": "F", "age_min": "35", "age_max": "64",
            "version": "1"}
    assert c.post(reverse("screening:campaign_edit", args=[campaign.pk]), data).status_code == 302
    r = c.post(reverse("screening:campaign_edit", args=[campaign.pk]), data | {"name": "再改"})
    assert r.status_code == 409 and "再改" in r.content.decode()


def test_a_readonly_user_has_no_forms(users, client_as, campaign, woman):
    c = client_as(users["city"])  # read-only health user
    assert "目标人群与结果登记" in c.get(reverse("screening:campaign", args=[campaign.pk])
                                        ).content.decode()
    page = c.get(reverse("screening:targets", args=[campaign.pk])).content.decode()
    assert 'id="bulk"' not in page and "登记结果" not in page
    assert c.get(reverse("screening:campaign_new")).status_code == 200
    r = c.post(reverse("screening:campaign_new"), {
        "name": "x", "kind": "two_cancers", "region_code": "6403", "start_on": "2024-03-01",
        "end_on": "2024-12-31", "use_defaults": "on"})
    assert r.status_code == 422 and Campaign.objects.count() == 1

