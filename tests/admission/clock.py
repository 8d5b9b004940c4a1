"""The tests' clock for the notice rules (decision 40): a notice starts today or later, not
before its proposal, and the township reviews only once it has run. Tests of other steps need a
notice that has already run; these helpers move a request's dates back instead of the clock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.admission import services
from jkfp.admission.models import ChangeRequest


def propose_earlier(cr: ChangeRequest, on: dt.date) -> ChangeRequest:
    """As if the request had been proposed on `on` (the tests that play in 2024)."""
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    ChangeRequest.objects.filter(pk=cr.pk).update(created_at=at)
    cr.refresh_from_db()
    return cr


def post_notice(**kw) -> ChangeRequest:
    """Post a notice as on its first day: `today` is the start, and a request proposed later
    than that (tests that play in the past) is moved back to the day before."""
    kw.setdefault("today", kw["notice_start"])
    cr = kw["request"]
    if timezone.localdate(cr.created_at) > kw["notice_start"]:
        propose_earlier(cr, kw["notice_start"] - dt.timedelta(days=1))
    if cr.village_review_on and cr.village_review_on > kw["notice_start"]:
        ChangeRequest.objects.filter(pk=cr.pk).update(village_review_on=kw["notice_start"])
        cr.refresh_from_db()
    return services.change_request_post_notice(**kw)


def days_pass(pk: int, days: int) -> ChangeRequest:
    """`days` days go by for a request: its proposal, village review and notice move back."""
    cr = ChangeRequest.objects.get(pk=pk)
    back = dt.timedelta(days=days)
    ChangeRequest.objects.filter(pk=pk).update(
        created_at=cr.created_at - back,
        village_review_on=cr.village_review_on and cr.village_review_on - back,
        notice_start=cr.notice_start and cr.notice_start - back,
        notice_end=cr.notice_end and cr.notice_end - back,
    )
    cr.refresh_from_db()
    return cr
