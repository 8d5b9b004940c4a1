"""Response headers every page gets: a content-security policy, and no caching of anything
that may carry personal data (pages, exports and API answers of a logged-in user)."""

from __future__ import annotations

from django.conf import settings

# Scripts and styles come from our own static files only (htmx, ECharts and jkfp.js are served
# from /static/); inline styles are allowed because htmx and ECharts set them from script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith(self.static):
            # personal data must not stay in a browser's or a proxy's cache
            response["Cache-Control"] = "no-store, private"
        return response


class PasswordChangeRequiredMiddleware:
    """A user with an initial password (set by an administrator) sees only the page that
    replaces it (and logout, language switch, static files) until they have."""

    ALLOWED = ("/password/", "/logout/", "/i18n/", "/static/", "/login/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.must_change_password
                and not request.path.startswith(self.ALLOWED)
                and not request.path.startswith("/api/")):
            from django.shortcuts import redirect

            return redirect("password_change")
        return self.get_response(request)
