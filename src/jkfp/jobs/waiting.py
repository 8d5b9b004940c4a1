"""Waiting for a job on the command line (decision 48): a tqdm bar fed by the job's progress.

    job = job_submit(user=self.user, task="exchange.import", params=…)
    view = wait_for(job_id=job.pk, user=self.user)   # returns when the job has ended
    if view.state != "done": raise CommandError(view.message)

The bar goes to stderr (the command's output stays clean); `jkfp job wait ID --as USER` is the
same for a job submitted elsewhere (a page, another command).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

from . import queue
from .selectors import JobView, job_get, job_view


def _read(*, job_id: int, user) -> JobView:
    # autocommit, no transaction: each read sees what the job committed last (and on SQLite an
    # atomic block would take the write lock the job may hold)
    return job_view(job_get(user=user, job_id=job_id))


def wait_for(
    *,
    job_id: int,
    user,
    poll: float = 0.5,
    timeout: float | None = None,
    file: TextIO | None = None,
    bar: bool = True,
) -> JobView:
    """Poll the job until it ends (or `timeout` seconds pass), showing a progress bar."""
    file = file or sys.stderr
    started = time.monotonic()
    view = _read(job_id=job_id, user=user)
    progress = tqdm(
        total=view.total,
        desc=view.title,
        unit="",
        file=file,
        disable=not bar,
        dynamic_ncols=True,
        leave=True,
    )
    try:
        while True:
            if view.total is not None and progress.total != view.total:
                progress.total = view.total
            if view.done >= progress.n:
                progress.update(view.done - progress.n)
            else:  # a retry starts again from 0
                progress.reset(total=view.total)
                progress.update(view.done)
            progress.set_postfix_str(f"{view.state_label} {view.message}"[:60], refresh=False)
            progress.refresh()
            if view.finished:
                return view
            if timeout is not None and time.monotonic() - started > timeout:
                return view
            if queue.mode() == queue.EAGER:  # nothing else will run it
                return view
            time.sleep(poll)
            view = _read(job_id=job_id, user=user)
    finally:
        progress.close()
