"""The engine is plain Python: importing every module of jkfp.policy loads no Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import jkfp.policy


def test_policy_package_imports_nothing_from_django() -> None:
    modules = [f"jkfp.policy.{m.name}" for m in pkgutil.iter_modules(jkfp.policy.__path__)]
    assert "jkfp.policy.batch" in modules and "jkfp.policy.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from jkfp.policy.cli import main\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    env_free = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env_free, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "0"
