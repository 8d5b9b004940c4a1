"""`jkfp job wait ID --as USER` (a progress bar until the job ends), `jkfp job show ID` and
`jkfp job list` — the jobs of that user, as the page shows them."""

from __future__ import annotations

import argparse
import json

from django.core.management.base import CommandError

from jkfp.accounts.commands import ActingCommand
from jkfp.jobs import selectors
from jkfp.jobs.models import JobState
from jkfp.jobs.waiting import wait_for


class Command(ActingCommand):
    help = "后台任务：wait ID（进度条，直到任务结束）、show ID、list"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        wait = sub.add_parser("wait", help="等待任务结束，显示进度条；任务未完成时退出码为 1")
        wait.add_argument("job_id", type=int)
        wait.add_argument("--timeout", type=float, default=None, help="最多等待的秒数")
        wait.add_argument("--no-bar", action="store_true", help="不显示进度条")
        show = sub.add_parser("show", help="显示任务状态（JSON）")
        show.add_argument("job_id", type=int)
        lister = sub.add_parser("list", help="列出最近 50 个任务")
        for p in (wait, show, lister):  # `jkfp job wait ID --as USER` as well as before `wait`
            p.add_argument(
                "--as",
                dest="as_user",
                metavar="USERNAME",
                default=argparse.SUPPRESS,
                help="以该用户的身份执行（必填）",
            )

    def _job(self, job_id: int):
        from django.http import Http404

        try:
            return selectors.job_get(user=self.user, job_id=job_id)
        except Http404:
            raise CommandError(f"无此任务或不是您提交的任务：{job_id}") from None

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "list":
            for job in selectors.job_list(user=self.user):
                v = selectors.job_view(job)
                pct = "" if v.percent is None else f"{v.percent}%"
                self.stdout.write(f"#{v.id}\t{v.title}\t{v.state_label}\t{pct}\t{v.message}")
            return
        job = self._job(opts["job_id"])
        if action == "show":
            v = selectors.job_view(job)
            out = {
                k: getattr(v, k)
                for k in (
                    "id",
                    "task",
                    "state",
                    "done",
                    "total",
                    "percent",
                    "message",
                    "result",
                    "attempts",
                    "stale",
                )
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, default=str))
            return
        v = wait_for(
            job_id=job.pk,
            user=self.user,
            timeout=opts["timeout"],
            bar=not opts["no_bar"],
            file=self.stderr._out,
        )
        self.stdout.write(f"#{v.id} {v.state_label}：{v.message}")
        if v.state != JobState.DONE or v.stale:
            raise CommandError(f"任务 #{v.id} 未完成：{v.state_label}")
