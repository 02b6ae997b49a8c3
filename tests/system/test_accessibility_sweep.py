"""Every page without a parameter in its address, opened by a role allowed to see it, passes axe.

Pages about one person or one record are covered by the journeys in the other browser tests.
"""

import pytest
from browser_helpers import assert_accessible, sign_in
from django.urls import URLPattern, URLResolver, get_resolver

PASSWORD = "a-long-test-password-42"
# Who opens which pages: the first role in this list that gets a 200 is used.
ROLES = [("sweep.gp", "gp", "practice"), ("sweep.analyst", "icb_analyst", "icb"),
         ("sweep.admin", "system_administrator", "icb"), ("sweep.editor", "directory_editor", "hospice"),
         ("sweep.privacy", "privacy_officer", "icb")]
# The OpenID Connect addresses only redirect to and from the identity provider (tested in test_oidc_sign_in.py).
NOT_PAGES = (".csv", "api/", "sign-out/", "healthz", "sign-in/oidc/")


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


PAGES = sorted({"/" + r for r in _routes(get_resolver().url_patterns)
                if "<" not in r and not any(marker in r for marker in NOT_PAGES)})


@pytest.fixture
def people(db, ics, make_user, loaded):
    return {username: make_user(username, role, ics[where], password=PASSWORD) for username, role, where in ROLES}


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(page, people, path):
    for username, _, _ in ROLES:
        page.context.clear_cookies()
        sign_in(page, username, PASSWORD)
        response = page.goto(path)
        if response.status == 200:
            assert_accessible(page)
            return
    pytest.fail(f"no role could open {path}")
