"""The admission/exit pages: propose on the household page, the inbox (待办) of each user,
the request page with its steps, notice and allowed actions, and refusals with the rule named."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.admission import views
from jkfp.admission.models import ChangeRequest
from jkfp.registry import services
from jkfp.registry.models import CategoryPeriod

from ..factories import HouseholdFactory, PersonFactory
from .clock import days_pass


def _propose(c, household, **over):
    today = timezone.localdate()
    data = {"action": "admit", "category": "marginal", "channel": "visit", "reason": "收入骤降",
            "effective_date": today, "home_visit_on": today, "consent_on": today}
    data.update(over)
    return c.post(f"/households/{household.pk}/requests/", data)


def test_admission_across_users(users, household, client_as):
    village, township, county = (client_as(users[k]) for k in ("village", "township", "county"))
    r = _propose(village, household)
    cr = ChangeRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/requests/{cr.pk}/"
    page = village.get(r["Location"]).content.decode()
    assert "发布村级公示" in page and "乡镇审核" in page
    assert f'href="/requests/{cr.pk}/"' in township.get("/todo/").content.decode()

    r = village.post(f"/requests/{cr.pk}/notice/", {"notice_start": timezone.localdate(),
                                                    "notice_days": 5, "version": 1})
    assert r.status_code == 302
    days_pass(cr.pk, 6)
    page = township.get(f"/requests/{cr.pk}/").content.decode()
    assert "公示：" in page and household.head.name in page
    assert household.head.id_number not in page  # the notice shows no ID numbers
    assert "提交审核意见" in page

    r = township.post(f"/requests/{cr.pk}/review/", {"decision": "reject", "comment": "",
                                                     "version": 2})
    assert r.status_code == 422
    assert "不通过时须填写意见" in r.content.decode()
    r = township.post(f"/requests/{cr.pk}/review/", {"decision": "approve", "comment": "属实",
                                                     "version": 2})
    assert r.status_code == 302
    assert f'href="/requests/{cr.pk}/"' in county.get("/todo/").content.decode()
    assert "提交审定结论" not in township.get(f"/requests/{cr.pk}/").content.decode()

    r = county.post(f"/requests/{cr.pk}/decide/", {"decision": "approve", "comment": "",
                                                   "version": 3})
    assert r.status_code == 302
    page = county.get(f"/requests/{cr.pk}/").content.decode()
    assert "县级审定通过" in page
    for who in ("v_user", "t_user", "c_user"):
        assert who in page  # every step says who
    assert "属实" in page
    assert CategoryPeriod.objects.filter(household=household, category="marginal",
                                         end_date__isnull=True).exists()


def test_review_before_the_notice_ends_is_refused(users, household, client_as):
    village, township = client_as(users["village"]), client_as(users["township"])
    _propose(village, household)
    cr = ChangeRequest.objects.get()
    village.post(f"/requests/{cr.pk}/notice/", {"notice_start": timezone.localdate(),
                                                "notice_days": 5, "version": 1})
    page = township.get(f"/requests/{cr.pk}/").content.decode()
    assert "期满后方可审核" in page
    r = township.post(f"/requests/{cr.pk}/review/", {"decision": "approve", "comment": "",
                                                     "version": 2})
    assert r.status_code == 422 and "公示期满后方可审核" in r.content.decode()
    r = village.post(f"/requests/{cr.pk}/notice/", {"notice_start": timezone.localdate(),
                                                    "notice_days": 3, "version": 2})
    assert r.status_code == 422


def test_admission_without_consent_names_the_fields(users, household, client_as):
    r = _propose(client_as(users["village"]), household, home_visit_on="", consent_on="")
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="id_consent_on_error"' in html and "书面同意" in html
    assert 'id="id_home_visit_on_error"' in html
    assert not ChangeRequest.objects.exists()


def test_exit_that_breaks_the_rules_is_refused_with_the_rule_named(users, household,
                                                                    client_as):
    household.head.work_ability = "unable"
    household.head.save()
    period = services.category_period_add(user=users["village"], category="marginal",
                                          household=household,
                                          start_date=timezone.localdate() - dt.timedelta(days=30))
    r = _propose(client_as(users["village"]), household, action="exit", period=period.pk,
                 end_way="aided", home_visit_on="", consent_on="")
    assert r.status_code == 422
    html = r.content.decode()
    assert "监测未满6个月" in html and "exit_monitored_too_short" in html
    assert "未登记任何帮扶措施" in html and "exit_no_support_measure" in html
    assert "无劳动能力" in html and "exit_no_able_worker" in html
    assert not ChangeRequest.objects.exists()


def test_exit_check_shown_on_the_request_page(users, household, client_as):
    from jkfp.admission import services as workflow

    PersonFactory(household=household, work_ability="able")
    period = services.category_period_add(user=users["village"], category="marginal",
                                          household=household, start_date=dt.date(2023, 1, 1))
    services.support_measure_add(user=users["village"], household=household, kind="medical",
                                 description="签约", start_date=dt.date(2023, 2, 1))
    cr = workflow.change_request_propose(user=users["village"], action="exit",
                                         category="marginal", household=household,
                                         period=period, reason="收入稳定",
                                         effective_date=timezone.localdate(), channel="visit",
                                         end_way="aided")
    page = client_as(users["county"]).get(f"/requests/{cr.pk}/").content.decode()
    assert "退出条件检查" in page and "符合退出条件" in page


def test_withdraw_and_list_filter(users, household, client_as):
    village = client_as(users["village"])
    _propose(village, household)
    cr = ChangeRequest.objects.get()
    r = village.post(f"/requests/{cr.pk}/withdraw/", {"comment": "重复提出", "version": 1})
    assert r.status_code == 302
    cr.refresh_from_db()
    assert cr.status == "withdrawn"
    listed = village.get("/requests/", {"status": "withdrawn"}).content.decode()
    assert f'href="/requests/{cr.pk}/"' in listed
    assert f'href="/requests/{cr.pk}/"' not in village.get(
        "/requests/", {"status": "proposed"}).content.decode()


def test_requests_out_of_scope_are_404(users, foreign_households, client_as):
    from jkfp.admission import services as workflow

    hh = foreign_households["same_township"]
    cr = workflow.change_request_propose(
        user=users["township"], action="admit", category="marginal", household=hh,
        reason="x", effective_date=timezone.localdate(), channel="visit",
        home_visit_on=timezone.localdate(), consent_on=timezone.localdate())
    village = client_as(users["village"])
    assert village.get(f"/requests/{cr.pk}/").status_code == 404
    for action in ("notice", "review", "decide", "withdraw"):
        assert village.post(f"/requests/{cr.pk}/{action}/", {}).status_code == 404
    assert f"/requests/{cr.pk}/" not in village.get("/requests/").content.decode()
    assert f"/requests/{cr.pk}/" not in village.get("/todo/").content.decode()
    assert client_as(users["township"]).get(f"/requests/{cr.pk}/").status_code == 200


def test_readonly_users_get_no_action_forms(users, household, client_as):
    _propose(client_as(users["village"]), household)
    cr = ChangeRequest.objects.get()
    page = client_as(users["city"]).get(f"/requests/{cr.pk}/").content.decode()
    assert "发布公示" not in page and "撤回申请" not in page
    hh_page = client_as(users["city"]).get(f"/households/{household.pk}/").content.decode()
    assert "提出纳入、变更或退出申请" not in hh_page and "添加成员" not in hh_page


def test_read_only_users_have_no_inbox_tab(users, client_as):
    page = client_as(users["city"]).get("/households/").content.decode()
    assert "/todo/" not in page
    page = client_as(users["village"]).get("/households/").content.decode()
    assert 'href="/todo/"' in page


def test_inbox_counts_every_request_waiting_when_it_shows_only_the_first(
        users, household, client_as, monkeypatch):
    village, township = client_as(users["village"]), client_as(users["township"])
    for h in (household, HouseholdFactory(village_id=household.village_id)):
        assert _propose(village, h).status_code == 302
    first, second = ChangeRequest.objects.order_by("pk")
    monkeypatch.setattr(views, "INBOX_ROWS", 1)
    page = township.get("/todo/").content.decode()
    assert '<small class="muted">2 项</small>' in page
    assert (f'href="/requests/{first.pk}/"' in page) != (f'href="/requests/{second.pk}/"' in page)
    assert "共 2 条，此处只显示前 1 条。" in page
    monkeypatch.setattr(views, "INBOX_ROWS", 2)
    page = township.get("/todo/").content.decode()
    assert f'href="/requests/{first.pk}/"' in page and f'href="/requests/{second.pk}/"' in page
    assert "此处只显示前" not in page
