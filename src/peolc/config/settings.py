"""Django settings, read from the environment.

Environment variables:
- ``DEBUG`` (default off). Demo mode: demo users and the demo password exist only when it is on.
- ``SECRET_KEY`` (required when ``DEBUG`` is off).
- ``DATABASE_URL`` (default: an embedded SQLite file under ``PEOLC_VAR_DIR``).
- ``PEOLC_ALLOW_SQLITE`` (default off): allow the embedded SQLite database when ``DEBUG`` is off (tests, trials).
- ``ALLOWED_HOSTS`` (comma-separated; default ``127.0.0.1,localhost`` in debug).
- ``PEOLC_VAR_DIR`` (default ``./var``): where the embedded database and collected static files live.
- ``SECURE_SSL_REDIRECT`` (default on when ``DEBUG`` is off).
- ``LOG_LEVEL`` (default ``INFO``).
- ``PEOLC_TRUSTED_PROXIES`` (default none): proxies whose ``X-Forwarded-For`` gives the client address.
- ``PEOLC_BEHIND_TLS_PROXY`` (default off): believe ``X-Forwarded-Proto: https`` from the proxy.
- ``PEOLC_SESSION_IDLE_MINUTES`` (default 30): sign out after this long without a request.
- ``EMAIL_BACKEND``, ``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``,
  ``DEFAULT_FROM_EMAIL``: how set-password links are sent (files under ``$PEOLC_VAR_DIR/mail`` in demo mode).
- ``OIDC_RP_CLIENT_ID`` and the other ``OIDC_*`` variables, ``PEOLC_OIDC_ROLE_MAP``: staff sign-in by OpenID Connect
  (off unless the client id is set; see docs/accounts-and-sign-in.md).
- ``PEOLC_DIRECTORY_IMPORT_MAX_BYTES`` (default 20 MiB): the largest ORUK import file or request body accepted.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PEOLC_VAR_DIR", "var")).resolve()

DEBUG = env_flag("DEBUG")
DEMO_MODE = DEBUG

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "peolc-insecure-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "peolc.core",
    "peolc.register",
    "peolc.finding",
    "peolc.outcomes",
    "peolc.directory",
]

MIDDLEWARE = [
    "peolc.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "peolc.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "peolc.core.middleware.IdleTimeoutMiddleware",
    "peolc.core.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peolc.config.urls"
WSGI_APPLICATION = "peolc.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "peolc.core.jinja.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'peolc.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters let psycopg prepare a statement after its fifth run on a connection, so the hot pages'
    # handful of queries (session, user, record, audit) skip PostgreSQL's parse and plan: a fifth of the emergency
    # summary's time. Django leaves both off so that transaction-pooling proxies work; put none in front of peolc.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Anyone who can write the SQLite file can rewrite the audit log and drop its triggers; PostgreSQL with a
    # least-privilege runtime role (docs/audit.md) is what holds real records.
    if not DEBUG and not env_flag("PEOLC_ALLOW_SQLITE"):
        raise ImproperlyConfigured(
            "The embedded SQLite database is refused when DEBUG is off: its audit log cannot be protected. Set "
            "DATABASE_URL to a PostgreSQL database, or PEOLC_ALLOW_SQLITE=1 to use SQLite knowingly (tests, trials)."
        )
    # One write at a time is fine for a demo; WAL keeps readers unblocked while a page writes its audit row.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "peolc.core.auth.DemoAwareModelBackend",
]

# Staff sign-in by OpenID Connect (NHS CIS2 style; peolc/core/oidc.py, docs/accounts-and-sign-in.md): off unless
# OIDC_RP_CLIENT_ID is set. Endpoints come from OIDC_OP_ISSUER's discovery document unless set one by one.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email nationalrbacaccess")
OIDC_USE_PKCE = True
OIDC_VERIFY_KID = env_flag("OIDC_VERIFY_KID", default=True)  # off only for a provider whose tokens name no key
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/sign-in/"
PEOLC_OIDC_ROLE_MAP = os.environ.get("PEOLC_OIDC_ROLE_MAP", str(PACKAGE_DIR / "core" / "oidc_roles.csv"))
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("peolc.core.oidc.CIS2Backend")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "peolc.core.auth.DemoPasswordValidator"},
]
# One-time links to set a password (new accounts, resets) are emailed; they expire after three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"  # demo mode: each email is a file here
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "peolc <no-reply@localhost>")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Throttle failed sign-ins per account from one source, per source and per account, each pause ending by itself
# after the cool-off (see peolc/core/signin.py and docs/accounts-and-sign-in.md).
PEOLC_SIGN_IN_LIMITS = {"account_and_source": 5, "source": 20, "account": 20}
AXES_FAILURE_LIMIT = PEOLC_SIGN_IN_LIMITS["account_and_source"]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "peolc.core.signin.ThrottlingHandler"
AXES_CLIENT_IP_CALLABLE = "peolc.core.signin.client_ip"
AXES_RESET_ON_SUCCESS = False  # the handler forgets only the signed-in account's failures from that source
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # so a pause always ends, however often it is hit
AXES_LOCKOUT_CALLABLE = "peolc.core.views.locked_out"
AXES_WHITELIST_CALLABLE = "peolc.core.signin.is_oidc_callback"  # the identity provider throttles its own sign-ins
# Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated); none by default.
PEOLC_TRUSTED_PROXIES = [
    ipaddress.ip_network(part.strip(), strict=False)
    for part in os.environ.get("PEOLC_TRUSTED_PROXIES", "").split(",")
    if part.strip()
]
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions and cookies. peolc.core.middleware.IdleTimeoutMiddleware signs out after PEOLC_SESSION_IDLE_MINUTES idle.
PEOLC_SESSION_IDLE_MINUTES = int(os.environ.get("PEOLC_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "peolc.core.views.csrf_failure"

# Headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# X-Forwarded-Proto is believed only behind a TLS-terminating proxy that sets it (and strips any a client sent).
if env_flag("PEOLC_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# ``{nonce}`` is replaced per response; the NHS.UK template's one inline script carries it. Pages with charts allow
# inline styles, which plotly.js sets on its SVG (see docs/adr/0002-charts-and-inline-styles.md).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'{inline_styles}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

try:
    DIRECTORY_IMPORT_MAX_BYTES = int(os.environ.get("PEOLC_DIRECTORY_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
except ValueError as error:
    raise ImproperlyConfigured("PEOLC_DIRECTORY_IMPORT_MAX_BYTES must be a whole number of bytes.") from error

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# plotly.js is served from the plotly package itself rather than copied into the repository.
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("plotly", Path(plotly.__file__).parent / "package_data")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "peolc.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "peolc.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
        "discard": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints the full path, which may carry identifiers; ours logs the route instead.
        "django.request": {"handlers": ["discard"], "propagate": False},
        "django.server": {"handlers": ["discard"], "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
