"""The audit log's hash chain: how one event's hash is computed.

Each event stores the hash of the event before it and its own hash: SHA-256 over a canonical JSON serialisation of
its fields and that previous hash. Removing, inserting or altering any event breaks the chain from that point, which
`peolc audit verify` reports. The serialisation must never change: every stored hash depends on it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

# The "previous hash" of the first event in the log.
GENESIS_HASH = "0" * 64

# The fields a hash covers, in no particular order (the serialisation sorts them). The database id is left out: it
# is assigned after the hash is computed; ``position`` numbers the chain instead.
CHAINED_FIELDS = (
    "position", "event_id", "occurred_at", "actor_username", "actor_id", "actor_organisation", "actor_role",
    "action", "object_type", "object_id", "reason", "request_id", "details", "previous_hash",
)


def _plain(value: Any) -> Any:
    """A value as it reads back from either database, so a stored event hashes as it did when written."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    # PostgreSQL's jsonb prints 1e20 as 100000000000000000000, which reads back as an int.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def event_hash(fields: Mapping[str, Any]) -> str:
    """The SHA-256 hash (hex) of one event, given its chained fields (by name, from a model or a values() row)."""
    payload = {name: _plain(fields[name]) for name in CHAINED_FIELDS}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
