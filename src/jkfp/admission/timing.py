"""When the notice (公示) may start and when the township may review (decision 40).

The notice is real: it starts no earlier than the proposal and the village review (村民代表评议),
never in the past, and the township reviews only once it has run its full days — at least the
`notice_min_days` of policies/procedure in force on its start, and after its posted end.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jkfp.errors import DomainError, ErrorCode

from . import procedure
from .models import ChangeRequest


def proposed_on(request: ChangeRequest) -> dt.date:
    """The day (in China) the request was proposed."""
    return timezone.localdate(request.created_at)


def notice_start_problems(
    *, request: ChangeRequest, notice_start: dt.date, today: dt.date
) -> list[DomainError]:
    """Why a notice may not start on `notice_start` (empty when it may)."""
    problems = []

    def refuse(message: str) -> None:
        problems.append(DomainError(ErrorCode.NOTICE_START, message, field="notice_start"))

    if notice_start < today:
        refuse(f"公示开始日期{notice_start}早于今天（{today}），公示不能补记在过去")
    proposed = proposed_on(request)
    if notice_start < proposed:
        refuse(f"公示开始日期{notice_start}早于提出申请的日期{proposed}")
    if request.village_review_on and notice_start < request.village_review_on:
        refuse(f"公示开始日期{notice_start}早于村民代表评议日期{request.village_review_on}")
    return problems


def review_opens_on(request: ChangeRequest) -> dt.date | None:
    """The first day the township may review: the notice's full days after its start, and
    after its posted end. None while no notice is posted."""
    if request.notice_start is None or request.notice_end is None:
        return None
    days = procedure.thresholds(on=request.notice_start).notice_min_days
    return max(
        request.notice_start + dt.timedelta(days=days), request.notice_end + dt.timedelta(days=1)
    )


def require_review_open(request: ChangeRequest, *, today: dt.date) -> None:
    opens = review_opens_on(request)
    if opens is None:
        raise DomainError(
            ErrorCode.NOTICE_NOT_POSTED, "尚未公示，公示期满后方可审核", field="notice_end"
        )
    if today < opens:
        raise DomainError(
            ErrorCode.NOTICE_NOT_POSTED,
            f"公示期自{request.notice_start}至{request.notice_end}，"
            f"公示期满后方可审核（{opens}起）",
            field="notice_end",
        )
