"""Production settings refuse what cannot protect real records."""

import os
import subprocess
import sys


def run_python(*arguments, **overrides):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "PEOLC_ALLOW_SQLITE", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update({"SECRET_KEY": "not-a-secret", **overrides})
    return subprocess.run([sys.executable, *arguments], env=env, capture_output=True, text=True, check=False)


def import_settings(**overrides):
    return run_python("-c", "import peolc.config.settings", **overrides)


def test_sqlite_is_refused_when_debug_is_off():
    result = import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PEOLC_ALLOW_SQLITE=1" in result.stderr


def test_a_peolc_command_explains_the_refusal_without_a_traceback(tmp_path):
    result = run_python("-m", "peolc.cli", "audit", "verify", DEBUG="0", PEOLC_VAR_DIR=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("peolc: The embedded SQLite database is refused when DEBUG is off")
    assert "Traceback" not in result.stderr


def test_sqlite_is_allowed_in_demo_mode_or_when_asked_for():
    assert import_settings(DEBUG="1").returncode == 0
    assert import_settings(DEBUG="0", PEOLC_ALLOW_SQLITE="1").returncode == 0


def test_postgresql_needs_no_flag():
    assert import_settings(DEBUG="0", DATABASE_URL="postgres://nobody@127.0.0.1:1/none").returncode == 0
