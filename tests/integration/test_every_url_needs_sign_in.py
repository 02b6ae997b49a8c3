"""Every URL is behind sign-in except an explicit public list, and every admin page is behind its permission."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_ROUTES = {"healthz", "accessibility/", "privacy/", "sign-in/",
                 # Forgotten passwords and one-time links; signing in through the identity provider (404 when off).
                 "password-reset/", "password-reset/sent/", "password-reset/complete/",
                 "password-reset/<uidb64>/<token>/", "sign-in/oidc/start/", "sign-in/oidc/callback/",
                 # The directory's public search and its read-only Open Referral UK API.
                 "directory/", "directory/services/<uuid:pk>/", "directory/api/", "directory/api/openapi.json",
                 "directory/api/services", "directory/api/services/<service_id>", "directory/api/service_at_locations",
                 "directory/api/service_at_locations/<sal_id>", "directory/api/organizations",
                 "directory/api/organizations/<organization_id>", "directory/api/taxonomies",
                 "directory/api/taxonomy_terms"}
SAMPLE_ARGUMENTS = {"str": "example", "int": "1", "slug": "example", "uuid": "00000000-0000-0000-0000-000000000000",
                    "path": "example"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _concrete(route: str) -> str:
    import re

    def fill(match):
        converter = match.group(1) or "str"
        return SAMPLE_ARGUMENTS[converter]

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


ALL_ROUTES = sorted(route for route, _ in _walk(get_resolver().url_patterns))


def test_the_public_list_names_real_routes():
    assert set(ALL_ROUTES) >= PUBLIC_ROUTES


@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if r not in PUBLIC_ROUTES])
def test_anonymous_users_are_sent_to_sign_in(client, db, route):
    response = client.get(_concrete(route))
    assert response.status_code == 302, route
    assert response.headers["Location"].startswith("/sign-in/?next="), route


@pytest.mark.parametrize("route", sorted(PUBLIC_ROUTES))
def test_public_pages_open_without_signing_in(client, db, route):
    # A public page of one record answers 404 for the made-up sample id: not found, but not behind sign-in either.
    expected = {200, 404} if "<" in route or route.startswith("sign-in/oidc/") else {200}
    assert client.get(_concrete(route)).status_code in expected, route


@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if r.startswith("admin/")])
def test_administration_pages_refuse_clinicians(client, gp_user, route):
    client.force_login(gp_user)
    assert client.get(_concrete(route)).status_code == 403, route
