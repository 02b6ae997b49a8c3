"""Request id, access logging and security headers."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from peolc.core import context

logger = logging.getLogger("peolc.request")

_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) and log one line per request.

    The log line names the matched route pattern, not the path, so no identifier in a URL reaches the logs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _ACCEPTABLE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = context.request_id.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "route": match.route if match else "(unmatched)",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            context.request_id.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
            return  # Django answers these with a 4xx page; they are not faults
        logger.error("unhandled exception", exc_info=exception, extra={"method": request.method})


class SecurityHeadersMiddleware:
    """Content Security Policy with a per-request script nonce, a restrictive Permissions-Policy, and no caching
    of signed-in pages (they may show clinical data)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.setdefault(
            "Content-Security-Policy",
            settings.CONTENT_SECURITY_POLICY.format(
                nonce=request.csp_nonce,
                inline_styles=" 'unsafe-inline'" if getattr(request, "csp_inline_styles", False) else "",
            ),
        )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class IdleTimeoutMiddleware:
    """Sign out a user whose last request was more than ``PEOLC_SESSION_IDLE_MINUTES`` ago, and say why.

    A shared computer on a ward is often left signed in; the session then ends on its own.
    """

    # Record activity at most once a minute, so that busy pages do not write the session on every request.
    RESOLUTION_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        last = None
        if request.user.is_authenticated:
            minutes = settings.PEOLC_SESSION_IDLE_MINUTES
            last = request.session.get("last_activity")
            if last is not None and now - last > minutes * 60:
                request.sign_out_reason = "idle"
                logout(request)
                messages.info(request, f"You were signed out after {minutes} minutes of inactivity. "
                                       "Sign in again to carry on.")
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        fresh = last is not None and now - last < self.RESOLUTION_SECONDS
        if request.user.is_authenticated and not fresh:  # also just after signing in
            request.session["last_activity"] = now
        return response


class PasswordChangeRequiredMiddleware:
    """Send a user whose password was set or reset by someone else to set their own before anything else.

    Only the password page and signing out are open to them until then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password:
            allowed = {reverse("password_change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect("password_change")
        return self.get_response(request)
