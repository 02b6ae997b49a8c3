"""Helpers the browser tests share: signing in through the real form, and axe accessibility checks."""

from __future__ import annotations

from pathlib import Path

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
