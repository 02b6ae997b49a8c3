"""Sign-in protection and the sign-in audit trail.

Failed sign-ins are throttled by django-axes on three keys at once, each with its own limit inside one cool-off
window (``AXES_COOLOFF_TIME``):

- an account from one source (``username`` + client IP): a few guesses, then a pause;
- a source on its own (client IP): password spraying, many usernames from one address;
- an account on its own (``username``): guessing one account from many addresses.

Every pause ends by itself after the cool-off window; nothing locks an account for good. So that nobody can shut a
clinician out from everywhere, the account-wide limit does not apply at a source the account has signed in from
successfully in the last ``KNOWN_SOURCE_DAYS`` days (that source still has its own account + source limit).

The client IP is the peer's address, unless the peer is one of ``PEOLC_TRUSTED_PROXIES``: only then is
``X-Forwarded-For`` read, from the right, skipping trusted proxies. Anyone else's ``X-Forwarded-For`` is ignored, so a
visitor cannot pose as another address.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Sum
from django.utils import timezone

from peolc.core.audit import record_event

KNOWN_SOURCE_DAYS = 30


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in settings.PEOLC_TRUSTED_PROXIES)


def client_ip(request) -> str:
    """The address a request came from, reading ``X-Forwarded-For`` only when the peer is a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR", "")
    if not _trusted(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: trust none of it
        if not _trusted(hop):
            return hop
    return hops[0] if hops else peer


def is_oidc_callback(request, credentials=None) -> bool:
    """Whether this authentication is an OpenID Connect callback (the provider checked the password, not peolc)."""
    return bool(credentials) and "nonce" in credentials


class ThrottlingHandler(AxesDatabaseHandler):
    """django-axes' database handler with a separate limit for each lockout key (``PEOLC_SIGN_IN_LIMITS``).

    axes compares one number with one limit (``AXES_FAILURE_LIMIT``); this handler reports how far the worst key is
    past its own limit, shifted so that axes' comparison is true exactly when some key has reached its limit.
    """

    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        ip = request.axes_ip_address
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        recent = AccessAttempt.objects.filter(attempt_time__gte=since)
        counts = {
            "account_and_source": _failures(recent.filter(username=username, ip_address=ip)),
            "source": _failures(recent.filter(ip_address=ip)),
        }
        if username and not _known_source(username, ip):
            counts["account"] = _failures(recent.filter(username=username))
        limits = settings.PEOLC_SIGN_IN_LIMITS
        worst = max(count - limits[key] for key, count in counts.items())
        return settings.AXES_FAILURE_LIMIT + worst

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        # Forget only this account's failures from this source: a success must not wipe a source's spraying count
        # or an account's count from elsewhere.
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=request.axes_ip_address).delete()


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _known_source(username: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(days=KNOWN_SOURCE_DAYS)
    return AccessLog.objects.filter(username=username, ip_address=ip, attempt_time__gte=since).exists()


# --- the audit trail of signing in and out ------------------------------------------------------------------------


def _method(user) -> str:
    backend = getattr(user, "backend", "") or ""
    return "oidc" if "oidc" in backend.lower() else "password"


def audit_signed_in(sender, request, user, **kwargs) -> None:
    """Record a successful sign-in, how it was made and from where."""
    record_event(user, "auth.signed_in", object_type="user", object_id=user.get_username(),
                 details={"method": _method(user), "source": client_ip(request) if request else ""})


def audit_signed_out(sender, request, user, **kwargs) -> None:
    """Record a sign-out: by the user, or after the session sat idle."""
    if user is None:
        return
    record_event(user, "auth.signed_out", object_type="user", object_id=user.get_username(),
                 details={"reason": getattr(request, "sign_out_reason", "user")})


def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """Record a failed sign-in with the username tried (never the password)."""
    username = str(credentials.get("username") or "")[:150]
    details = {"username": username, "method": "password" if "username" in credentials else "oidc",
               "source": client_ip(request) if request else ""}
    if getattr(request, "oidc_refusal", None):
        details["reason"] = request.oidc_refusal
    record_event(AnonymousUser(), "auth.sign_in_failed", object_type="user", object_id=username[:64],
                 details=details)


def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    """Record that sign-in was paused for an account, a source or both."""
    name = str(username or "")[:150]
    record_event(AnonymousUser(), "auth.locked_out", object_type="user", object_id=name[:64],
                 details={"username": name, "source": ip_address or ""})


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """Count a session's idle time from the moment of signing in (see ``IdleTimeoutMiddleware``)."""
    if request is not None and hasattr(request, "session"):
        request.session["last_activity"] = int(time.time())


def connect_signals() -> None:
    """Connect the sign-in audit receivers (called once, when the core app is ready)."""
    user_logged_in.connect(audit_signed_in, dispatch_uid="peolc.audit_signed_in")
    user_logged_in.connect(start_idle_clock, dispatch_uid="peolc.start_idle_clock")
    user_logged_out.connect(audit_signed_out, dispatch_uid="peolc.audit_signed_out")
    user_login_failed.connect(audit_sign_in_failed, dispatch_uid="peolc.audit_sign_in_failed")
    user_locked_out.connect(audit_locked_out, dispatch_uid="peolc.audit_locked_out")
