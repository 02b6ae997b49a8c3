"""The header is rendered once per distinct content and reused: it must still show each user their own name and
navigation, and sign-out must still work through the page's CSRF-protected form."""

import re

from django.test import Client
from django.urls import reverse


def _home(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client, client.get(reverse("home")).content.decode()


def _header(page: str) -> str:
    return page[page.index("<header"):page.index("</header>")]


def test_each_user_sees_their_own_name_organisation_and_navigation(make_user, ics):
    gp = make_user("gp", "gp", ics["practice"])
    gp.first_name, gp.last_name = "Gwen", "Parry"
    gp.save()
    analyst = make_user("analyst", "icb_analyst", ics["icb"])
    analyst.first_name, analyst.last_name = "Ade", "Nolan"
    analyst.save()

    _, gp_page = _home(gp)
    _, analyst_page = _home(analyst)
    _, gp_again = _home(gp)

    assert "Gwen Parry" in _header(gp_page) and ics["practice"].name in _header(gp_page)
    assert "Find a person" in _header(gp_page)
    assert "Ade Nolan" in _header(analyst_page) and "Gwen Parry" not in _header(analyst_page)
    assert "Find a person" not in _header(analyst_page)
    assert _header(gp_again) == _header(gp_page)


def test_the_header_carries_no_csrf_token_and_sign_out_posts_the_page_form(make_user, ics):
    client, page = _home(make_user("gp", "gp", ics["practice"]))
    assert "csrfmiddlewaretoken" not in _header(page)
    assert 'form="sign-out"' in _header(page)
    token = re.search(r'<form id="sign-out"[^>]*>.*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S).group(1)

    assert client.post(reverse("logout")).status_code == 403
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get(reverse("home")).status_code == 302
