import datetime as dt

import pytest

from jkfp.accounts.models import Role
from jkfp.admission import selectors as admission_selectors
from jkfp.admission import services as workflow
from jkfp.admission.models import ChangeRequest, ChangeRequestStep
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.registry import services
from jkfp.registry.models import CategoryPeriod

from .clock import post_notice

TODAY = dt.date(2024, 6, 1)


def propose_admit(user, household, **kw):
    args = {"user": user, "action": "admit", "category": "marginal", "household": household,
                "reason": "因病支出骤增，人均收入低于监测范围", "effective_date": dt.date(2024, 6, 1),
                "channel": "visit", "home_visit_on": dt.date(2024, 5, 20),
                "consent_on": dt.date(2024, 5, 21), "village_review_on": dt.date(2024, 5, 22),
                "comparison_note": "医保、民政数据比对无异常"}
    args.update(kw)
    return workflow.change_request_propose(**args)


def run_to_decision(users, cr, *, approve=True, today=TODAY):
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=cr.version,
                     notice_start=today - dt.timedelta(days=7))
    cr = workflow.change_request_township_review(user=users["township"], request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意", today=today)
    return workflow.change_request_county_decide(user=users["county"], request=cr,
                                                 expected_version=cr.version, approve=approve,
                                                 comment="同意" if approve else "材料不全")


def test_admission_goes_through_every_step(users, household):
    cr = propose_admit(users["village"], household)
    assert cr.status == ChangeRequest.Status.PROPOSED
    assert list(admission_selectors.change_request_inbox(user=users["village"])) == [cr]
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=cr.version,
                     notice_start=dt.date(2024, 5, 23))
    assert cr.notice_end == dt.date(2024, 5, 27)  # 5 days, inclusive
    text = cr.notice_text
    assert household.head.name in text and "边缘易致贫户" in text
    assert household.head.id_number not in text and household.head.id_number[-4:] not in text
    assert "病" not in text  # no health condition in the notice
    # the township cannot review during the notice period
    with pytest.raises(DomainError) as exc:
        workflow.change_request_township_review(user=users["township"], request=cr,
                                                expected_version=cr.version, approve=True,
                                                comment="", today=dt.date(2024, 5, 27))
    assert exc.value.code == ErrorCode.NOTICE_NOT_POSTED
    assert list(admission_selectors.change_request_inbox(user=users["township"], today=TODAY)) == [cr]
    cr = workflow.change_request_township_review(user=users["township"], request=cr,
                                                 expected_version=cr.version, approve=True,
                                                 comment="同意", today=TODAY)
    assert list(admission_selectors.change_request_inbox(user=users["county"])) == [cr]
    cr = workflow.change_request_county_decide(user=users["county"], request=cr,
                                               expected_version=cr.version, approve=True,
                                               comment="同意纳入")
    assert cr.status == ChangeRequest.Status.APPROVED and cr.decided_at
    period = CategoryPeriod.objects.get(household=household, category="marginal")
    assert period.start_date == dt.date(2024, 6, 1) and period.change_request == cr
    steps = list(cr.steps.values_list("step", "decision", "actor__username"))
    assert steps == [("propose", "submit", "v_user"), ("notice", "submit", "v_user"),
                     ("township_review", "approve", "t_user"),
                     ("county_decision", "approve", "c_user")]


def test_admission_needs_visit_and_written_consent(users, household):
    with pytest.raises(ValidationErrors) as exc:
        propose_admit(users["village"], household, consent_on=None, home_visit_on=None)
    assert {e.code for e in exc.value.errors} == {ErrorCode.CONSENT_MISSING, ErrorCode.REQUIRED}
    assert ChangeRequest.objects.count() == 0


def test_notice_shorter_than_5_days_is_refused(users, household):
    cr = propose_admit(users["village"], household)
    with pytest.raises(DomainError) as exc:
        post_notice(user=users["village"], request=cr,
                    expected_version=1, notice_start=TODAY,
                    notice_days=4)
    assert exc.value.code == ErrorCode.NOTICE_TOO_SHORT


def test_steps_need_the_right_level_and_role(users, household, make_user):
    cr = propose_admit(users["village"], household)
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=1,
                     notice_start=dt.date(2024, 5, 1))
    # a county approver cannot do the township review; a village user cannot either
    for u in (users["county"], users["village"]):
        with pytest.raises(DomainError) as exc:
            workflow.change_request_township_review(user=u, request=cr, expected_version=2,
                                                    approve=True, comment="", today=TODAY)
        assert exc.value.code == ErrorCode.WORKFLOW_ROLE
    # the county cannot decide before the township review
    with pytest.raises(DomainError) as exc:
        workflow.change_request_county_decide(user=users["county"], request=cr,
                                              expected_version=2, approve=True, comment="")
    assert exc.value.code == ErrorCode.WORKFLOW_STEP
    # a reviewer of another township does not see it
    other = make_user("640323101", Role.REVIEWER)
    with pytest.raises(DomainError) as exc:
        workflow.change_request_township_review(user=other, request=cr, expected_version=2,
                                                approve=True, comment="", today=TODAY)
    assert exc.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    # a county user may not propose
    with pytest.raises(DomainError) as exc:
        propose_admit(users["county"], household, category="sudden_hardship")
    assert exc.value.code == ErrorCode.WORKFLOW_ROLE


def test_rejection_needs_a_reason_and_writes_no_period(users, household):
    cr = propose_admit(users["village"], household)
    cr = post_notice(user=users["village"], request=cr,
                     expected_version=1, notice_start=dt.date(2024, 5, 1))
    with pytest.raises(DomainError) as exc:
        workflow.change_request_township_review(user=users["township"], request=cr,
                                                expected_version=2, approve=False, comment="",
                                                today=TODAY)
    assert exc.value.code == ErrorCode.REQUIRED and exc.value.field == "comment"
    cr = workflow.change_request_township_review(user=users["township"], request=cr,
                                                 expected_version=2, approve=False,
                                                 comment="收入核实高于监测范围", today=TODAY)
    assert cr.status == ChangeRequest.Status.REJECTED
    assert not CategoryPeriod.objects.filter(household=household).exists()


def monitored(users, household, start):
    return services.category_period_add(user=users["village"], category="marginal",
                                        household=household, start_date=start)


def propose_exit(users, household, period, on):
    return workflow.change_request_propose(user=users["village"], action="exit",
                                           category="marginal", household=household,
                                           period=period, reason="收入稳定超过监测范围半年以上",
                                           effective_date=on, channel="visit", end_way="aided")


def test_exit_under_6_months_without_support_is_refused_naming_the_rules(users, household):
    period = monitored(users, household, dt.date(2024, 1, 15))
    with pytest.raises(ValidationErrors) as exc:
        propose_exit(users, household, period, dt.date(2024, 7, 14))
    codes = {e.code for e in exc.value.errors}
    assert codes == {ErrorCode.EXIT_MONITORED_TOO_SHORT, ErrorCode.EXIT_NO_SUPPORT_MEASURE}
    assert "6个月" in str(exc.value) and "帮扶措施" in str(exc.value)
    assert ChangeRequest.objects.count() == 0


def test_exit_of_a_household_with_no_one_able_to_work_is_refused(users, household):
    period = monitored(users, household, dt.date(2023, 1, 1))
    services.support_measure_add(user=users["village"], household=household, kind="medical",
                                 description="家庭医生签约", start_date=dt.date(2023, 2, 1))
    head = household.head
    services.person_update(user=users["village"], person=head, expected_version=head.version,
                           name=head.name, phone="", relation="head", work_ability="unable")
    with pytest.raises(ValidationErrors) as exc:
        propose_exit(users, household, period, dt.date(2024, 1, 1))
    assert [e.code for e in exc.value.errors] == [ErrorCode.EXIT_NO_ABLE_WORKER]


def test_exit_that_meets_the_rules_ends_the_period(users, household):
    period = monitored(users, household, dt.date(2023, 1, 1))
    services.support_measure_add(user=users["village"], household=household, kind="employment",
                                 description="公益岗位", start_date=dt.date(2023, 2, 1))
    cr = propose_exit(users, household, period, dt.date(2023, 7, 1))  # exactly 6 months
    run_to_decision(users, cr)
    period.refresh_from_db()
    assert period.end_date == dt.date(2023, 7, 1) and period.end_way == "aided"
    assert ChangeRequestStep.objects.filter(request=cr).count() == 4


def test_exit_rules_are_checked_again_at_decision(users, household):
    period = monitored(users, household, dt.date(2023, 1, 1))
    services.support_measure_add(user=users["village"], household=household, kind="employment",
                                 description="公益岗位", start_date=dt.date(2023, 2, 1))
    cr = propose_exit(users, household, period, dt.date(2023, 8, 1))
    head = household.head
    services.person_update(user=users["village"], person=head, expected_version=head.version,
                           name=head.name, phone="", relation="head", work_ability="none")
    with pytest.raises(ValidationErrors) as exc:
        run_to_decision(users, cr)
    assert exc.value.errors[0].code == ErrorCode.EXIT_NO_ABLE_WORKER
    period.refresh_from_db()
    cr.refresh_from_db()
    assert period.end_date is None and cr.status == ChangeRequest.Status.TOWNSHIP_APPROVED


def test_second_open_request_for_the_same_thing_is_refused(users, household):
    propose_admit(users["village"], household)
    with pytest.raises(DomainError) as exc:
        propose_admit(users["township"], household)
    assert exc.value.code == ErrorCode.REQUEST_PENDING


def test_stale_workflow_step_is_refused(users, household):
    cr = propose_admit(users["village"], household)
    post_notice(user=users["village"], request=cr, expected_version=1,
                notice_start=TODAY)
    with pytest.raises(DomainError) as exc:
        workflow.change_request_withdraw(user=users["village"], request=cr, expected_version=1,
                                         comment="")
    assert exc.value.code == ErrorCode.STALE_VERSION


def test_absurd_dates_are_refused_naming_the_field(users, household):
    with pytest.raises(ValidationErrors) as exc:
        propose_admit(users["village"], household, effective_date=dt.date(9999, 12, 31))
    assert exc.value.errors[0].field == "effective_date"
    cr = propose_admit(users["village"], household)
    with pytest.raises(ValidationErrors) as exc:
        post_notice(user=users["village"], request=cr, expected_version=1,
                    notice_start=dt.date(9999, 12, 30))
    assert exc.value.errors[0].field == "notice_start"
    with pytest.raises(DomainError) as exc:
        post_notice(user=users["village"], request=cr, expected_version=1,
                    notice_start=TODAY, notice_days=10**12)
    assert exc.value.field == "notice_days"
    with pytest.raises(ValidationErrors):
        services.category_period_add(user=users["village"], category="marginal",
                                     household=household, start_date=dt.date(1, 1, 1))
