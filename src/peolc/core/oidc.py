"""Staff sign-in by OpenID Connect, in the style of NHS Care Identity Service 2 (CIS2), with mozilla-django-oidc.

Off unless ``OIDC_RP_CLIENT_ID`` is set. The provider's endpoints come from ``OIDC_OP_ISSUER``'s discovery document,
or each from its own setting (``OIDC_OP_AUTHORIZATION_ENDPOINT`` and so on), which wins.

Who signs in as whom:

- an account is found by the ID token's ``sub`` (stored as ``User.oidc_subject``), never by email address, which
  anyone able to edit a profile could otherwise use to take over an account;
- the role the user chose at the provider (``selected_roleid``, or their only role) is looked up in
  ``nhsid_nrbac_roles``; its organisation (``org_code``, an ODS code) must be an active peolc organisation, and its
  national RBAC job role code (the ``R…`` part of ``role_code``) must map, for that kind of organisation, to a peolc
  role in the mapping table (``PEOLC_OIDC_ROLE_MAP``, by default ``oidc_roles.csv`` beside this file);
- a new subject gets an account with that role and organisation (no local password); a known one has its role and
  organisation brought up to date. Both are audited. Anything else is refused with a message and audited.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from peolc.core.audit import record_event
from peolc.core.models import Organisation, User
from peolc.core.permissions import Role

ROLE_MAP_FILE = Path(__file__).with_name("oidc_roles.csv")
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class SignInRefused(Exception):
    """The provider vouched for the person, but peolc will not let them in: the message says why."""


@functools.cache
def _discovery(issuer: str) -> dict:
    response = requests.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    return response.json()


def oidc_setting(name: str, *default):
    """A mozilla-django-oidc setting, with provider endpoints taken from the issuer's discovery document."""
    value = getattr(settings, name, "")
    if not value and name in _DISCOVERED and settings.OIDC_OP_ISSUER:
        value = _discovery(settings.OIDC_OP_ISSUER)[_DISCOVERED[name]]
    if value in ("", None):
        if default:
            return default[0]
        raise ImproperlyConfigured(f"Setting {name} not found")
    return value


@functools.cache
def _role_map(path: str) -> dict[tuple[str, str], str]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    mapping = {}
    for row in rows:
        if row["peolc_role"] not in Role.values:
            raise ImproperlyConfigured(f"{path}: unknown peolc role {row['peolc_role']!r}")
        mapping[(row["job_role_code"].strip(), row["organisation_type"].strip())] = row["peolc_role"]
    return mapping


def role_map() -> dict[tuple[str, str], str]:
    """(national RBAC job role code, organisation type) → peolc role, from ``PEOLC_OIDC_ROLE_MAP``."""
    return _role_map(str(settings.PEOLC_OIDC_ROLE_MAP))


def job_role_code(role_code: str) -> str:
    """The job role part (``R8000``) of a CIS2 ``role_code`` such as ``S8000:G8000:R8000``."""
    parts = [part.strip() for part in role_code.split(":") if part.strip()]
    return next((part for part in reversed(parts) if part.startswith("R")), parts[-1] if parts else "")


def role_from_claims(claims: dict) -> tuple[Organisation, str, str]:
    """The organisation, peolc role and job role code that the selected CIS2 role gives, or ``SignInRefused``."""
    roles = claims.get("nhsid_nrbac_roles") or []
    if not isinstance(roles, list) or not roles:
        raise SignInRefused("Your NHS Care Identity account has no role that peolc recognises.")
    selected = claims.get("selected_roleid")
    if selected:
        chosen = [r for r in roles if isinstance(r, dict) and str(r.get("person_roleid")) == str(selected)]
    else:
        chosen = roles if len(roles) == 1 else []
    if len(chosen) != 1 or not isinstance(chosen[0], dict):
        raise SignInRefused("Choose one of your roles when you sign in with NHS Care Identity.")
    role = chosen[0]
    organisation = Organisation.objects.filter(code=str(role.get("org_code", "")).upper(), active=True).first()
    if organisation is None:
        raise SignInRefused("The organisation of the role you chose does not use peolc.")
    code = job_role_code(str(role.get("role_code", "")))
    peolc_role = role_map().get((code, organisation.type))
    if peolc_role is None:
        raise SignInRefused("The role you chose in NHS Care Identity does not give access to peolc. Choose another "
                            "role, or ask your organisation's system administrator.")
    return organisation, peolc_role, code


class CIS2Backend(OIDCAuthenticationBackend):
    """Authenticate from an OpenID Connect authorization code; map the chosen CIS2 role to a peolc role."""

    def __init__(self, *args, **kwargs):
        # Nothing is read here: Django builds every backend for every sign-in, password ones included, and those
        # must not depend on reaching the provider.
        self.UserModel = User

    get_settings = staticmethod(oidc_setting)
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT", None))
    OIDC_RP_CLIENT_ID = property(lambda self: oidc_setting("OIDC_RP_CLIENT_ID"))
    OIDC_RP_CLIENT_SECRET = property(lambda self: oidc_setting("OIDC_RP_CLIENT_SECRET"))
    OIDC_RP_SIGN_ALGO = property(lambda self: oidc_setting("OIDC_RP_SIGN_ALGO", "RS256"))
    OIDC_RP_IDP_SIGN_KEY = property(lambda self: oidc_setting("OIDC_RP_IDP_SIGN_KEY", None))

    def get_user(self, user_id):
        # As the password backend: a deactivated account's session ends at its next request.
        return User.objects.select_related("organisation").filter(pk=user_id, is_active=True).first()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password form posted to a URL carrying ?code=&state= must not
        # start a token exchange.
        if request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token was issued to another client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss", "").rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("ID token comes from another issuer.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        subject = str(payload.get("sub", ""))
        if not subject or str(claims.get("sub", subject)) != subject:
            raise SuspiciousOperation("The user information is for another subject.")
        try:
            organisation, role, code = role_from_claims(claims)
            return self._user_for(subject, claims, organisation, role, code)
        except SignInRefused as refusal:
            self.request.oidc_refusal = str(refusal)
            messages.error(self.request, str(refusal))
            return None

    def _user_for(self, subject: str, claims: dict, organisation: Organisation, role: str, code: str) -> User:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(oidc_subject=subject).first()
            if user is None:
                user = User(username=f"cis2-{subject}"[:150], oidc_subject=subject, organisation=organisation,
                            role=role, first_name=str(claims.get("given_name", ""))[:150],
                            last_name=str(claims.get("family_name", ""))[:150],
                            email=str(claims.get("email", ""))[:254])
                user.set_unusable_password()
                user.save()
                record_event(None, "user.create_from_oidc", object_type="user", object_id=user.username,
                             details={"organisation": organisation.code, "role": role, "job_role_code": code},
                             system_actor="oidc")
            elif not user.is_active:
                raise SignInRefused("Your peolc account has been deactivated. Ask your system administrator.")
            elif (user.organisation_id, user.role) != (organisation.pk, role):
                changed = {"organisation": {"from": user.organisation.code if user.organisation else "",
                                            "to": organisation.code},
                           "role": {"from": user.role, "to": role}}
                user.organisation, user.role = organisation, role
                user.save(update_fields=["organisation", "role"])
                record_event(None, "user.update_from_oidc", object_type="user", object_id=user.username,
                             details={"changed": changed, "job_role_code": code}, system_actor="oidc")
        return user


class StartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider to sign in."""

    get_settings = staticmethod(oidc_setting)


class CallbackView(OIDCAuthenticationCallbackView):
    """Come back from the provider: sign in, or go back to the sign-in page with the reason."""

    get_settings = staticmethod(oidc_setting)

    def login_failure(self):
        if not getattr(self.request, "oidc_refusal", None):
            messages.error(self.request, "Signing in with NHS Care Identity did not work. Try again, or sign in "
                                         "with your username and password.")
        return super().login_failure()


def enabled() -> bool:
    """Whether staff may sign in through the OpenID Connect provider (``OIDC_RP_CLIENT_ID`` is set)."""
    return bool(settings.OIDC_RP_CLIENT_ID)


def start(request):
    """``/sign-in/oidc/start/``: off (404) unless OpenID Connect is configured."""
    if not enabled():
        raise Http404
    return StartView.as_view()(request)


def callback(request):
    """``/sign-in/oidc/callback/``: off (404) unless OpenID Connect is configured."""
    if not enabled():
        raise Http404
    return CallbackView.as_view()(request)
