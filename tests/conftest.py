"""Fixtures shared by every test layer."""

from __future__ import annotations

import pytest

from peolc.core.auth import DEMO_PASSWORD


@pytest.fixture
def make_organisation(db):
    """Create an organisation (and, on request, its parents) without going through an action."""
    from peolc.core.models import Organisation

    def make(code: str, type: str, parent=None, name: str | None = None):
        return Organisation.objects.create(code=code, type=type, parent=parent, name=name or f"Org {code}")

    return make


@pytest.fixture
def ics(make_organisation):
    """A tiny ICS: ICB → locality → PCN → two practices, plus a hospice and a 111 service."""
    icb = make_organisation("QXX", "icb")
    locality = make_organisation("QXX01", "locality", icb)
    pcn = make_organisation("U99001", "pcn", locality)
    return {
        "icb": icb,
        "locality": locality,
        "pcn": pcn,
        "practice": make_organisation("Y99001", "gp_practice", pcn),
        "other_practice": make_organisation("Y99002", "gp_practice", pcn),
        "hospice": make_organisation("NXX01", "hospice", locality),
        "urgent_care": make_organisation("NXX02", "urgent_care", icb),
    }


@pytest.fixture
def make_user(db, ics):
    """Create a user with a role in one of the tiny ICS's organisations (the ICB by default)."""
    from peolc.core.models import User

    def make(username: str, role: str, organisation=None, password: str = "a-long-test-password-42"):
        user = User(username=username, role=role, organisation=organisation or ics["icb"],
                    first_name=username.title(), last_name="Tester", email=f"{username}@example.nhs.uk")
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", "system_administrator")


@pytest.fixture
def gp_user(make_user, ics):
    return make_user("gp", "gp", ics["practice"])


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD
