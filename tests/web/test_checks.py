import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jkfp.web.checks import missing_own_key

DEV = "jkfp-insecure-development-key-change-me"
PG = "django.db.backends.postgresql"


def test_production_needs_its_own_secret_key():
    assert missing_own_key(debug=False, engine=PG, key=DEV, development_key=DEV)
    assert not missing_own_key(debug=False, engine=PG, key="own-0123456789abcdef",
                               development_key=DEV)
    assert not missing_own_key(debug=True, engine=PG, key=DEV, development_key=DEV)
    assert not missing_own_key(debug=False, engine="django.db.backends.sqlite3", key=DEV,
                               development_key=DEV)


def test_the_check_is_registered(settings, monkeypatch):
    monkeypatch.setattr("jkfp.web.checks.missing_own_key", lambda **kw: True)
    with pytest.raises(SystemCheckError, match="jkfp.E001"):
        call_command("check", "--tag", "security")


def test_a_production_configuration_passes_the_deploy_checks(tmp_path):
    """Behind TLS with its own key, `jkfp check --deploy` reports nothing, warnings included."""
    import os
    import secrets
    import subprocess
    import sys

    env = {**os.environ, "JKFP_HTTPS": "1", "DEBUG": "", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "jkfp.example.gov.cn", "JKFP_SQLITE": str(tmp_path / "x.sqlite3")}
    env.pop("DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-c", "from jkfp.cli import main; main()", "check",
                        "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout
