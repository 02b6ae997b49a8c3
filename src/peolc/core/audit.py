"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from peolc.core import context
from peolc.core.models import AuditEvent, User


def record_event(
    actor: User | None,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    system_actor: str = "system",
) -> AuditEvent:
    """Append one event to the audit log.

    ``actor`` is None for the system's own work (loading data, scheduled jobs); ``system_actor`` then names it.
    A signed-out visitor is recorded as ``anonymous``.
    Callers inside a transaction get the event written or rolled back with the change it describes.
    """
    authenticated = actor is not None and actor.is_authenticated
    organisation = actor.organisation if authenticated else None
    return AuditEvent.objects.create(
        actor_username=actor.get_username() if authenticated else ("anonymous" if actor is not None else system_actor),
        actor_id=actor.pk if authenticated else None,
        actor_organisation=organisation.code if organisation else "",
        actor_role=actor.role if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        request_id=context.request_id.get(),
        details=details or {},
    )


REFUSED = "access.refused"


class RecordedRefusal(PermissionDenied):
    """A refusal already written to the audit log, so the 403 page does not write it again."""


def refuse(
    actor: User | None,
    message: str = "",
    *,
    action: str = REFUSED,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> RecordedRefusal:
    """Record that ``actor`` was refused something, and return the ``PermissionDenied`` to raise.

    Call it outside any transaction the refusal rolls back, or the record of it goes too. Refusals nobody recorded
    are written by the 403 page (``peolc.core.views.permission_denied``), so none goes unaudited.
    """
    record_event(actor, action, object_type=object_type, object_id=object_id, details=details)
    return RecordedRefusal(message)
