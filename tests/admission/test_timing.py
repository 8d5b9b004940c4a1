"""The notice is real (decision 40): it starts no earlier than the proposal and the village
review, not in the past, and the township reviews only 5 full days after its start."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.admission import services, timing
from jkfp.admission.models import ChangeRequest
from jkfp.errors import ErrorCode, ValidationErrors

pytestmark = pytest.mark.django_db


def propose(users, household, **kw):
    today = timezone.localdate()
    args = {
        "user": users["village"],
        "action": "admit",
        "category": "marginal",
        "household": household,
        "reason": "因病支出骤增",
        "effective_date": today,
        "channel": "visit",
        "home_visit_on": today,
        "consent_on": today,
    }
    args.update(kw)
    return services.change_request_propose(**args)


def notice(users, cr, start, **kw):
    return services.change_request_post_notice(
        user=users["village"], request=cr, expected_version=cr.version, notice_start=start, **kw
    )


def refused(call) -> dict[str, str]:
    """{code: the messages of that code, one per line}; every error names notice_start."""
    with pytest.raises(ValidationErrors) as exc:
        call()
    assert {e.field for e in exc.value.errors} == {"notice_start"}
    out: dict[str, str] = {}
    for e in exc.value.errors:
        out[e.code] = (out.get(e.code, "") + "\n" + e.message).strip()
    return out


def test_a_notice_in_the_past_is_refused_and_nothing_is_written(users, household):
    cr = propose(users, household)
    today = timezone.localdate()
    errors = refused(lambda: notice(users, cr, today - dt.timedelta(days=6)))
    assert list(errors) == [ErrorCode.NOTICE_START]
    assert "不能补记在过去" in errors[ErrorCode.NOTICE_START]
    cr.refresh_from_db()
    assert (cr.status, cr.notice_start, cr.version) == ("proposed", None, 1)
    assert cr.steps.count() == 1  # the proposal only


def test_a_notice_before_the_proposal_is_refused(users, household):
    cr = propose(users, household)
    proposed = timing.proposed_on(cr)
    # on a clock two days behind, the day before the proposal is not "in the past"
    errors = refused(
        lambda: notice(
            users, cr, proposed - dt.timedelta(days=1), today=proposed - dt.timedelta(days=2)
        )
    )
    assert list(errors) == [ErrorCode.NOTICE_START]
    assert f"早于提出申请的日期{proposed}" in errors[ErrorCode.NOTICE_START]


def test_a_notice_before_the_village_review_is_refused(users, household):
    today = timezone.localdate()
    cr = propose(users, household, village_review_on=today + dt.timedelta(days=3))
    errors = refused(lambda: notice(users, cr, today + dt.timedelta(days=2)))
    assert "早于村民代表评议日期" in errors[ErrorCode.NOTICE_START]
    cr = notice(users, cr, today + dt.timedelta(days=3))  # from the review day on: fine
    assert cr.status == "notice"


def test_a_notice_may_start_today_or_later(users, household):
    today = timezone.localdate()
    cr = notice(users, propose(users, household), today + dt.timedelta(days=1))
    assert (cr.notice_start, cr.notice_end) == (
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=5),
    )


@pytest.mark.parametrize(("days", "opens_after"), [(5, 5), (7, 7)])
def test_the_township_reviews_only_after_the_full_days(users, household, days, opens_after):
    today = timezone.localdate()
    cr = notice(users, propose(users, household), today, notice_days=days)
    assert timing.review_opens_on(cr) == today + dt.timedelta(days=opens_after)
    for day in (today, today + dt.timedelta(days=opens_after - 1)):
        with pytest.raises(Exception) as exc:
            services.change_request_township_review(
                user=users["township"],
                request=cr,
                expected_version=cr.version,
                approve=True,
                comment="",
                today=day,
            )
        assert exc.value.code == ErrorCode.NOTICE_NOT_POSTED, day
        assert "公示期满后方可审核" in exc.value.message
    cr = services.change_request_township_review(
        user=users["township"],
        request=cr,
        expected_version=cr.version,
        approve=True,
        comment="",
        today=today + dt.timedelta(days=opens_after),
    )
    assert cr.status == ChangeRequest.Status.TOWNSHIP_APPROVED


def test_a_short_posted_end_does_not_shorten_the_procedure_days(users, household):
    """Even a request whose end was written short (an old import) waits the full 5 days."""
    today = timezone.localdate()
    cr = notice(users, propose(users, household), today)
    ChangeRequest.objects.filter(pk=cr.pk).update(notice_end=today)
    cr.refresh_from_db()
    assert timing.review_opens_on(cr) == today + dt.timedelta(days=5)
    with pytest.raises(Exception) as exc:
        services.change_request_township_review(
            user=users["township"],
            request=cr,
            expected_version=cr.version,
            approve=True,
            comment="",
            today=today + dt.timedelta(days=4),
        )
    assert exc.value.code == ErrorCode.NOTICE_NOT_POSTED
