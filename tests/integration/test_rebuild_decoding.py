"""A rebuild reads a new disclosure's row straight from its stored bytes (`projector._stored_row`),
not through eventsourcing's mapper: for every shape of disclosure, as stored on each backend, that
gives exactly the row, the values and the summaries the mapper's event gives."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.app import Ledger
from ledger.domain.disclosure import Disclosure, clear_payload
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer
from ledger.projections import projector
from ledger.projections.projector import Prepared, Segment, StoredRow
from ledger.projections.tables import TERM_COLUMNS
from tests.builders import AMSTERDAM, a_disclosure

# Text as people type it, with what JSON must escape and what looks like the transcoder's own
# marker: a string holding `"_type_"` is escaped in the stored JSON and stays a plain string.
TRICKY = [
    '"_type_"',
    '{"_type_":"datetime_iso","_data_":"x"}',
    "back\\slash",
    "tab\tline\n",
    "€ ü ß 漢",
]


def text(max_size: int) -> st.SearchStrategy[str]:
    typed = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=max_size,
    )
    return typed | st.sampled_from([value[:max_size] for value in TRICKY])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


ZONES = st.sampled_from([UTC, AMSTERDAM, timezone(timedelta(hours=-5, minutes=-30))])


@st.composite
def facts(draw: st.DrawFn) -> DisclosureFacts:
    """Any disclosure the payload can hold: every optional field present or not."""
    activity = draw(optional(st.tuples(text(20), st.integers(1, 10**6))))
    suppressed = draw(st.booleans())
    return DisclosureFacts(
        controller=draw(st.text(alphabet="0123456789", min_size=8, max_size=8)),
        subject=Subject(id="E-1", kind=draw(st.sampled_from(["employee", "zzp", "candidate"]))),
        recipient=Recipient(
            category=draw(text(30)),
            name=draw(text(60)),
            id=draw(optional(text(30))),
            country=draw(optional(st.sampled_from(["NL", "BE", "US"]))),
        ),
        data_categories=tuple(draw(st.lists(text(20), min_size=1, max_size=4, unique=True))),
        legal_basis=draw(st.sampled_from(["legal_obligation", "contract", "consent"])),
        purpose=draw(text(80)),
        occurred_at=draw(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=ZONES)),
        source=Source(draw(text(20)), "ref"),
        special_category_condition=draw(optional(text(30))),
        legal_provision=draw(optional(text(80))),
        consent_reference=draw(optional(text(60))),
        transfer=draw(optional(st.builds(Transfer, st.sampled_from(["US", "IN"]), text(30)))),
        suppressed_until=draw(st.dates(date(2000, 1, 1), date(2100, 1, 1))) if suppressed else None,
        suppression_authority=draw(text(40)) if suppressed else None,
        restriction_ground=draw(optional(text(30))),
        activity=activity[0] if activity else None,
        activity_version=activity[1] if activity else None,
    )


def recorded(facts: DisclosureFacts, **fields: Any) -> Disclosure.DisclosureRecorded:
    """The event a batch stores for these facts (opaque parts random, of their real shape)."""
    return Disclosure.recorded(
        disclosure_id=uuid.uuid4(),
        fields={**clear_payload(facts), **fields},
        sealed=base64.b64encode(os.urandom(120)).decode(),
        subject_tag=os.urandom(16).hex(),
        digest=os.urandom(32).hex(),
        actor="test",
        commitment=os.urandom(32).hex(),
        salt=base64.b64encode(os.urandom(60)).decode(),
    )


def stored(ledger: Ledger, events: Sequence[Any]) -> list[StoredRow]:
    """Store the events as any write does (with their read models and leaves), then read them
    back as a rebuild reads the log."""
    with ledger.uow.write() as connection:
        after = ledger.maintenance._raw_pages(connection)
        last = max((page[-1][0] for page in after), default=0)
        ledger.uow.save_events(connection, events)
    with ledger.uow.write() as connection:
        return [row for page in ledger.maintenance._raw_pages(connection, last) for row in page]


def by_mapper(ledger: Ledger, rows: Sequence[StoredRow]) -> list[dict[str, Any]]:
    decode = ledger.maintenance._decode
    return [projector._recorded_row(row[0], decode(row)) for row in rows]


def same(direct: Any, mapped: Any) -> bool:
    """Equal, and of the same types and time zones (equal datetimes in two zones are ==)."""
    return bool(direct == mapped) and repr(direct) == repr(mapped)


def comparable(segments: Sequence[Segment]) -> list[Any]:
    return [
        (segment.values, vars(segment.summaries)) if isinstance(segment, Prepared) else segment
        for segment in segments
    ]


def prepared_by_mapper(
    ledger: Ledger, rows: Sequence[StoredRow], monkeypatch: pytest.MonkeyPatch
) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(projector, "DIRECT_TOPICS", frozenset())
        return comparable(projector.prepare(rows, ledger.maintenance._decode))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shapes=st.lists(facts(), min_size=1, max_size=6))
def test_a_new_disclosure_read_from_its_stored_bytes_is_the_row_of_its_event(
    ledger: Ledger, shapes: list[DisclosureFacts], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = stored(ledger, [recorded(shape) for shape in shapes])
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert len(rows) == len(shapes)

    direct = [projector._stored_row(row) for row in rows]

    assert None not in direct
    assert same(direct, by_mapper(ledger, rows))
    assert same(
        comparable(projector.prepare(rows, ledger.maintenance._decode)),
        prepared_by_mapper(ledger, rows, monkeypatch),
    )


def test_a_value_the_transcoder_encoded_goes_through_the_mapper(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No disclosure holds one today; if one did, only the mapper would decode it as it was.
    odd = recorded(a_disclosure(), source_system=uuid.uuid4())
    plain = recorded(a_disclosure(2))
    with ledger.uow.write() as connection:
        ledger.store.events.put([odd, plain])
        rows = [row for page in ledger.maintenance._raw_pages(connection) for row in page]

    assert projector._stored_row(rows[0]) is None
    assert projector._stored_row(rows[1]) is not None
    segments = projector.prepare(rows, ledger.maintenance._decode)
    assert same(comparable(segments), prepared_by_mapper(ledger, rows, monkeypatch))
    assert isinstance(segments[0], Prepared)
    terms = segments[0].term_sets[segments[0].values[0][DISCLOSURE_COLUMN["terms"]]]
    assert terms[TERM_COLUMNS.index("source_system")] == odd.fields["source_system"]


DISCLOSURE_COLUMN = {name: index for index, name in enumerate(projector.DISCLOSURE_COLUMNS)}


def test_a_state_stored_before_the_codec_is_read_the_same(ledger: Ledger) -> None:
    rows = stored(ledger, [recorded(a_disclosure())])
    position, originator, version, topic, _state = rows[0]
    event = ledger.maintenance._decode(rows[0])
    # What a ledger stored before `state_codec`: the transcoder's JSON as it is.
    plain = ledger.store.mapper.transcoder.encode(
        {name: value for name, value in vars(event).items() if not name.startswith("originator_")}
        | {"originator_topic": event.originator_topic}
    )
    assert plain.startswith(b"{")
    old = (position, originator, version, topic, plain)

    assert same(projector._stored_row(old), projector._recorded_row(position, event))


@pytest.mark.parametrize(
    "broken",
    [
        lambda state: state[:-3],
        lambda state: state.replace(b'"fields"', b'"fieldz"'),
        lambda state: state.replace(b'"datetime_iso"', b'"datetime_isx"'),
    ],
    ids=["not JSON", "a field missing", "another timestamp type"],
)
def test_a_state_the_direct_path_cannot_read_is_left_to_the_mapper(
    ledger: Ledger, broken: Any
) -> None:
    rows = stored(ledger, [recorded(a_disclosure())])
    position, originator, version, topic, _state = rows[0]
    event = ledger.maintenance._decode(rows[0])
    plain = json.dumps(
        {"timestamp": {"_type_": "datetime_iso", "_data_": event.timestamp.isoformat()}}
        | {"fields": event.fields, "sealed": event.sealed, "subject_tag": event.subject_tag},
        separators=(",", ":"),
    ).encode()
    assert projector._stored_row((position, originator, version, topic, plain)) is not None

    assert projector._stored_row((position, originator, version, topic, broken(plain))) is None
