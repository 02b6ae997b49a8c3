import re

import pytest
from browser_helpers import assert_accessible, sign_in
from playwright.sync_api import expect


def navigation_labels(page) -> list[str]:
    return [text.strip() for text in page.locator(".nhsuk-header__navigation-list a").all_inner_texts()]


def test_a_demo_gp_signs_in_and_sees_navigation_for_their_role(page, demo_users):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.get_by_text("Synthetic data only")).to_be_visible()
    assert_accessible(page)

    sign_in(page, "demo-gp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Asha Patel")
    expect(page.get_by_text("GP, Riverside Medical Centre")).to_be_visible()
    assert navigation_labels(page) == ["Home", "Find a service", "Find a person", "Register", "Worklists",
                                       "Finding people", "Population", "Outcomes", "Service gaps"]
    assert_accessible(page)
    assert page.console_errors == []


def test_an_administrator_sees_the_administration_pages(page, demo_users):
    sign_in(page, "demo-admin")
    assert navigation_labels(page) == ["Home", "Find a service", "Directory entries", "Users", "Organisations",
                                       "Audit log"]
    for label in ("Users", "Organisations", "Audit log"):
        page.locator(".nhsuk-header__navigation-list").get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        assert_accessible(page)


def test_a_wrong_password_is_explained_and_accessible(page, demo_users):
    sign_in(page, "demo-gp", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_an_administrator_adds_a_user_after_correcting_mistakes(page, demo_users):
    sign_in(page, "demo-admin")
    page.goto("/admin/users/new/")
    page.get_by_label("Username").fill("nurse.new")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Jones")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Organisation").select_option(label="Riverside Medical Centre (Y90001)")
    page.get_by_label("Role").select_option("community_nurse")
    expect(page.get_by_label("Password")).to_have_count(0)  # administrators never set passwords
    page.get_by_role("button", name="Save").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a valid email address")
    assert_accessible(page)

    page.get_by_label("Email address").fill("nia.jones@example.nhs.uk")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("emailed a link to set their password")).to_be_visible()
    expect(page.get_by_role("link", name="nurse.new")).to_be_visible()


def test_signing_out_ends_the_session(page, demo_users):
    sign_in(page, "demo-coordinator")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/"])
def test_public_pages_are_accessible(page, db, path):
    page.goto(path)
    assert_accessible(page)


def test_the_not_found_page_is_accessible(page, demo_users):
    sign_in(page, "demo-gp")
    response = page.goto("/no-such-page/")
    assert response.status == 404
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
