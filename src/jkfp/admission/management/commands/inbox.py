"""`jkfp inbox --as USERNAME`: the change requests waiting for that user's step (待办)."""

from __future__ import annotations

from django.utils import timezone

from jkfp.accounts.commands import ActingCommand
from jkfp.admission import selectors
from jkfp.categories import LABELS, Category

LIMIT = 500


class Command(ActingCommand):
    help = "列出等待 --as 用户办理的纳入/退出申请（待公示、待乡镇审核、待县级审定），逾期的标出。"

    def handle(self, *args, **opts):
        today = timezone.localdate()
        items = list(selectors.change_request_inbox(user=self.user, today=today)
                     .select_related("household__head")[:LIMIT])
        if not items:
            self.stdout.write(f"用户“{self.user.username}”没有待办事项")
            return
        self.stdout.write("编号\t事项\t类别\t户编号\t户主\t状态\t办理期限")
        for cr in items:
            due = selectors.change_request_due(request=cr)
            late = "（已逾期）" if due < today else ""
            head = cr.household.head.name if cr.household.head_id else ""
            self.stdout.write(
                f"{cr.pk}\t{cr.get_action_display()}\t{LABELS[Category(cr.category)]}\t"
                f"{cr.household.household_number}\t{head}\t{cr.get_status_display()}\t{due}{late}")
        self.stdout.write(f"共 {len(items)} 项")
