"""The warning pages: worklists per role and department, the warning page and its forms, the
push's Excel; scope (404) and the department cut."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from jkfp.accounts.models import PersonalDataAccess
from jkfp.monitoring import selectors, services, views
from jkfp.monitoring.models import Push, RiskWarning, WarningStatus

from ..conftest import OTHER_TOWNSHIP_VILLAGE
from ..factories import HouseholdFactory
from .factories import make_warning

pytestmark = pytest.mark.django_db
W = WarningStatus


def push_all():
    services.push_found(user_or_none=None, region_code="640323", on_date=timezone.localdate())


@pytest.fixture
def two_townships(household):
    other = HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE)
    today = timezone.localdate()
    mine = make_warning(household)
    late = make_warning(other, found_on=today - dt.timedelta(days=30),
                        departments=["medical_insurance"])
    push_all()
    return mine, late


def test_township_worklist_shows_its_own_to_verify(client_as, cadre, two_townships):
    mine, late = two_townships
    r = client_as(cadre).get("/warnings/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f"/warnings/{mine.pk}/" in html and f"/warnings/{late.pk}/" not in html
    assert "待入户核实" in html
    # the rule by its name in the rule file and the village by its name, not bare codes
    assert "因病返贫风险：年度个人医疗费用超过上年农村居民人均可支配收入的50%" in html
    assert '<td class="mono">medical_cost_return</td>' not in html
    assert "测试村花一" in html


def test_county_worklist_overdue_by_township(client_as, county_rr, two_townships):
    mine, late = two_townships
    html = client_as(county_rr).get("/warnings/").content.decode()
    assert 'id="overdue-by-township"' in html and "640323101" in html
    assert f"/warnings/{late.pk}/" in html and f"/warnings/{mine.pk}/" not in html



def _note(html: str) -> str:
    """The note under a worklist that shows only part of its list ("" when there is none)."""
    if 'class="note head-note"' not in html:
        return ""
    return html.split('class="note head-note">', 1)[1].split("</p>", 1)[0]


def test_county_worklist_says_how_many_it_leaves_out_and_links_to_them(
        client_as, county_rr, two_townships, monkeypatch):
    mine, late = two_townships
    other = HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE)
    later = make_warning(other, found_on=timezone.localdate() - dt.timedelta(days=20))
    push_all()
    c = client_as(county_rr)
    assert _note(c.get("/warnings/").content.decode()) == ""  # 2 overdue, all shown
    monkeypatch.setattr(views, "WORKLIST_ROWS", 1)
    html = c.get("/warnings/").content.decode()
    table = html.split('id="overdue"', 1)[1]
    # the earliest due first, the other left out, and the page says so
    assert f"/warnings/{late.pk}/" in table and f"/warnings/{later.pk}/" not in table
    url = reverse("monitoring:list") + "?overdue=on"
    assert _note(html) == f'共 2 条，此处只显示前 1 条。 <a href="{url}">查看全部</a>'
    full = c.get(url).content.decode()
    assert f"/warnings/{late.pk}/" in full and f"/warnings/{later.pk}/" in full
    assert f"/warnings/{mine.pk}/" not in full  # not overdue


def test_township_worklist_links_to_the_pushed_warnings(client_as, cadre, two_townships,
                                                        monkeypatch):
    mine, _ = two_townships
    second = make_warning(HouseholdFactory(), rule_id="medical_cost_return")
    push_all()
    monkeypatch.setattr(views, "WORKLIST_ROWS", 1)
    html = client_as(cadre).get("/warnings/").content.decode()
    url = reverse("monitoring:list") + "?status=pushed"
    assert _note(html) == f'共 2 条，此处只显示前 1 条。 <a href="{url}">查看全部</a>'
    full = client_as(cadre).get(url).content.decode()
    assert f"/warnings/{mine.pk}/" in full and f"/warnings/{second.pk}/" in full

def test_civil_affairs_sees_confirmed_pushed_to_it(client_as, cadre, county_civil,
                                                   two_townships):
    mine, late = two_townships
    c = client_as(cadre)
    today = timezone.localdate().isoformat()
    c.post(f"/warnings/{mine.pk}/step/", {"step": "verify", "version": 2, "visited_on": today,
                                          "visited_by": "王干部", "findings": "属实"})
    c.post(f"/warnings/{mine.pk}/step/", {"step": "confirm", "version": 3, "on_date": today})
    assert RiskWarning.objects.get(pk=mine.pk).status == W.CONFIRMED
    cv = client_as(county_civil)
    html = cv.get("/warnings/").content.decode()
    assert 'id="confirmed"' in html and f"/warnings/{mine.pk}/" in html
    # the late one was pushed to medical insurance only: not civil affairs' to read
    assert cv.get(f"/warnings/{late.pk}/").status_code == 404
    page = cv.get(f"/warnings/{mine.pk}/").content.decode()
    assert 'id="step-act"' in page and 'value="admission"' not in page
    assert 'value="minimum_living"' in page


def test_city_counts_by_county_and_rule(client_as, city_rr, two_townships):
    html = client_as(city_rr).get("/warnings/").content.decode()
    assert 'id="by-county"' in html and "medical_cost_return" in html


def test_warning_page_evidence_and_refusals(client_as, cadre, other_cadre, two_townships):
    mine, _late = two_townships
    c = client_as(cadre)
    html = c.get(f"/warnings/{mine.pk}/").content.decode()
    assert "34,567.89" in html and "10,000.00" in html  # the total and the threshold, to the fen
    assert "宁夏医科大学总医院" in html and "示例值" in html and 'id="step-verify"' in html
    before = (mine.found_on - dt.timedelta(days=1)).isoformat()
    r = c.post(f"/warnings/{mine.pk}/step/", {"step": "verify", "version": 2,
                                              "visited_on": before, "visited_by": "王",
                                              "findings": "x"})
    assert r.status_code == 422 and "不能早于预警发现日期" in r.content.decode()
    r = c.post(f"/warnings/{mine.pk}/step/", {"step": "close", "version": 2,
                                              "on_date": timezone.localdate().isoformat()})
    assert r.status_code in (409, 422) and "不能“办结”" in r.content.decode()
    assert client_as(other_cadre).get(f"/warnings/{mine.pk}/").status_code == 404
    assert RiskWarning.objects.get(pk=mine.pk).status == W.PUSHED


def test_push_export_in_the_department_format(client_as, county_rr, household, make_user):
    w = make_warning(household)
    push_all()
    push = Push.objects.get(department="medical_insurance")
    mi = make_user("640323", "data_entry", "medical_insurance", username="c_mi")
    r = client_as(mi).get(f"/warnings/pushes/{push.pk}/export.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[4][:4] == ("预警号", "预警规则", "姓名", "身份证号") and "收入基数来源" in rows[4]
    assert rows[5][0] == str(w.pk) and "*" in rows[5][3]  # masked for a data-entry role
    assert rows[5][8] == "34567.89"
    assert PersonalDataAccess.objects.filter(user=mi, person=household.head,
                                             channel="export").exists()
    township = Push.objects.get(department="township")
    assert client_as(mi).get(f"/warnings/pushes/{township.pk}/export.xlsx").status_code == 404


def test_region_overview_counts(client_as, county_rr, cadre, two_townships):
    html = client_as(county_rr).get("/").content.decode()
    assert 'id="overview-warnings"' in html
    part = html.split('id="overview-warnings"')[1].split("</section>")[0]
    assert ">2</span><span class=\"stat-l\">未办结预警" in part
    assert ">1</span><span class=\"stat-l\">超期未核实" in part
    part = client_as(cadre).get("/").content.decode().split('id="overview-warnings"')[1]
    assert ">1</span><span class=\"stat-l\">未办结预警" in part.split("</section>")[0]


def test_list_filters_are_choices_of_the_users_rules_and_regions(client_as, county_rr,
                                                                  household):
    """The list filters by a rule and a region chosen from lists (the rules of the county's
    file by name, the county's townships and villages), not by typed codes."""
    other = HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE)
    cost = make_warning(household)
    gap = make_warning(other, rule_id="followup_gap")
    c = client_as(county_rr)
    html = c.get("/warnings/list/").content.decode()
    assert '<option value="followup_gap">管理中的慢病患者一个季度无随访</option>' in html
    assert f'<option value="{OTHER_TOWNSHIP_VILLAGE[:9]}">' in html
    assert '<option value="1404">' not in html  # 长治市 is not the county user's
    by_rule = c.get("/warnings/list/", {"rule": "followup_gap"}).content.decode()
    assert f"/warnings/{gap.pk}/" in by_rule and f"/warnings/{cost.pk}/" not in by_rule
    by_region = c.get("/warnings/list/", {"region": OTHER_TOWNSHIP_VILLAGE[:9]}).content.decode()
    assert f"/warnings/{gap.pk}/" in by_region and f"/warnings/{cost.pk}/" not in by_region
    # a region out of the user's scope is refused as a choice, and names the field
    refused = c.get("/warnings/list/", {"region": "140403"}).content.decode()
    assert 'id="id_region_error">选择一个有效的选项。 140403 不在可用的选项中。' in refused


def test_push_list_says_when_it_shows_only_the_latest(client_as, county_rr, two_townships,
                                                      monkeypatch):
    n = selectors.push_scope(user=county_rr).count()
    assert n >= 2
    c = client_as(county_rr)
    assert _note(c.get(reverse("monitoring:pushes")).content.decode()) == ""
    monkeypatch.setattr(views, "PUSH_ROWS", 1)
    html = c.get(reverse("monitoring:pushes")).content.decode()
    assert _note(html) == f"共 {n} 条，此处只显示前 1 条。"
    assert html.split('id="pushes"', 1)[1].count("<tr>") == 2  # the header and one push
