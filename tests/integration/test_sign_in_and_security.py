import ipaddress
import json
import logging
import os
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peolc.core.auth import DEMO_PASSWORD
from peolc.core.models import AuditEvent


@pytest.fixture
def demo_gp(make_user, ics):
    return make_user("demo-gp", "gp", ics["practice"], password=DEMO_PASSWORD)


def _sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


PASSWORD = "a-long-test-password-42"


def test_a_user_signs_in_and_out(client, gp_user):
    response = _sign_in(client, "gp", "a-long-test-password-42")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_shows_an_error_summary(client, gp_user):
    response = _sign_in(client, "gp", "not-the-password")
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Enter a correct username and password" in response.content


def test_the_demo_password_is_refused_outside_demo_mode(client, demo_gp, settings):
    settings.DEMO_MODE = False
    assert _sign_in(client, "demo-gp", DEMO_PASSWORD).status_code == 400
    settings.DEMO_MODE = True
    assert _sign_in(client, "demo-gp", DEMO_PASSWORD).status_code == 302


def test_repeated_failures_pause_the_account_from_that_source(client, gp_user):
    for _ in range(5):
        _sign_in(client, "gp", "wrong-password-guess")
    response = _sign_in(client, "gp", PASSWORD)
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert _sign_in(Client(), "gp", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_password_spraying_from_one_source_is_throttled(client, gp_user):
    for n in range(20):
        _sign_in(client, f"someone-{n}", "Summer2026!!", REMOTE_ADDR="203.0.113.5")
    assert _sign_in(client, "gp", PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 429
    assert _sign_in(Client(), "gp", PASSWORD, REMOTE_ADDR="203.0.113.6").status_code == 302


def test_guessing_one_account_from_many_sources_is_throttled_except_where_it_signs_in(client, gp_user):
    assert _sign_in(Client(), "gp", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 302  # the GP's usual PC
    for n in range(20):
        _sign_in(client, "gp", "wrong-password-guess", REMOTE_ADDR=f"198.51.100.{n + 10}")
    assert _sign_in(Client(), "gp", PASSWORD, REMOTE_ADDR="198.51.100.200").status_code == 429
    assert _sign_in(Client(), "gp", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 302


def test_a_pause_ends_by_itself_after_the_cool_off(client, gp_user):
    from axes.models import AccessAttempt

    for _ in range(25):
        _sign_in(client, "gp", "wrong-password-guess")
    assert _sign_in(client, "gp", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, "gp", PASSWORD).status_code == 302


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(client, gp_user, settings):
    for n in range(5):
        _sign_in(client, "gp", "wrong-password-guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _sign_in(client, "gp", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429

    settings.PEOLC_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    for _ in range(5):
        _sign_in(client, "gp", "wrong-password-guess", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.9.9.9", **proxy)
    assert _sign_in(client, "gp", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code == 429
    assert _sign_in(Client(), "gp", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy).status_code == 302


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("198.51.100.1", "203.0.113.9", "198.51.100.1"),  # not a proxy: its header is ignored
    ("10.0.0.1", "203.0.113.9", "203.0.113.9"),
    ("10.0.0.1", "192.0.2.66, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # the left part is the client's to forge
    ("10.0.0.1", "not-an-address", "10.0.0.1"),
    ("10.0.0.1", "", "10.0.0.1"),
])
def test_the_client_address(rf, settings, peer, forwarded, expected):
    from peolc.core.signin import client_ip

    settings.PEOLC_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forwarded_proto_header_is_not_believed_by_default(client, db):
    response = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_the_forwarded_proto_header_is_believed_only_behind_a_tls_proxy():
    import subprocess
    import sys

    code = "import peolc.config.settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    env = {**os.environ, "DEBUG": "1", "PEOLC_BEHIND_TLS_PROXY": ""}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "None"
    env["PEOLC_BEHIND_TLS_PROXY"] = "1"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_an_idle_session_is_signed_out_with_a_reason(client, gp_user):
    assert _sign_in(client, "gp", PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["last_activity"] -= 31 * 60
    session.save()
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert b"You were signed out after 30 minutes of inactivity" in response.content
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.signed_out", details__reason="idle").exists()


def test_an_active_session_is_kept(client, gp_user, settings):
    settings.PEOLC_SESSION_IDLE_MINUTES = 5
    _sign_in(client, "gp", PASSWORD)
    session = client.session
    session["last_activity"] -= 4 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_signing_in_and_out_is_audited(client, gp_user):
    _sign_in(client, "gp", PASSWORD, REMOTE_ADDR="192.0.2.1")
    client.post(reverse("logout"))
    signed_in, signed_out = AuditEvent.objects.order_by("id").filter(action__startswith="auth.")
    assert (signed_in.action, signed_in.actor_username, signed_in.details) == (
        "auth.signed_in", "gp", {"method": "password", "source": "192.0.2.1"})
    assert (signed_out.action, signed_out.actor_username, signed_out.details) == (
        "auth.signed_out", "gp", {"reason": "user"})


def test_failed_sign_ins_and_pauses_are_audited_without_the_password(client, gp_user):
    for _ in range(5):
        _sign_in(client, "gp", "wrong-password-guess")
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed")
    assert failed.count() == 5
    assert failed[0].actor_username == "anonymous"
    assert failed[0].details["username"] == "gp" and failed[0].object_id == "gp"
    locked = AuditEvent.objects.get(action="auth.locked_out")
    assert locked.details == {"username": "gp", "source": "127.0.0.1"}
    assert not AuditEvent.objects.filter(details__icontains="wrong-password-guess").exists()
    assert "wrong-password-guess" not in str(list(AuditEvent.objects.values()))


def test_posts_without_a_csrf_token_are_refused(gp_user):
    client = Client(enforce_csrf_checks=True)
    response = _sign_in(client, "gp", "a-long-test-password-42")
    assert response.status_code == 403
    assert b"session has expired" in response.content


def test_pages_carry_security_headers(client, gp_user):
    client.force_login(gp_user)
    response = client.get(reverse("home"), secure=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inline_script_carries_this_responses_nonce(client):
    response = client.get(reverse("login"))
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.content
    assert client.get(reverse("login")).headers["Content-Security-Policy"] != response.headers[
        "Content-Security-Policy"
    ]


def test_session_and_csrf_cookies_are_secure_outside_debug(client, gp_user):
    response = _sign_in(client, "gp", "a-long-test-password-42")
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert Client().get(reverse("login")).cookies["csrftoken"]["secure"]


def test_request_logs_name_the_route_not_the_path(client, gp_user, caplog):
    client.force_login(gp_user)
    with caplog.at_level(logging.INFO, logger="peolc.request"):
        response = client.get(reverse("core:user-edit", args=["someone"]) + "?nhs=9990000018")
    record = next(r for r in caplog.records if r.name == "peolc.request" and r.getMessage() == "request")
    assert record.route == "admin/users/<str:username>/"
    assert record.status == 403
    from peolc.core.logging import JsonFormatter

    line = JsonFormatter().format(record)
    assert "9990000018" not in line and "someone" not in line
    assert json.loads(line)["request_id"] == response.headers["X-Request-ID"]


def test_a_well_formed_incoming_request_id_is_kept(client):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": "proxy-1234abcd"})
    assert response.headers["X-Request-ID"] == "proxy-1234abcd"
    response = client.get(reverse("healthz"), headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_pages_get_a_friendly_404(client, gp_user):
    client.force_login(gp_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_only_chart_pages_allow_inline_styles(rf):
    from django.http import HttpResponse

    from peolc.core.charts import allows_inline_styles
    from peolc.core.middleware import SecurityHeadersMiddleware

    def plain(request):
        return HttpResponse("plain")

    def policy(view) -> str:
        return SecurityHeadersMiddleware(view)(rf.get("/"))["Content-Security-Policy"]

    assert "style-src 'self';" in policy(plain)
    assert "style-src 'self' 'unsafe-inline';" in policy(allows_inline_styles(plain))
    assert "'unsafe-inline'" not in policy(allows_inline_styles(plain)).split("script-src")[1].split(";")[0]


def test_chart_figures_cannot_close_their_script_element():
    from peolc.core.charts import Chart

    chart = Chart(id="c", caption="x", data=[{"type": "bar", "x": ["</script><script>alert(1)</script>"], "y": [1]}])
    assert "</script>" not in chart.spec_json()
