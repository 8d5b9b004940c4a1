"""`jkfp worker`: runs the background jobs (decision 48, docs/jobs.md).

On PostgreSQL: a procrastinate worker on the queue `jkfp`, with its periodic tasks (the
stale-job check every minute and the declared schedules); run as many as needed, each runs one
job at a time (`--concurrency` for more). `--burst` runs what is queued and stops.
In-process mode (SQLite, JKFP_JOBS_INPROCESS=1) the web process runs the jobs itself; the
worker then only submits the scheduled jobs (running them in its own thread) and marks dead
jobs failed.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from jkfp.jobs import queue, services


class Command(BaseCommand):
    help = "运行后台任务（PostgreSQL：procrastinate 队列；SQLite：定时任务与中断检测）"

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="处理完当前排队的任务后退出")
        parser.add_argument("--concurrency", type=int, default=1, help="同时运行的任务数（默认 1）")

    def handle(self, *args, burst: bool = False, concurrency: int = 1, **opts):
        s = services.jobs_settings()
        self.stdout.write(
            f"jkfp worker：模式 {s['mode']}，心跳 {s['heartbeat_seconds']} 秒，"
            f"{s['stale_seconds']} 秒无心跳视为中断"
        )
        if queue.mode() == queue.QUEUE:
            self._procrastinate(burst=burst, concurrency=concurrency)
        else:
            self._in_process(burst=burst)

    def _procrastinate(self, *, burst: bool, concurrency: int) -> None:
        from procrastinate.contrib.django import app

        from jkfp.jobs.procrastinate_tasks import QUEUE_NAME

        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(
                queues=[QUEUE_NAME],
                wait=not burst,
                concurrency=concurrency,
                install_signal_handlers=not burst,
                listen_notify=not burst,
            )

    def _in_process(self, *, burst: bool) -> None:
        last = timezone.now()
        next_check = 0.0
        while True:
            if time.monotonic() >= next_check:
                n = services.job_fail_stale()
                if n:
                    self.stdout.write(f"{n} 个中断的任务已标为失败")
                next_check = time.monotonic() + 60
            now = timezone.now()
            for job in services.schedules_submit_due(after=last, until=now):
                self.stdout.write(f"定时任务 {job.task}：已提交 #{job.pk}")
            last = now
            if burst:
                queue.wait_idle()
                return
            time.sleep(max(0.5, 1.0 - (timezone.now() - now) / dt.timedelta(seconds=1)))
