"""Clinicians with no care relationship: urgent care opens the emergency summary only; a hospital clinician
is refused, breaks glass, and the privacy officer reviews it."""

import re

from browser_helpers import add_person, assert_accessible, sign_in, valid_nhs_number
from playwright.sync_api import expect


def test_urgent_care_opens_the_emergency_summary_but_not_the_full_record(page, demo_users):
    sign_in(page, "demo-gp")
    record_url = add_person(page, valid_nhs_number(2), "Summary")
    person_path = re.search(r"/register/people/[0-9a-f-]+/", record_url).group(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-urgent-care")
    page.goto("/register/find/")
    page.get_by_label("NHS number").fill(valid_nhs_number(2))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 person found")).to_be_visible()
    assert_accessible(page)
    # Urgent care has no relationship with the person: the search offers the summary without saying who it is.
    expect(page.get_by_text("Margaret SUMMARY")).to_have_count(0)
    page.get_by_role("link", name="Open the emergency summary").click()
    expect(page.get_by_role("heading", name="Emergency summary")).to_be_visible()
    expect(page.get_by_text("No ReSPECT or CPR decision is recorded")).to_be_visible()
    assert_accessible(page)

    response = page.goto(person_path)
    assert response.status == 403
    expect(page.get_by_role("button", name="Open the emergency summary")).to_be_visible()


def test_an_unrelated_clinician_is_refused_then_breaks_glass(page, demo_users):
    sign_in(page, "demo-gp")
    record_url = add_person(page, valid_nhs_number(3), "Glass")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-hospital")
    response = page.goto(record_url)
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this record")
    assert_accessible(page)
    page.get_by_role("button", name="Get emergency access (break glass)").click()
    page.get_by_label("Why do you need to see this record now?").fill("short")
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    assert_accessible(page)
    page.get_by_label("Why do you need to see this record now?").fill(
        "Admitted unconscious to ED, need ReSPECT decision"
    )
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_text("You are viewing this record through break-glass")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo-privacy-officer")
    page.goto("/register/break-glass/")
    expect(page.get_by_text("Admitted unconscious to ED")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Appropriate", exact=True).check()
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()
