import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from peolc.core.auth import DEMO_PASSWORD


@pytest.fixture
def demo_gp(make_user, ics):
    return make_user("demo-gp", "gp", ics["practice"], password=DEMO_PASSWORD)


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


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


def test_repeated_failures_lock_the_username_out(client, gp_user):
    for _ in range(5):
        _sign_in(client, "gp", "wrong-password-guess")
    response = _sign_in(client, "gp", "a-long-test-password-42")
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


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
