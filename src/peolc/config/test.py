"""Settings for the test suite: production behaviour (``DEBUG`` off) with test-only secrets and speed-ups.

Tests that need demo mode switch it on with the ``settings`` fixture; the browser tests relax the secure-cookie
flags because the live test server speaks plain HTTP.
"""

import os

os.environ["DEBUG"] = "0"
# The suite runs on SQLite unless DATABASE_URL names PostgreSQL.
os.environ["PEOLC_ALLOW_SQLITE"] = "1"
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from peolc.config.settings import *  # noqa: E402,F403

# Fast hashing: tests create many users; production keeps Django's default PBKDF2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files straight from the source tree, so tests need no collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
# An in-memory SQLite database is one connection shared with the live server's threads, which then fail to close
# it; a file gives each thread its own connection, as on PostgreSQL.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-peolc.sqlite3")}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
