"""`step_allowed` is the one answer to "may this user take this step now": the services refuse
exactly what it refuses, the inbox lists what it allows, the request page offers what it allows.
Checked over every kind of user and every status a request can be in."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.admission import rules, selectors, services
from jkfp.admission.models import ChangeRequest
from jkfp.errors import DomainError, ErrorCode

from ..conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from ..factories import UserFactory
from .clock import post_notice

STATUSES = ["proposed", "notice", "township_approved", "approved", "withdrawn"]
REFUSALS = {ErrorCode.WORKFLOW_ROLE, ErrorCode.WORKFLOW_STEP, ErrorCode.PERMISSION,
            ErrorCode.REGION_OUT_OF_SCOPE, ErrorCode.FOUR_EYES}


def _request_in(status, users, household):
    today = timezone.localdate()
    cr = services.change_request_propose(
        user=users["village"], action="admit", category="marginal", household=household,
        reason="因病支出骤增", effective_date=today, channel="visit",
        home_visit_on=today, consent_on=today)
    if status == "withdrawn":
        return services.change_request_withdraw(user=users["village"], request=cr,
                                                expected_version=cr.version, comment="撤回")
    if status == "proposed":
        return cr
    cr = post_notice(user=users["village"], request=cr, expected_version=cr.version,
                     notice_start=today - dt.timedelta(days=10))
    if status == "notice":
        return cr
    cr = services.change_request_township_review(user=users["township"], request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意")
    if status == "township_approved":
        return cr
    return services.change_request_county_decide(user=users["county"], request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意")


def _take(step, user, cr):
    kw = {"user": user, "request": cr, "expected_version": cr.version}
    if step == "notice":
        return services.change_request_post_notice(notice_start=timezone.localdate(), **kw)
    if step == "review":
        return services.change_request_township_review(approve=False, comment="材料不全", **kw)
    if step == "decide":
        return services.change_request_county_decide(approve=False, comment="材料不全", **kw)
    return services.change_request_withdraw(comment="撤回", **kw)


@pytest.fixture
def everyone(users, make_user):
    return {
        **users,
        "township_data_entry": make_user("640323100", Role.DATA_ENTRY, username="t_entry"),
        "township_readonly": make_user("640323100", Role.READONLY, username="t_ro"),
        "other_township_reviewer": make_user(OTHER_TOWNSHIP_VILLAGE[:9], Role.REVIEWER,
                                             username="ot_rev"),
        "village_reviewer": make_user(VILLAGE, Role.REVIEWER, username="v_rev"),
        "superuser": UserFactory(username="root", is_superuser=True, region_id=None,
                                 role=Role.ADMIN),
    }


@pytest.mark.parametrize("status", STATUSES)
def test_services_inbox_and_buttons_agree_with_step_allowed(status, everyone, household):
    cr = _request_in(status, everyone, household)
    assert cr.status == status
    for name, user in everyone.items():
        allowed = {s for s in ("notice", "review", "decide", "withdraw")
                   if rules.step_allowed(user=user, request=cr, step=s)}
        # the request page's buttons
        assert selectors.change_request_actions(user=user, request=cr) == allowed, name
        # the inbox: every duty the user may take now (withdrawing is not a duty)
        in_inbox = selectors.change_request_inbox(user=user).filter(pk=cr.pk).exists()
        assert in_inbox == bool(allowed - {"withdraw"}), (name, allowed)
        # the services: refused exactly when not allowed (each step tried on a fresh copy)
        for step in ("notice", "review", "decide", "withdraw"):
            fresh = ChangeRequest.objects.get(pk=cr.pk)
            try:
                with transaction.atomic():
                    _take(step, user, fresh)
                    transaction.set_rollback(True)
                refused = None
            except DomainError as exc:
                refused = exc.code
            if step in allowed:
                assert refused is None, (name, step, refused)
            else:
                assert refused in REFUSALS, (name, step, refused)
