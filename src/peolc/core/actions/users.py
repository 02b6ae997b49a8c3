"""User administration use cases.

Administrators create accounts and can reset a password, but never choose one: the system emails the user a one-time
link to set their own, so nobody else ever knows it and no administrator can sign in as a clinician.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from peolc.core.actions import apply_changes, require_permission
from peolc.core.audit import record_event
from peolc.core.models import AuditEvent, Organisation, User
from peolc.core.permissions import Permission, Role

logger = logging.getLogger(__name__)

_EDITABLE_FIELDS = ("first_name", "last_name", "email", "job_title", "organisation", "role", "is_active")


def create_user(
    actor: User,
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    role: str,
    site_url: str,
    job_title: str = "",
) -> User:
    """Create a user account in an organisation with a role, with no password: the user is emailed a one-time link
    (to ``site_url``) to set their own."""
    require_permission(actor, Permission.MANAGE_USERS)
    user = User(
        username=username.strip().lower(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        organisation=organisation,
        role=role,
        job_title=job_title.strip(),
        must_change_password=True,
    )
    _validate(user)
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
        record_event(actor, "user.create", object_type="user", object_id=user.username,
                     details={"organisation": organisation.code, "role": role})
        send_set_password_link(user, site_url, purpose="new_account")
    return user


def reset_password(actor: User, user: User, *, site_url: str) -> User:
    """Invalidate ``user``'s password, end their sessions and email them a one-time link to set a new one.

    The administrator never sees the link or the new password.
    """
    require_permission(actor, Permission.MANAGE_USERS)
    if user.pk == actor.pk:
        raise PermissionDenied("Change your own password from your account page instead.")
    if user.signs_in_with_oidc:
        raise ValidationError("This account signs in with NHS Care Identity and has no password here to reset.")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        current.set_unusable_password()  # also ends every session: the session hash no longer matches
        current.must_change_password = True
        current.save(update_fields=["password", "must_change_password"])
        record_event(actor, "user.password_reset", object_type="user", object_id=current.username)
        send_set_password_link(current, site_url, purpose="reset_by_administrator")
    return current


_EMAILS = {
    "new_account": (
        "Your peolc account",
        "An account has been made for you on peolc, the palliative and end-of-life care record.\n\n"
        "Your username is {username}. Set your password using this link, which works once and expires in {days} "
        "days:\n\n{link}\n\nIf you were not expecting this, tell your organisation's information governance lead.",
    ),
    "reset_by_administrator": (
        "Set a new peolc password",
        "Your system administrator has reset the password of your peolc account ({username}). Your old password no "
        "longer works. Set a new one using this link, which works once and expires in {days} days:\n\n{link}\n\n"
        "If you did not ask for this, tell your organisation's information governance lead.",
    ),
    "reset_requested": (
        "Reset your peolc password",
        "Someone asked to reset the password of your peolc account ({username}). If it was you, set a new one using "
        "this link, which works once and expires in {days} days:\n\n{link}\n\n"
        "If it was not you, ignore this email: your password has not changed.",
    ),
}


def set_password_link(user: User, site_url: str) -> str:
    """A one-time link for ``user`` to set their password: it stops working once the password changes or the user
    signs in, and after ``PASSWORD_RESET_TIMEOUT``."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    return site_url.rstrip("/") + path


def send_set_password_link(user: User, site_url: str, *, purpose: str) -> None:
    """Email ``user`` a one-time link to set their password, through the configured ``EMAIL_BACKEND``.

    Raises ``ValidationError`` when the email cannot be sent, so the caller's transaction saves nothing.
    """
    subject, body = _EMAILS[purpose]
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
    try:
        send_mail(subject, body.format(username=user.username, days=days, link=set_password_link(user, site_url)),
                  None, [user.email])
    except (OSError, smtplib.SMTPException) as error:
        logger.error("set-password email not sent", extra={"purpose": purpose, "error": type(error).__name__})
        raise ValidationError("The email with the link to set a password could not be sent, so nothing was "
                              "changed. Check the email settings (EMAIL_HOST) and try again.") from error
    record_event(None, "user.set_password_link_sent", object_type="user", object_id=user.username,
                 details={"purpose": purpose}, system_actor="peolc")


def update_user(actor: User, user: User, **changes) -> User:
    """Change a user's details, organisation, role or active flag (never the password: see ``reset_password``).
    Administrators cannot lock themselves out."""
    require_permission(actor, Permission.MANAGE_USERS)
    if user.pk == actor.pk and (
        changes.get("is_active") is False or changes.get("role", actor.role) != actor.role
    ):
        raise PermissionDenied("You cannot deactivate yourself or change your own role.")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        changed = apply_changes(current, changes, allowed=_EDITABLE_FIELDS, validate=_validate)
        if changed:
            current.save()
            record_event(actor, "user.update", object_type="user", object_id=current.username,
                         details={"changed": changed})
            if "email" in changed and changed["email"]["from"]:
                _tell_old_address(current, changed["email"]["from"], actor)
    return current


def _tell_old_address(user: User, old_email: str, actor: User) -> None:
    # Reset links go to the account's address, so an administrator who changed it could then reset the password
    # into their own mailbox. The owner hears of any change at the old address, and the audit log shows both steps.
    try:
        send_mail(
            "The email address on your peolc account was changed",
            f"{actor.get_username()} changed the email address on your peolc account ({user.username}) to "
            f"{user.email}. If you did not expect this, tell your organisation's information governance lead.",
            None, [old_email],
        )
    except (OSError, smtplib.SMTPException) as error:
        raise ValidationError("The old email address could not be told of the change, so nothing was changed. "
                              "Check the email settings (EMAIL_HOST) and try again.") from error


def _validate(user: User) -> None:
    if user.role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if user.organisation is None:
        raise ValidationError({"organisation": "Choose an organisation."})
    user.full_clean(exclude=["password"])



RESET_REQUESTS_PER_HOUR = {"email": 3, "source": 10}


class TooManyResetRequests(Exception):
    """Password reset was asked for too often for one address or from one source in the last hour."""


def local_accounts_for_email(email: str):
    """Active accounts with this email address that sign in with a local password (or are waiting to set one)."""
    return User.objects.filter(email__iexact=email.strip(), is_active=True, oidc_subject__isnull=True)


def request_password_reset(email: str, *, source: str, site_url: str) -> None:
    """Email a one-time reset link to each local account with ``email``.

    Says nothing about whether any exists (the caller shows the same page either way). Limited per address and per
    source, counted from the audit log; every request is audited, with how many accounts it matched.
    """
    email = email.strip().lower()
    since = timezone.now() - timedelta(hours=1)
    recent = AuditEvent.objects.filter(action="auth.password_reset_requested", occurred_at__gte=since)
    if (recent.filter(details__email=email).count() >= RESET_REQUESTS_PER_HOUR["email"]
            or recent.filter(details__source=source).count() >= RESET_REQUESTS_PER_HOUR["source"]):
        record_event(AnonymousUser(), "auth.password_reset_throttled", object_type="user",
                     details={"email": email, "source": source})
        raise TooManyResetRequests
    accounts = [user for user in local_accounts_for_email(email)
                if user.has_usable_password() or user.must_change_password]
    record_event(AnonymousUser(), "auth.password_reset_requested", object_type="user",
                 details={"email": email, "source": source, "accounts": len(accounts)})
    for user in accounts:
        # A failure is logged, not shown: telling the visitor would tell them the address has an account.
        with contextlib.suppress(ValidationError):
            send_set_password_link(user, site_url, purpose="reset_requested")


def record_password_set(user: User, *, via: str) -> None:
    """Audit that ``user`` set their own password (``via`` a one-time link, or by changing it while signed in)."""
    record_event(user, "auth.password_changed", object_type="user", object_id=user.username, details={"via": via})
