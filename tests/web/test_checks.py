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
