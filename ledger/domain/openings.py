"""The canonical plaintext an event of a person's aggregate (access request, consent, recipient
notice) commits to: its clear fields and its sealed ones opened; sorted keys, no spaces, UTF-8."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

# Fields of a stored event that are not part of what its commitment binds: the event's own
# identity and time, and the commitment itself. Sealed values are bound as their plaintext.
NOT_COMMITTED = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "commitment", "salt"}
)


def aggregate_opening(
    kind: str,
    aggregate_id: UUID,
    *,
    version: int,
    event_type: str,
    fields: Mapping[str, Any],
    secret: Mapping[str, Any],
    sealed_fields: frozenset[str],
) -> bytes:
    """`kind` names the aggregate (`request`, `consent`, `notice`): the key of its id."""
    left_out = NOT_COMMITTED | sealed_fields
    return json.dumps(
        {
            kind: str(aggregate_id),
            "version": version,
            "event": event_type,
            "fields": {key: value for key, value in fields.items() if key not in left_out},
            "secret": dict(secret),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
