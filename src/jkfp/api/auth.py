"""How API callers authenticate: a bearer token, or the browser's session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from jkfp.accounts import tokens


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, a token from `POST /api/v1/auth/token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.api_token_authenticate(raw=token)
        if found is None:
            return None
        # request.user for what reads it (axes, templates); services record their own user
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class BrowserSession(SessionAuth):
    """The Django session of a logged-in browser. Writes must carry the CSRF token
    (`X-CSRFToken` header); a request without a session falls through to 401, not 403."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer = BearerToken()
session = BrowserSession()
