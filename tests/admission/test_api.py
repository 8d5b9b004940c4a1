"""Admission and exit (准入/退出) through the API, end to end, and the refusals on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.admission.models import ChangeRequest
from jkfp.registry.models import CategoryPeriod

from ..apiclient import error_fields
from .clock import days_pass

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)


@pytest.fixture
def clients(users, api_as):
    return {level: api_as(u) for level, u in users.items()}


def inbox_ids(client) -> set[int]:
    return {c["id"] for c in client.get("/change-requests/inbox").json()["items"]}


def run_steps(clients, cr: dict, today: dt.date) -> dict:
    """Notice (ended yesterday), township review, county decision; checks each inbox."""
    village, township, county = clients["village"], clients["township"], clients["county"]
    assert cr["id"] in inbox_ids(village)
    r = village.post(f"/change-requests/{cr['id']}/notice",
                     {"version": cr["version"], "notice_start": str(today), "notice_days": 5})
    assert r.status_code == 200, r.content
    cr = r.json()
    assert cr["status"] == "notice" and cr["notice_end"] == str(today + dt.timedelta(days=4))
    assert cr["id"] not in inbox_ids(township)  # the notice runs
    days_pass(cr["id"], 7)  # and has ended 3 days ago
    assert cr["id"] in inbox_ids(township) and cr["id"] not in inbox_ids(county)
    r = township.post(f"/change-requests/{cr['id']}/township-review",
                      {"version": cr["version"], "approve": True, "comment": "同意"})
    assert r.status_code == 200, r.content
    cr = r.json()
    assert cr["status"] == "township_approved" and cr["id"] in inbox_ids(county)
    r = county.post(f"/change-requests/{cr['id']}/county-decision",
                    {"version": cr["version"], "approve": True, "comment": "同意"})
    assert r.status_code == 200, r.content
    return r.json()


def test_admission_then_exit_end_to_end(clients, household):
    today = timezone.localdate()
    village = clients["village"]
    admitted_on = today - dt.timedelta(days=200)
    # --- admission
    r = village.post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
        "reason": "因病支出骤增，人均收入低于监测范围", "effective_date": str(admitted_on),
        "channel": "visit", "home_visit_on": str(admitted_on - dt.timedelta(days=10)),
        "consent_on": str(admitted_on - dt.timedelta(days=9)),
        "village_review_on": str(admitted_on - dt.timedelta(days=8)),
        "comparison_note": "医保、民政数据比对无异常"})
    assert r.status_code == 201, r.content
    cr = r.json()
    assert (cr["status"], cr["action"]) == ("proposed", "admit")
    assert cr["category_label"] == "边缘易致贫户"
    assert [s["step"] for s in cr["steps"]] == ["propose"]
    cr = run_steps(clients, cr, today)
    assert cr["status"] == "approved" and cr["decided_at"]
    assert [(s["step"], s["decision"], s["actor"]) for s in cr["steps"]] == [
        ("propose", "submit", "v_user"), ("notice", "submit", "v_user"),
        ("township_review", "approve", "t_user"), ("county_decision", "approve", "c_user")]
    assert household.head.id_number not in cr["notice_text"]
    assert household.head.id_number[-4:] not in cr["notice_text"]
    period = CategoryPeriod.objects.get(household=household, category="marginal")
    assert period.start_date == admitted_on and period.change_request_id == cr["id"]
    cats = village.get(f"/households/{household.pk}/categories").json()
    assert [(c["category"], c["is_current"], c["change_request_id"]) for c in cats] == [
        ("marginal", True, cr["id"])]

    # --- exit refused: no support measure yet
    exit_request = {"action": "exit", "category": "marginal", "household_id": household.pk,
                    "period_id": period.pk, "reason": "收入稳定，风险消除",
                    "effective_date": str(today), "channel": "visit", "end_way": "aided"}
    r = village.post("/change-requests", exit_request)
    assert r.status_code == 422
    assert error_fields(r) == {"household": "exit_no_support_measure"}
    assert "未登记任何帮扶措施" in r.json()["message"]
    # ... and too early: under 6 months of monitoring
    r = village.post("/change-requests", exit_request | {
        "effective_date": str(admitted_on + dt.timedelta(days=30))})
    assert {e["code"] for e in r.json()["errors"]} == {
        "exit_monitored_too_short", "exit_no_support_measure"}
    assert ChangeRequest.objects.filter(action="exit").count() == 0

    r = village.post(f"/households/{household.pk}/support-measures", {
        "kind": "medical", "description": "家庭医生签约服务、慢病随访",
        "start_date": str(admitted_on + dt.timedelta(days=5))})
    assert r.status_code == 201, r.content

    # --- exit
    r = village.post("/change-requests", exit_request)
    assert r.status_code == 201, r.content
    cr = run_steps(clients, r.json(), today)
    assert cr["status"] == "approved" and cr["action"] == "exit"
    period.refresh_from_db()
    assert period.end_date == today and period.end_way == "aided"
    cats = village.get(f"/households/{household.pk}/categories").json()
    assert [(c["category"], c["is_current"]) for c in cats] == [("marginal", False)]
    # the history shows both steps' effect on the period
    history = village.get(f"/households/{household.pk}/history").json()
    assert any(e["subject"].startswith("类别") and e["action"] == "~" for e in history)


def test_exit_refused_when_no_one_can_work(clients, household, corrector):
    head = household.head
    village = clients["village"]
    r = village.patch(f"/persons/{head.pk}", {"version": 1, "work_ability": "unable"})
    assert r.status_code == 200
    start = timezone.localdate() - dt.timedelta(days=400)
    period = corrector.post(f"/households/{household.pk}/categories",
                            {"category": "unstable_lifted", "start_date": str(start),
                             "reason": "乡村振兴局名单"}).json()
    village.post(f"/households/{household.pk}/support-measures",
                 {"kind": "assistance", "description": "低保兜底", "start_date": str(start)})
    r = village.post("/change-requests", {
        "action": "exit", "category": "unstable_lifted", "household_id": household.pk,
        "period_id": period["id"], "reason": "x", "effective_date": str(timezone.localdate()),
        "channel": "visit"})
    assert r.status_code == 422
    assert error_fields(r) == {"household": "exit_no_able_worker"}


def test_steps_by_the_wrong_level_or_role(clients, household):
    today = timezone.localdate()
    r = clients["county"].post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
        "reason": "x", "effective_date": str(today), "channel": "visit",
        "home_visit_on": str(today), "consent_on": str(today)})
    assert r.status_code == 403 and r.json()["code"] == "workflow_role"
    r = clients["village"].post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
        "reason": "x", "effective_date": str(today), "channel": "visit"})
    assert r.status_code == 422
    assert error_fields(r) == {"home_visit_on": "required", "consent_on": "consent_missing"}
    r = clients["village"].post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
        "reason": "x", "effective_date": str(today), "channel": "visit",
        "home_visit_on": str(today), "consent_on": str(today)})
    cr = r.json()
    # the township cannot review before the notice
    r = clients["township"].post(f"/change-requests/{cr['id']}/township-review",
                                 {"version": cr["version"], "approve": True})
    assert r.status_code == 422 and r.json()["code"] == "workflow_step"
    # a notice shorter than 5 days
    r = clients["village"].post(f"/change-requests/{cr['id']}/notice",
                                {"version": cr["version"], "notice_start": str(today),
                                 "notice_days": 3})
    assert r.status_code == 422 and error_fields(r) == {"notice_days": "notice_too_short"}
    r = clients["village"].post(f"/change-requests/{cr['id']}/notice",
                                {"version": cr["version"], "notice_start": str(today)})
    cr = r.json()
    # the notice is running: no review yet
    r = clients["township"].post(f"/change-requests/{cr['id']}/township-review",
                                 {"version": cr["version"], "approve": True})
    assert r.status_code == 422 and r.json()["code"] == "notice_not_posted"
    # only a township reviewer reviews, only a county approver decides
    for level in ("village", "county", "city"):
        r = clients[level].post(f"/change-requests/{cr['id']}/township-review",
                                {"version": cr["version"], "approve": True})
        assert r.status_code == 403 and r.json()["code"] == "workflow_role", level
    r = clients["township"].post(f"/change-requests/{cr['id']}/county-decision",
                                 {"version": cr["version"], "approve": True})
    assert r.status_code == 403 and r.json()["code"] == "workflow_role"
    # a stale version
    r = clients["village"].post(f"/change-requests/{cr['id']}/withdraw",
                                {"version": cr["version"] - 1, "comment": "x"})
    assert r.status_code == 409
    # withdrawn
    r = clients["village"].post(f"/change-requests/{cr['id']}/withdraw",
                                {"version": cr["version"], "comment": "农户撤回申请"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert [s["step"] for s in r.json()["steps"]] == ["propose", "notice", "withdraw"]
    assert not CategoryPeriod.objects.exists()
    listed = clients["county"].get("/change-requests", {"status": "withdrawn"}).json()
    assert [c["id"] for c in listed["items"]] == [cr["id"]]


def test_rejection_needs_a_comment(clients, household):
    today = timezone.localdate()
    cr = clients["village"].post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": household.pk,
        "reason": "x", "effective_date": str(today), "channel": "application",
        "home_visit_on": str(today), "consent_on": str(today)}).json()
    cr = clients["village"].post(f"/change-requests/{cr['id']}/notice", {
        "version": cr["version"], "notice_start": str(today)}).json()
    days_pass(cr["id"], 9)
    r = clients["township"].post(f"/change-requests/{cr['id']}/township-review",
                                 {"version": cr["version"], "approve": False})
    assert r.status_code == 422 and error_fields(r) == {"comment": "required"}
    r = clients["township"].post(f"/change-requests/{cr['id']}/township-review",
                                 {"version": cr["version"], "approve": False,
                                  "comment": "收入核实不符"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
