"""The event store's quick decoder makes the very domain events eventsourcing's mapper makes: for
every event class of the domain with any field values, for what a ledger really stores, and
(by handing over to the mapper) for what only the mapper can read."""

from __future__ import annotations

import dataclasses
import inspect
import typing
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.adapters.state_codec import pack, unpack
from ledger.app import Ledger
from ledger.domain import (
    access_request,
    activity,
    consent,
    disclosure,
    employment,
    erasure,
    recipient_notice,
    restriction,
)
from tests.builders import a_disclosure

DOMAIN = (
    access_request,
    activity,
    consent,
    disclosure,
    employment,
    erasure,
    recipient_notice,
    restriction,
)
# Set by the library for every event, or as the stored event's columns.
NOT_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def event_classes() -> list[type[Any]]:
    """Every event class of every aggregate of the domain."""
    found = []
    for module in DOMAIN:
        for aggregate in vars(module).values():
            if not (
                inspect.isclass(aggregate)
                and issubclass(aggregate, Aggregate)
                and aggregate.__module__ == module.__name__
            ):
                continue
            for event in vars(aggregate).values():
                is_event = inspect.isclass(event) and issubclass(event, Aggregate.Event)
                if is_event and own_fields(event):
                    found.append(event)
    return found


def own_fields(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {
        field.name: hints[field.name]
        for field in dataclasses.fields(cls)
        if field.name not in NOT_FIELDS
    }


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
# Integers past 64 bits and floats too: the quick way must hand those to the mapper or agree.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)


def values_of(annotation: Any) -> st.SearchStrategy[Any]:
    if annotation is str:
        return TEXT
    if annotation is int:
        return st.integers(min_value=-(2**70), max_value=2**70)
    if annotation is bool:
        return st.booleans()
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return st.lists(values_of(arguments[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(TEXT, JSON, max_size=4)
    if type(None) in arguments:
        (other,) = [argument for argument in arguments if argument is not type(None)]
        return st.none() | values_of(other)
    if annotation is Any:
        return JSON
    raise AssertionError(f"no strategy for {annotation!r}")


def events() -> st.SearchStrategy[Any]:
    def build(cls: type[Any]) -> st.SearchStrategy[Any]:
        extra = {"originator_topic": st.just("ledger.domain:x")}
        if "originator_topic" not in {field.name for field in dataclasses.fields(cls)}:
            extra = {}
        return st.builds(
            cls,
            originator_id=st.uuids(),
            originator_version=st.integers(min_value=1, max_value=2**31),
            timestamp=st.datetimes(timezones=st.just(UTC)),
            **extra,
            **{name: values_of(annotation) for name, annotation in own_fields(cls).items()},
        )

    return st.one_of([build(cls) for cls in event_classes()])


def same(one: Any, other: Any) -> bool:
    return type(one) is type(other) and vars(one) == vars(other)


def test_the_domain_has_the_event_classes_this_test_knows() -> None:
    found = set(event_classes())
    for module in DOMAIN:
        assert set(getattr(module, "EVENTS", ())) <= found, module.__name__
    assert {
        disclosure.Disclosure.DisclosureRecorded,
        disclosure.Disclosure.DisclosureCorrected,
        disclosure.Disclosure.DisclosureRetracted,
        *disclosure.SUPPRESSION_EVENTS,
    } <= found
    assert len(found) == 27


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events())
def test_any_event_of_the_domain_decodes_as_the_mapper_decodes_it(
    ledger: Ledger, event: Any
) -> None:
    stored = ledger.store.mapper.to_stored_event(event)
    quick = ledger.store.decoder(
        stored.originator_id, stored.originator_version, stored.topic, stored.state
    )
    assert same(quick, ledger.store.mapper.to_domain_event(stored))
    assert same(quick, event)


def test_every_stored_event_of_a_ledger_decodes_as_the_mapper_decodes_it(ledger: Ledger) -> None:
    receipts = ledger.recording.record_batch([a_disclosure(n) for n in range(1, 4)], actor="p")
    ledger.recording.correct(
        receipts[0].id, changes={"purpose": "Correctie"}, reason="clearer", actor="fg"
    )
    ledger.recording.retract(receipts[1].id, reason="in error", actor="fg")
    ledger.consents.give(
        subject_id="E-00001",
        consent_reference="form 7",
        purpose="Pensioen",
        given_at=datetime(2026, 1, 5, tzinfo=UTC),
        actor="fg",
    )
    with ledger.uow.read() as connection:
        table = ledger.store.table
        rows = connection.execute(
            sa.select(
                table.c.originator_id, table.c.originator_version, table.c.topic, table.c.state
            )
        ).all()
    assert len(rows) == 6
    for originator, version, topic, state in rows:
        originator = (
            originator if isinstance(originator, uuid.UUID) else uuid.UUID(bytes=originator)
        )
        stored = StoredEvent(originator, version, topic, bytes(state))
        quick = ledger.store.decoder(originator, version, topic, bytes(state))
        assert same(quick, ledger.store.mapper.to_domain_event(stored))


def a_stored_event(ledger: Ledger) -> StoredEvent:
    event = consent.Consent.ConsentWithdrawn(
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        withdrawn_at="2026-01-01",
        sealed_reason=None,
        actor="fg",
        subject_tag="t",
        commitment="c",
        salt="s",
    )
    return ledger.store.mapper.to_stored_event(event)


@pytest.mark.parametrize(
    "change",
    [
        # A transcoded value below the top level: only the mapper's object hook finds it.
        lambda state: state.replace(
            b'"actor":"fg"',
            b'"actor":{"x":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"}}',
        ),
        # A top-level object that only looks transcoded.
        lambda state: state.replace(b'"actor":"fg"', b'"actor":{"_type_":1,"_data_":2,"z":3}'),
        lambda state: state.replace(b'"actor":"fg"', b'"actor":123456789012345678901234567'),
        lambda state: state.replace(b'"actor":"fg"', b'"actor":NaN'),
    ],
    ids=["nested transcoding", "three keys", "long integer", "NaN"],
)
def test_what_the_quick_way_cannot_be_sure_of_decodes_as_the_mapper_decodes_it(
    ledger: Ledger, change: Any
) -> None:
    stored = a_stored_event(ledger)
    changed = change(unpack(stored.state))
    assert changed != unpack(stored.state)
    odd = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, pack(changed))
    quick = ledger.store.decoder(odd.originator_id, odd.originator_version, odd.topic, odd.state)
    assert same(quick, ledger.store.mapper.to_domain_event(odd))


@pytest.mark.parametrize(
    "state",
    [
        b"\x09not a state",
        pack(b"{not json"),
        pack(b'{"timestamp":{"_type_":"nothing known","_data_":1}}'),
        pack(b'{"timestamp":{"_type_":"datetime_iso","_data_":"not a date"}}'),
    ],
    ids=["unknown format", "not JSON", "unknown transcoding", "bad date"],
)
def test_what_the_mapper_refuses_the_quick_way_refuses_as_the_mapper_does(
    ledger: Ledger, state: bytes
) -> None:
    stored = a_stored_event(ledger)
    with pytest.raises(MapperDeserialisationError):
        ledger.store.mapper.to_domain_event(
            StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)
        )
    with pytest.raises(MapperDeserialisationError):
        ledger.store.decoder(stored.originator_id, stored.originator_version, stored.topic, state)
