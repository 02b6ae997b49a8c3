"""A system administrator: the administration pages, and adding a user."""

from browser_helpers import assert_accessible, navigation_labels, sign_in
from playwright.sync_api import expect


def test_an_administrator_sees_the_administration_pages(page, demo_users):
    sign_in(page, "demo-admin")
    assert navigation_labels(page) == ["Home", "Find a service", "Directory entries", "Users", "Organisations",
                                       "Audit log"]
    for label in ("Users", "Organisations", "Audit log"):
        page.locator(".nhsuk-header__navigation-list").get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
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
