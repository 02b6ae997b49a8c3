"""Writing to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from peolc.core import context
from peolc.core.audit_chain import CHAINED_FIELDS, GENESIS_HASH, event_hash
from peolc.core.models import AuditChainHead, AuditEvent, User


def record_event(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int | UUID = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    system_actor: str = "system",
) -> AuditEvent:
    """Append one event to the audit log.

    ``actor`` is None for the system's own work (loading data, scheduled jobs); ``system_actor`` then names it.
    A signed-out visitor is recorded as ``anonymous``.
    Callers inside a transaction get the event written or rolled back with the change it describes. The event
    locks the audit chain's head until that transaction ends, so an action takes every row lock it needs before
    its first event: a row lock taken after it can deadlock with another action waiting for the head.
    """
    # Only a signed-in user is a User; a signed-out visitor is an AnonymousUser.
    user = actor if isinstance(actor, User) else None
    organisation = user.organisation if user else None
    return AuditEvent.objects.create(
        actor_username=user.get_username() if user else ("anonymous" if actor is not None else system_actor),
        actor_id=user.pk if user else None,
        actor_organisation=organisation.code if organisation else "",
        actor_role=user.role if user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        request_id=context.request_id.get(),
        details=details or {},
    )


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: how many events it checked, and the first break in the chain if any."""

    events: int
    head_hash: str
    event_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_chain(using: str = "default") -> ChainReport:
    """Walk the audit log in id order and check every event's hash and its link to the event before it.

    Streams the log, so memory does not grow with it. Reports the first break: an event whose contents no longer
    match its hash (altered), a gap in positions or a previous hash that does not match (events removed or
    inserted), or a chain head that does not match the last event (events removed from the end).
    """
    position, previous_hash, previous_id, count = 0, GENESIS_HASH, None, 0
    rows = AuditEvent.objects.using(using).order_by("id").values("id", "hash", *CHAINED_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        count += 1
        event_id = row["id"]
        after = f"event {previous_id}" if previous_id is not None else "the start of the log"
        if event_hash(row) != row["hash"]:
            return ChainReport(count, previous_hash, event_id,
                               f"event {event_id} does not match its hash: the event was altered")
        if row["position"] != position + 1:
            missing = row["position"] - position - 1
            return ChainReport(count, previous_hash, event_id,
                               f"event {event_id} is at chain position {row['position']} but follows {after} at "
                               f"position {position}: " + (f"{missing} event(s) removed before it" if missing > 0
                                                           else "positions out of order"))
        if row["previous_hash"] != previous_hash:
            return ChainReport(count, previous_hash, event_id,
                               f"event {event_id} does not link to {after}: events removed or altered before it")
        position, previous_hash, previous_id = row["position"], row["hash"], event_id
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    head_position, head_hash = (head.position, head.hash) if head else (0, GENESIS_HASH)
    if (head_position, head_hash) != (position, previous_hash):
        last = f"event {previous_id} (position {position})" if previous_id is not None else "no events"
        return ChainReport(count, previous_hash, previous_id,
                           f"the chain head records {head_position} event(s) but the log ends at {last}: "
                           + ("events removed from the end" if head_position > position else "the head was altered"))
    return ChainReport(count, previous_hash)


REFUSED = "access.refused"


class RecordedRefusal(PermissionDenied):
    """A refusal already written to the audit log, so the 403 page does not write it again."""


def refuse(
    actor: User | AnonymousUser | None,
    message: str = "",
    *,
    action: str = REFUSED,
    object_type: str = "",
    object_id: str | int | UUID = "",
    details: dict[str, Any] | None = None,
) -> RecordedRefusal:
    """Record that ``actor`` was refused something, and return the ``PermissionDenied`` to raise.

    Call it outside any transaction the refusal rolls back, or the record of it goes too. Refusals nobody recorded
    are written by the 403 page (``peolc.core.views.permission_denied``), so none goes unaudited.
    """
    record_event(actor, action, object_type=object_type, object_id=object_id, details=details)
    return RecordedRefusal(message)
