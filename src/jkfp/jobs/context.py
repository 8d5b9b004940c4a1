"""What a running task sees: `JobContext.progress(done, total, message=None)` (decision 48).

Progress must be visible to the page *while* the task runs, also when the task does its work
inside one open `transaction.atomic()`: on PostgreSQL a row updated inside an open transaction
is invisible to every other connection until commit. So progress and heartbeats are written on
a connection of their own (`SideConnection`, autocommit, one short UPDATE each), never on the
task's connection. On SQLite a second connection cannot write while the task holds the write
lock: the side write then waits a fraction of a second, gives up and tries again at the next
call; the process also keeps the latest progress in memory (`live_progress`), which the page
reads when the job runs in the same process (the demo's in-process thread).

Writes are throttled (`JKFP_JOBS_PROGRESS_SECONDS`); a change of message or the last step is
always written. Each write also reads `cancel_requested`: after `job_cancel` of a running job,
the next `progress` (or `check_cancelled`) raises `JobCancelled` and the job ends cancelled.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.utils import load_backend
from django.utils import timezone

log = logging.getLogger("jkfp.jobs")

_live: dict[int, tuple[int, int | None, str]] = {}
_live_lock = threading.Lock()


def live_progress(job_id: int) -> tuple[int, int | None, str] | None:
    """The latest (done, total, message) of a job running in this process, if any."""
    with _live_lock:
        return _live.get(job_id)


def _set_live(job_id: int, value: tuple[int, int | None, str] | None) -> None:
    with _live_lock:
        if value is None:
            _live.pop(job_id, None)
        else:
            _live[job_id] = value


class JobCancelled(Exception):
    """Raised inside a task when its user cancelled it; the job ends `cancelled`."""


class SideConnection:
    """A database connection of its own, in autocommit, for progress and heartbeats.

    `shared=True` uses the thread's own connection instead (eager mode in tests, where the
    job row is not committed and only that connection can see it).
    """

    def __init__(self, *, shared: bool = False):
        self.shared = shared
        self._conn = None

    def _connection(self):
        if self.shared:
            return connection
        if self._conn is None:
            db = copy.deepcopy(connections.settings["default"])
            options = dict(db.get("OPTIONS", {}))
            if db["ENGINE"] == "django.db.backends.sqlite3":
                options["timeout"] = 0.2  # the task may hold the write lock: try again later
                options.pop("transaction_mode", None)
            elif db["ENGINE"] == "django.db.backends.postgresql":
                # never wait long for a lock on the job row (a task that locked it itself)
                options["options"] = f"{options.get('options', '')} -c lock_timeout=500".strip()
            db["OPTIONS"] = options
            self._conn = load_backend(db["ENGINE"]).DatabaseWrapper(db, "jobs_side")
        return self._conn

    def update(self, job_id: int, **fields: Any) -> bool | None:
        """UPDATE the job row; returns its `cancel_requested`, or None if the write failed."""
        conn = self._connection()
        cols = ", ".join(f"{name} = %s" for name in fields)
        values = [
            conn.ops.adapt_datetimefield_value(v) if hasattr(v, "tzinfo") else v
            for v in fields.values()
        ]
        try:
            with conn.cursor() as cur:
                cur.execute(f"UPDATE jobs_job SET {cols} WHERE id = %s", [*values, job_id])
                cur.execute("SELECT cancel_requested FROM jobs_job WHERE id = %s", [job_id])
                row = cur.fetchone()
        except DatabaseError as exc:  # SQLite's write lock held by the task: try again later
            log.debug("progress of job %s not written: %s", job_id, exc)
            if not self.shared and self._conn is not None:
                self._conn.close()
                self._conn = None
            return None
        return bool(row and row[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class JobContext:
    """Handed to a task as its first argument."""

    def __init__(self, *, job_id: int, user: Any, params: dict, shared_connection: bool = False):
        self.job_id = job_id
        self.user = user
        self.params = params
        self._side = SideConnection(shared=shared_connection)
        self._interval = float(getattr(settings, "JKFP_JOBS_PROGRESS_SECONDS", 0.5))
        self._last_write = 0.0
        self._last_message = ""
        self._pending = False
        self.done, self.total, self.message = 0, None, ""

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record that `done` of `total` steps are done (and what is being done, in Chinese)."""
        self.done, self.total = int(done), (None if total is None else int(total))
        if message is not None:
            self.message = str(message)[:500]
        _set_live(self.job_id, (self.done, self.total, self.message))
        now = time.monotonic()
        final = self.total is not None and self.done >= self.total
        if (
            now - self._last_write < self._interval
            and not final
            and self.message == self._last_message
        ):
            self._pending = True
            return
        self._write(now)

    def check_cancelled(self) -> None:
        """Raise `JobCancelled` if the user cancelled the job (read from the database)."""
        self._write(time.monotonic())

    def _write(self, now: float) -> None:
        cancelled = self._side.update(
            self.job_id,
            done=self.done,
            total=self.total,
            message=self.message,
            heartbeat_at=timezone.now(),
        )
        self._last_write = now
        if cancelled is None:
            self._pending = True
            return
        self._pending = False
        self._last_message = self.message
        if cancelled:
            raise JobCancelled()

    def flush(self) -> None:
        """Write a throttled progress that is still pending (the runner calls this at the end)."""
        if self._pending:
            try:
                self._write(time.monotonic())
            except JobCancelled:
                pass

    def close(self) -> None:
        self._side.close()
        _set_live(self.job_id, None)


class Heartbeat:
    """A daemon thread that stamps `heartbeat_at` while the task runs, so that a task busy in
    one long statement is not taken for dead; it stops with the process that runs the job."""

    def __init__(self, job_id: int, *, seconds: float):
        self.job_id = job_id
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def _run(self) -> None:
        side = SideConnection()
        try:
            while not self._stop.wait(self.seconds):
                side.update(self.job_id, heartbeat_at=timezone.now())
        finally:
            side.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
