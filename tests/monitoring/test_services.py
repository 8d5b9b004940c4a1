"""A warning's life and every refusal (issue 11: "A warning's life", "Bad input")."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from jkfp.admission import services as admission_services
from jkfp.admission.models import ChangeRequest
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.monitoring import selectors, services
from jkfp.monitoring.models import Push, PushItem, RiskWarning, WarningStatus, WarningStep
from jkfp.registry.models import SupportMeasure

from ..conftest import OTHER_TOWNSHIP_VILLAGE
from ..factories import HouseholdFactory
from .factories import make_warning

pytestmark = pytest.mark.django_db
W = WarningStatus


def codes(exc) -> set[str]:
    errs = exc.value.errors if isinstance(exc.value, ValidationErrors) else [exc.value]
    return {str(e.code) for e in errs}


def pushed(warning):
    services.push_found(user_or_none=None, region_code="640323", on_date=timezone.localdate())
    warning.refresh_from_db()
    return warning


def verified(warning, cadre):
    w = pushed(warning)
    return services.warning_verify(user=cadre, warning=w, expected_version=w.version,
                                   visited_on=timezone.localdate(), visited_by="王干部",
                                   findings="住院两次，自付较高，家中无其他收入")


def confirmed(warning, cadre):
    w = verified(warning, cadre)
    return services.warning_confirm(user=cadre, warning=w, expected_version=w.version,
                                    on_date=timezone.localdate(), reason="核实属实")


def test_push_to_township_and_named_departments(warning):
    other = make_warning(HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE,
                                          region_code=OTHER_TOWNSHIP_VILLAGE),
                         departments=["civil_affairs", "no_such_office"])
    today = timezone.localdate()
    pushes = services.push_found(user_or_none=None, region_code="640323", on_date=today)
    recipients = {(p.department, p.region_code) for p in pushes}
    assert recipients == {("township", "640323100"), ("township", "640323101"),
                          ("medical_insurance", "640323"), ("civil_affairs", "640323")}
    civil = Push.objects.get(department="civil_affairs", pushed_on=today)
    assert set(civil.items.values_list("warning_id", flat=True)) == {warning.pk, other.pk}
    warning.refresh_from_db()
    assert (warning.status, warning.pushed_on, warning.version) == (W.PUSHED, today, 2)
    step = warning.steps.get(step="push")
    assert step.user is None and "医疗保障" in step.comment
    # a second push the same day finds nothing found any more, and adds nothing
    assert services.push_found(user_or_none=None, region_code="640323", on_date=today) == []
    assert PushItem.objects.count() == 5


def test_whole_life_with_support_measure(warning, cadre):
    w = confirmed(warning, cadre)
    today = timezone.localdate()
    w = services.warning_act(user=cadre, warning=w, expected_version=w.version, on_date=today,
                             action_kind="support_measure", description="落实健康帮扶：家庭医生签约随访")
    m = SupportMeasure.objects.get(household=warning.household)
    assert (w.status, w.action_kind, w.action_ref) == (W.ACTED, "support_measure",
                                                       f"support_measure:{m.pk}")
    w = services.warning_close(user=cadre, warning=w, expected_version=w.version, on_date=today)
    assert w.status == W.CLOSED and w.closed_on == today
    steps = list(w.steps.values_list("step", "from_status", "to_status"))
    assert steps == [("found", "", "found"), ("push", "found", "pushed"),
                     ("verify", "pushed", "verified"), ("confirm", "verified", "confirmed"),
                     ("act", "confirmed", "acted"), ("close", "acted", "closed")]
    assert all(s.user == cadre for s in w.steps.all()[2:])


def test_dismissal_needs_a_reason_then_closes(warning, cadre):
    w = verified(warning, cadre)
    with pytest.raises(ValidationErrors) as exc:
        services.warning_dismiss(user=cadre, warning=w, expected_version=w.version,
                                 on_date=timezone.localdate(), reason="  ")
    assert codes(exc) == {ErrorCode.REQUIRED}
    assert exc.value.errors[0].field == "reason"
    w.refresh_from_db()
    assert w.status == W.VERIFIED
    w = services.warning_dismiss(user=cadre, warning=w, expected_version=w.version,
                                 on_date=timezone.localdate(), reason="已由商业保险赔付，实际负担不高")
    assert w.status == W.DISMISSED and w.decision_reason.startswith("已由商业保险")
    w = services.warning_close(user=cadre, warning=w, expected_version=w.version,
                               on_date=timezone.localdate())
    assert w.status == W.CLOSED


def test_step_out_of_order_refused(warning, cadre):
    with pytest.raises(DomainError) as exc:  # not pushed yet
        services.warning_verify(user=cadre, warning=warning, expected_version=1,
                                visited_on=timezone.localdate(), visited_by="王", findings="x")
    assert exc.value.code == ErrorCode.WARNING_STEP_NOT_ALLOWED
    assert "已发现" in exc.value.message
    w = pushed(warning)
    with pytest.raises(DomainError) as exc:
        services.warning_confirm(user=cadre, warning=w, expected_version=w.version,
                                 on_date=timezone.localdate())
    assert exc.value.code == ErrorCode.WARNING_STEP_NOT_ALLOWED
    with pytest.raises(DomainError) as exc:
        services.warning_close(user=cadre, warning=w, expected_version=w.version,
                               on_date=timezone.localdate())
    assert exc.value.code == ErrorCode.WARNING_STEP_NOT_ALLOWED
    assert w.steps.count() == 2


def test_verification_dated_before_the_warning_refused(warning, cadre):
    w = pushed(warning)
    with pytest.raises(ValidationErrors) as exc:
        services.warning_verify(user=cadre, warning=w, expected_version=w.version,
                                visited_on=w.found_on - dt.timedelta(days=1), visited_by="王",
                                findings="x")
    assert codes(exc) == {ErrorCode.DATE_ORDER}
    assert "预警发现日期" in exc.value.errors[0].message
    with pytest.raises(ValidationErrors) as exc:
        services.warning_verify(user=cadre, warning=w, expected_version=w.version,
                                visited_on=timezone.localdate() + dt.timedelta(days=1),
                                visited_by="", findings="")
    assert codes(exc) == {ErrorCode.DATE_IN_FUTURE, ErrorCode.REQUIRED}
    w.refresh_from_db()
    assert w.status == W.PUSHED and w.verified_on is None


def test_stale_version_refused(warning, cadre):
    w = pushed(warning)
    with pytest.raises(DomainError) as exc:
        services.warning_verify(user=cadre, warning=w, expected_version=1,
                                visited_on=timezone.localdate(), visited_by="王", findings="x")
    assert exc.value.code == ErrorCode.STALE_VERSION


def test_outside_scope_refused_and_404(warning, other_cadre):
    w = pushed(warning)
    with pytest.raises(DomainError) as exc:
        services.warning_verify(user=other_cadre, warning=w, expected_version=w.version,
                                visited_on=timezone.localdate(), visited_by="王", findings="x")
    assert exc.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    with pytest.raises(Http404):
        selectors.warning_get(user=other_cadre, pk=w.pk)


def test_wrong_department_refused(warning, township_health, county_civil, cadre):
    w = pushed(warning)
    with pytest.raises(DomainError) as exc:
        services.warning_verify(user=township_health, warning=w, expected_version=w.version,
                                visited_on=timezone.localdate(), visited_by="王", findings="x")
    assert exc.value.code == ErrorCode.WARNING_DEPARTMENT and "乡村振兴" in exc.value.message
    w = RiskWarning.objects.get(pk=warning.pk)
    w = services.warning_verify(user=cadre, warning=w, expected_version=w.version,
                                visited_on=timezone.localdate(), visited_by="王", findings="x")
    w = services.warning_confirm(user=cadre, warning=w, expected_version=w.version,
                                 on_date=timezone.localdate())
    # civil affairs refers to 低保, but cannot open an admission request
    with pytest.raises(DomainError) as exc:
        services.warning_act(user=county_civil, warning=w, expected_version=w.version,
                             on_date=timezone.localdate(), action_kind="admission",
                             category="marginal", consent_on=timezone.localdate())
    assert exc.value.code == ErrorCode.WARNING_DEPARTMENT
    with pytest.raises(DomainError) as exc:
        services.warning_act(user=county_civil, warning=w, expected_version=w.version,
                             on_date=timezone.localdate(), action_kind="minimum_living")
    assert exc.value.code == ErrorCode.REQUIRED and exc.value.field == "action_ref"
    w = services.warning_act(user=county_civil, warning=w, expected_version=w.version,
                             on_date=timezone.localdate(), action_kind="minimum_living",
                             action_ref="盐民低转〔2026〕12号")
    assert (w.status, w.action_ref) == (W.ACTED, "盐民低转〔2026〕12号")


def test_admission_hand_off_prefilled_and_followed(warning, cadre, make_user,
                                                  django_capture_on_commit_callbacks):
    w = confirmed(warning, cadre)
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        services.warning_act(user=cadre, warning=w, expected_version=w.version, on_date=today,
                             action_kind="admission", category="lifted_out")
    assert exc.value.field == "category"
    w = services.warning_act(user=cadre, warning=w, expected_version=w.version, on_date=today,
                             action_kind="admission", category="marginal", consent_on=today)
    cr = w.change_request
    assert w.action_ref == f"admission:{cr.pk}" and w.status == W.ACTED
    assert (cr.action, cr.category, cr.household_id, cr.channel, cr.home_visit_on,
            cr.status) == ("admit", "marginal", warning.household_id,
                           ChangeRequest.Channel.DEPARTMENT, w.verified_on, "proposed")
    assert "住院两次" in cr.reason and f"预警#{w.pk}" in cr.comparison_note
    # a request still in the workflow keeps the warning open
    with pytest.raises(ValidationErrors) as exc:
        services.warning_close(user=cadre, warning=w, expected_version=w.version, on_date=today)
    assert codes(exc) == {ErrorCode.WARNING_STEP_NOT_ALLOWED}
    # withdrawn: back to confirmed, another action may be taken
    with django_capture_on_commit_callbacks(execute=True):
        admission_services.change_request_withdraw(user=cadre, request=cr,
                                                   expected_version=cr.version, comment="重报")
    w.refresh_from_db()
    assert (w.status, w.change_request_id, w.action_ref) == (W.CONFIRMED, None, "")
    assert w.steps.last().step == "request_decided"


def test_warning_closed_when_request_decided(warning, cadre,
                                             django_capture_on_commit_callbacks):
    w = confirmed(warning, cadre)
    today = timezone.localdate()
    w = services.warning_act(user=cadre, warning=w, expected_version=w.version, on_date=today,
                             action_kind="admission", category="marginal", consent_on=today)
    cr = w.change_request
    ChangeRequest.objects.filter(pk=cr.pk).update(status=ChangeRequest.Status.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changed(request_id=cr.pk, status="rejected", region_code="")
    w.refresh_from_db()
    assert w.status == W.CLOSED and w.closed_on == today
    assert WarningStep.objects.filter(warning=w, step="request_decided",
                                      comment__contains="未通过").exists()


def test_overdue_flag(household):
    today = timezone.localdate()
    late = make_warning(household, found_on=today - dt.timedelta(days=20))
    on_time = make_warning(household, rule_id="followup_gap", found_on=today - dt.timedelta(days=2))
    due_today = make_warning(household, rule_id="not_enrolled", found_on=today - dt.timedelta(days=15))
    ids = set(RiskWarning.objects.filter(selectors.overdue_q(today)).values_list("pk", flat=True))
    assert late.pk in ids and on_time.pk not in ids and due_today.pk not in ids


def test_warning_follows_the_real_county_decision(warning, cadre, users,
                                                  django_capture_on_commit_callbacks):
    from ..admission.test_services import run_to_decision

    w = confirmed(warning, cadre)
    today = timezone.localdate()
    w = services.warning_act(user=cadre, warning=w, expected_version=w.version, on_date=today,
                             action_kind="admission", category="marginal", consent_on=today)
    with django_capture_on_commit_callbacks(execute=True):
        cr = run_to_decision(users, w.change_request, today=today)
    assert cr.status == ChangeRequest.Status.APPROVED
    w.refresh_from_db()
    assert (w.status, w.closed_on) == (W.CLOSED, today)
    last = w.steps.last()
    assert (last.step, last.user, last.from_status) == ("request_decided", None, W.ACTED)
    assert "县级审定通过" in last.comment
