"""Any member of staff: a wrong password, a forgotten password or an expired link, signing out, a missing page."""

import re

from browser_helpers import assert_accessible, sign_in
from playwright.sync_api import expect


def test_a_wrong_password_is_explained_and_accessible(page, demo_users):
    sign_in(page, "demo-gp", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_a_forgotten_password_is_reset_through_accessible_pages(page, demo_users):
    page.goto("/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email address").fill("demo-gp@example.nhs.uk")
    page.get_by_role("button", name="Send a reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)


def test_an_expired_set_password_link_says_what_to_do(page, db):
    page.goto("/password-reset/MQ/not-a-token/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert_accessible(page)


def test_signing_out_ends_the_session(page, demo_users):
    sign_in(page, "demo-coordinator")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))


def test_the_not_found_page_is_accessible(page, demo_users):
    sign_in(page, "demo-gp")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert_accessible(page)
