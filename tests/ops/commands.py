"""`jkfp` as a user runs it: a fresh process, its environment given (the database, the media)."""

from __future__ import annotations

import subprocess
import sys


def jkfp(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from jkfp.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=600)
