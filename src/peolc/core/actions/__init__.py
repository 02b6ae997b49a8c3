"""Use cases: one function each, which checks permission, validates, writes in one transaction and audits.

Views and commands call these and nothing else to change data, so every write is checked and leaves a trail.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from peolc.core.models import User
from peolc.core.permissions import Permission


def require_permission(actor: User | None, permission: Permission) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` is signed in and holds ``permission``."""
    if actor is None or not actor.is_authenticated or not actor.has_permission(permission):
        raise PermissionDenied(f"You do not have permission to {permission.value.replace('_', ' ')}.")


def _audit_value(value):
    """How a field's value is written in the audit log: related objects by their code or username."""
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "get_username"):
        return value.get_username()
    return value


def apply_changes(instance, changes: dict, *, allowed: tuple[str, ...], validate) -> dict:
    """Set ``changes`` on ``instance``, validate it, and return what changed as ``{field: {from, to}}``.

    Raises ``ValueError`` for fields the use case does not allow to change; nothing is saved here.
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}.")
    before = {field: _audit_value(getattr(instance, field)) for field in changes}
    for field, value in changes.items():
        setattr(instance, field, value.strip() if isinstance(value, str) else value)
    validate(instance)
    after = {field: _audit_value(getattr(instance, field)) for field in changes}
    return {field: {"from": before[field], "to": after[field]} for field in changes if before[field] != after[field]}
