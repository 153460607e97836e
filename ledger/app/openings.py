"""A recorded disclosure's opening for a proof bundle, the quick way.

Most of a heavy person's bundle is disclosures with one event each. Their opening is the
canonical JSON of the document `disclosure.opening_document` builds, and the long way to it
decodes the event into its class, opens the sealed fields into a dict and encodes the whole
document again (`Integrity._replay_opening`). Here the parts are encoded apart and joined in the
canonical order of their keys, the sealed fields as their own bytes: the vault seals them as
sorted, compact JSON, which is the canonical encoding wherever it escapes nothing with `\\u`.

Nothing here has to be exact to be safe: the bytes are checked against the commitment the
event itself carries, and on any difference (a number orjson reads otherwise, an escape, a
format this does not know) the caller takes the long way, which gives what it always gave.
"""

from __future__ import annotations

from uuid import UUID

import orjson

from ledger.adapters.event_store import EventDecoder
from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.sealing import salt_context
from ledger.domain.disclosure import Disclosure
from ledger.integrity.leaves import commitment

_SORTED = orjson.OPT_SORT_KEYS
_ESCAPE = b"\\u"


def recorded_opening(
    vault: SubjectVault,
    decoder: EventDecoder,
    key: SubjectKey,
    row: tuple[int, UUID, int, str, bytes],
) -> tuple[bytes, bytes] | None:
    """The opening and the salt of a stored `DisclosureRecorded` event, checked against its
    commitment; None for any other event, or where the long way must answer."""
    _, disclosure_id, version, topic, stored = row
    values = decoder.rough_values(disclosure_id, topic, stored, of=Disclosure.DisclosureRecorded)
    if values is None:
        return None
    try:
        secret = vault.open_bytes(key, disclosure_id.bytes, values["sealed"])
        if _ESCAPE in secret:
            secret = orjson.dumps(orjson.loads(secret), option=_SORTED)
        opening = b"".join(
            (
                b'{"clear":',
                orjson.dumps(values["fields"], option=_SORTED),
                b',"disclosure":"',
                str(disclosure_id).encode(),
                b'","event":"DisclosureRecorded","reason":null,"retraction":null,"secret":',
                secret,
                b',"version":',
                str(version).encode(),
                b"}",
            )
        )
        salt = vault.open_bytes(key, salt_context(disclosure_id, version), values["salt"])
        if commitment(salt, opening).hex() != values["commitment"]:
            return None
    except Exception:  # the long way answers, or raises its own error for the same event
        return None
    return opening, salt
