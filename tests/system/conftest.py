"""Browser tests: Playwright drives Debian's Chromium against Django's live test server, and axe checks pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM in the test body is still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PEOLC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGUMENTS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-dev-shm-usage", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/system" in str(item.fspath):
            item.add_marker(pytest.mark.system)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (see .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGUMENTS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser tab on the live server. Cookies are not Secure-only here: the test server is plain HTTP."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url)
    context.route("https://**/*", lambda route: route.abort())  # nothing may leave the machine
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def demo_users(db, settings):
    """The demo organisations and one demo user per role, as `make demo` creates them."""
    from peolc.core.actions.organisations import load_organisations
    from peolc.core.demo import DEMO_ORGANISATIONS, create_demo_users

    settings.DEMO_MODE = True
    load_organisations(DEMO_ORGANISATIONS, system_actor="test")
    create_demo_users()
