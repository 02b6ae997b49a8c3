"""Helpers the browser tests share: signing in through the real form, axe accessibility checks, and the steps several
roles' journeys start with (adding a person to the register)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from peolc import nhs_number

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def sign_in(page, username: str, password: str = "peolc-demo-only") -> None:
    """Sign in through the real form."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_accessible(page) -> None:
    """Run axe on the current page and fail on any serious or critical violation, naming the elements."""
    # Evaluated through the DevTools protocol rather than added as a <script>, which our CSP rightly blocks.
    page.evaluate(AXE_SCRIPT.read_text() + "\n;true")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in serious
    )
    assert not serious, f"axe found problems on {page.url}:\n{report}"


def navigation_labels(page) -> list[str]:
    """The labels of the header's navigation links, in order."""
    return [text.strip() for text in page.locator(".nhsuk-header__navigation-list a").all_inner_texts()]


def valid_nhs_number(seed: int) -> str:
    """A valid synthetic NHS number (999 range), different for each seed."""
    for prefix in range(999000000 + seed * 100, 999000000 + seed * 100 + 100):
        digit = nhs_number.check_digit(str(prefix))
        if digit is not None:
            return f"{prefix}{digit}"
    raise AssertionError("no valid number")


def fill_date(page, name: str, day: int, month: int, year: int) -> None:
    """Fill a GOV.UK-style date input (day, month, year boxes)."""
    for part, value in (("day", day), ("month", month), ("year", year)):
        page.locator(f"input[name='{name}[{part}]']").fill(str(value))


def add_person(page, number: str, family_name: str = "Example") -> str:
    """Add a person to the register through the form, as a signed-in clinician; the address of their record."""
    page.goto("/register/add/")
    page.get_by_label("NHS number").fill(number)
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill(family_name)
    fill_date(page, "person-date_of_birth", 14, 2, 1941)
    page.get_by_label("Female").check()
    page.get_by_label("Postcode").fill("LE2 1AA")
    page.get_by_label("Identification route").select_option("clinician")
    page.get_by_label("Months").check()
    page.get_by_label("Main diagnosis").select_option("heart_failure")
    page.get_by_label("Consent given").check()
    page.get_by_role("button", name="Add to register").click()
    expect(page.get_by_text("has been added to the register")).to_be_visible()
    return page.url
