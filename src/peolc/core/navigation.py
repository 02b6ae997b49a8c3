"""The primary navigation, filtered by what the signed-in user's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from peolc.core.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: Permission | None  # None: every signed-in user


# Each area (register, finding, outcomes, directory) adds its entries here, in the order users meet them.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "home", None),
    NavItem("Find a service", "directory:search", None),
    NavItem("Find a person", "register:find", Permission.VIEW_RECORD),
    NavItem("Register", "register:list", Permission.VIEW_REGISTER_LISTS),
    NavItem("Worklists", "register:worklists", Permission.VIEW_REGISTER_LISTS),
    NavItem("Finding people", "finding:candidates", Permission.VIEW_CANDIDATES),
    NavItem("Population", "finding:population", Permission.VIEW_AGGREGATE_DATA),
    NavItem("Outcomes", "outcomes:overview", Permission.VIEW_AGGREGATE_DATA),
    NavItem("Service gaps", "directory:gaps", Permission.VIEW_AGGREGATE_DATA),
    NavItem("Directory entries", "directory:manage", Permission.MANAGE_DIRECTORY),
    NavItem("Break-glass review", "register:break-glass-review-list", Permission.REVIEW_BREAK_GLASS),
    NavItem("Users", "core:user-list", Permission.MANAGE_USERS),
    NavItem("Organisations", "core:organisation-list", Permission.MANAGE_ORGANISATIONS),
    NavItem("Audit log", "core:audit-log", Permission.VIEW_AUDIT_LOG),
]


def navigation_for(user, current_path: str) -> list[dict]:
    """Navigation entries ``user`` may use, each ``{"text", "href", "current"}``."""
    if not user.is_authenticated:
        return []
    items: list[dict[str, Any]] = [
        {"text": item.label, "href": reverse(item.url_name), "current": False}
        for item in NAVIGATION
        if item.permission is None or user.has_permission(item.permission)
    ]
    # The current entry is the one whose address is the longest prefix of this page's.
    matches = [
        i for i in items if current_path == i["href"] or (i["href"] != "/" and current_path.startswith(i["href"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["href"]))["current"] = True
    return items


def header_for(request) -> dict:
    """The NHS.UK header's parameters for this request: service name, navigation and, when signed in, who is signed
    in with a sign-out button (it submits the page's ``sign-out`` form, which carries the CSRF token)."""
    user = request.user
    params = {
        "service": {"text": "Palliative and end of life care", "href": reverse("home")},
        "logo": {"href": reverse("home")},
        "navigation": {"items": navigation_for(user, request.path)},
    }
    if user.is_authenticated:
        params["account"] = {"items": [
            {"text": user.get_full_name() or user.username, "icon": True},
            {"text": user.organisation.name if user.organisation else "No organisation"},
            {"html": '<button class="nhsuk-header__account-button" form="sign-out">Sign out</button>'},
        ]}
    return params
