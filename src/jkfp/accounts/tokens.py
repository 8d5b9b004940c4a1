"""Bearer tokens of the REST API: issue, authenticate, revoke.

A token is 43 URL-safe characters of randomness (256 bits). Only its SHA-256 hash is stored, so
a copy of the database gives no usable token; a plain hash (no salt, no stretching) is enough
for a secret of that strength. The token is shown once, when it is issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

# How long a token lives; `JKFP_API_TOKEN_TTL_HOURS` in the settings overrides it.
DEFAULT_TTL_HOURS = 12
# `last_used` is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# At most this many live tokens per user; issuing one more revokes the oldest.
DEFAULT_LIVE_TOKENS = 5


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def password_stamp(user: User) -> str:
    """A digest of the user's current password hash: a token issued under another password
    (the password changed since, or was reset) no longer matches and is refused."""
    return hashlib.sha256(f"jkfp-token:{user.password}".encode()).hexdigest()[:32]


def live_tokens_limit() -> int:
    return getattr(settings, "JKFP_API_LIVE_TOKENS", DEFAULT_LIVE_TOKENS)


def token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "JKFP_API_TOKEN_TTL_HOURS", DEFAULT_TTL_HOURS))


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new token for an authenticated, active user: the stored row and the token itself."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one issue at a time
        live = list(ApiToken.objects.filter(user=user, revoked__isnull=True, expires__gt=now)
                    .order_by("-created").values_list("pk", flat=True))
        surplus = live[live_tokens_limit() - 1:]
        if surplus:
            ApiToken.objects.filter(pk__in=surplus).update(revoked=now)
        token = ApiToken.objects.create(user=user, key_hash=_hash(raw), prefix=raw[:8],
                                        expires=now + token_ttl(),
                                        password_stamp=password_stamp(user))
    return token, raw


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for a presented bearer value (with its user), or None.

    A token that is unknown, revoked, expired, issued under an earlier password, or whose user
    is inactive is refused.
    """
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (ApiToken.objects.select_related("user", "user__region")
             .filter(key_hash=_hash(raw), revoked__isnull=True, expires__gt=now).first())
    if token is None or not token.user.is_active:
        return None
    if not secrets.compare_digest(token.password_stamp, password_stamp(token.user)):
        return None
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke one token (the row stays, with the time it was revoked)."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
    token.refresh_from_db()
    return token
