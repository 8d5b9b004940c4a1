"""System checks of a deployment (`jkfp check`, and before `runserver`/`migrate`)."""

from django.conf import settings
from django.core.checks import Error, register


def missing_own_key(*, debug: bool, engine: str, key: str, development_key: str) -> bool:
    """A production server (PostgreSQL, DEBUG off) still on the public development key."""
    return not debug and engine.endswith("postgresql") and key == development_key


@register("security")
def secret_key_set(app_configs, **kwargs):
    if missing_own_key(debug=settings.DEBUG, engine=settings.DATABASES["default"]["ENGINE"],
                       key=settings.SECRET_KEY, development_key=settings.DEVELOPMENT_SECRET_KEY):
        return [Error("未设置 SECRET_KEY：生产环境（PostgreSQL、DEBUG 关闭）必须通过环境变量设置自己的密钥",
                      hint="export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')",
                      id="jkfp.E001")]
    return []
