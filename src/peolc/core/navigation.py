"""The primary navigation, filtered by what the signed-in user's role allows."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from peolc.core.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: Permission | None  # None: every signed-in user


# Later areas (register, dashboards, directory...) add their entries here, in the order users meet them.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "home", None),
    NavItem("Users", "core:user-list", Permission.MANAGE_USERS),
    NavItem("Organisations", "core:organisation-list", Permission.MANAGE_ORGANISATIONS),
    NavItem("Audit log", "core:audit-log", Permission.VIEW_AUDIT_LOG),
]


def navigation_for(user, current_path: str) -> list[dict]:
    """Navigation entries ``user`` may use, each ``{"text", "href", "current"}``."""
    if not user.is_authenticated:
        return []
    items = []
    for item in NAVIGATION:
        if item.permission is not None and not user.has_permission(item.permission):
            continue
        href = reverse(item.url_name)
        current = current_path == href if href == "/" else current_path.startswith(href)
        items.append({"text": item.label, "href": href, "current": current})
    return items
