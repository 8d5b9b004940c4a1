"""Walking around the procedure: each test reproduces an attack that used to pass."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jkfp.accounts.models import Role
from jkfp.admission import rules, selectors, services
from jkfp.admission.models import ChangeRequest
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.registry import services as registry_services

from ..factories import HouseholdFactory
from .clock import post_notice

TODAY = timezone.localdate()


def _propose(user, household, **kw):
    args = {"user": user, "action": "admit", "category": "marginal", "household": household,
            "reason": "因病支出骤增", "effective_date": TODAY, "channel": "visit",
            "home_visit_on": TODAY, "consent_on": TODAY}
    args.update(kw)
    return services.change_request_propose(**args)


def test_an_exit_names_a_period_of_its_own_subject(users, household):
    other = HouseholdFactory(village_id=household.village_id, region_code=household.region_code)
    foreign = registry_services.category_period_add(
        user=users["county"], household=other, category="marginal",
        start_date=TODAY - dt.timedelta(days=400))
    with pytest.raises(ValidationErrors) as exc:
        _propose(users["village"], household, action="exit", period=foreign)
    assert [(e.code, e.field) for e in exc.value.errors] == [
        (ErrorCode.CATEGORY_NOT_HELD, "period")]
    foreign.refresh_from_db()
    assert foreign.end_date is None


def test_admitting_a_category_already_held_is_refused_at_once(users, household):
    registry_services.category_period_add(user=users["county"], household=household,
                                          category="marginal", start_date=TODAY)
    with pytest.raises(ValidationErrors) as exc:
        _propose(users["village"], household)
    assert ErrorCode.CATEGORY_HELD in {e.code for e in exc.value.errors}
    assert not ChangeRequest.objects.exists()


def test_the_database_refuses_a_second_open_request_of_the_same_thing(users, household):
    cr = _propose(users["village"], household)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            action="admit", category="marginal", household=household, person=None,
            region_code=household.region_code, channel="visit", reason="并发提交",
            effective_date=TODAY, created_by=users["village"])
    # once the first is withdrawn, a new one may be proposed
    services.change_request_withdraw(user=users["village"], request=cr,
                                     expected_version=cr.version, comment="撤回")
    assert _propose(users["village"], household).status == "proposed"


def test_nobody_reviews_or_decides_what_they_proposed(users, household, make_user):
    township_reviewer = users["township"]
    cr = _propose(township_reviewer, household)  # a reviewer may propose at township level
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=cr.version,
                     notice_start=TODAY - dt.timedelta(days=10))
    assert not rules.step_allowed(user=township_reviewer, request=cr, step="review")
    assert not selectors.change_request_inbox(user=township_reviewer).filter(pk=cr.pk).exists()
    assert "review" not in selectors.change_request_actions(user=township_reviewer, request=cr)
    with pytest.raises(DomainError) as exc:
        services.change_request_township_review(user=township_reviewer, request=cr,
                                                expected_version=cr.version, approve=True,
                                                comment="自己审核自己")
    assert exc.value.code == ErrorCode.FOUR_EYES
    # another reviewer of the township may
    second = make_user("640323100", Role.REVIEWER, username="t_user2")
    cr = services.change_request_township_review(user=second, request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意")
    assert cr.status == "township_approved"


def test_the_reviewer_does_not_decide_too(users, household, make_user):
    from ..factories import UserFactory

    root = UserFactory(username="root2", is_superuser=True, region_id=None, role=Role.ADMIN)
    cr = _propose(users["village"], household)
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=cr.version,
                     notice_start=TODAY - dt.timedelta(days=10))
    cr = services.change_request_township_review(user=root, request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意")
    with pytest.raises(DomainError) as exc:
        services.change_request_county_decide(user=root, request=cr,
                                              expected_version=cr.version, approve=True,
                                              comment="同意")
    assert exc.value.code == ErrorCode.FOUR_EYES
