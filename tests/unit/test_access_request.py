"""The rules of an access request, as a table: each row a step and the exact error it gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.domain.access_request import (
    AccessRequest,
    judge_extension,
    judge_notice,
    judge_opening,
    request_opening,
    sealed_text,
)
from ledger.domain.errors import AccessRequestConflict, InvalidChange

# 1 March 2026 00:30 in Amsterdam is still 28 February in UTC: rules count Dutch dates.
NOW = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
DUE = date(2026, 3, 2)
EXTENDED = date(2026, 4, 30)


def _at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "channel", "error"),
    [
        (date(2026, 1, 31), "email", None),
        (date(2026, 3, 1), "letter", None),  # today in Amsterdam, tomorrow's date in UTC
        (date(2026, 3, 2), "email", {"received_at": "may not be in the future (Dutch date)"}),
        (date(2018, 5, 25), "web_form", None),
        (
            date(2018, 5, 24),
            "in_person",
            {"received_at": "may not be before 2018-05-25 (the GDPR's application)"},
        ),
        (
            date(2026, 1, 31),
            "fax",
            {"channel": "must be one of email, letter, web_form, in_person"},
        ),
    ],
)
def test_opening_rules(received: date, channel: str, error: dict[str, str] | None) -> None:
    if error is None:
        judge_opening(received_on=received, channel=channel, now=NOW)
        return
    with pytest.raises(InvalidChange) as refused:
        judge_opening(received_on=received, channel=channel, now=NOW)
    assert refused.value.errors == error


Judge = Callable[[], object]


@pytest.mark.parametrize(
    ("judge", "error_type", "errors"),
    [
        (
            lambda: judge_extension(
                state="open", due=DUE, due_extended=None, reason="many files", now=_at(2)
            ),
            None,
            None,
        ),
        (
            lambda: judge_extension(
                state="open", due=DUE, due_extended=None, reason="many files", now=_at(3)
            ),
            AccessRequestConflict,
            {"due": "an extension is allowed only until the first deadline, 2026-03-02"},
        ),
        (
            lambda: judge_extension(
                state="open", due=DUE, due_extended=EXTENDED, reason="again", now=_at(1)
            ),
            AccessRequestConflict,
            {"due_extended": "the deadline was extended before: once only"},
        ),
        (
            lambda: judge_extension(state="open", due=DUE, due_extended=None, reason=" ", now=NOW),
            InvalidChange,
            {"reason": "is required"},
        ),
        (
            lambda: judge_extension(
                state="answered", due=DUE, due_extended=None, reason="late", now=NOW
            ),
            AccessRequestConflict,
            {"state": "the request is answered, no longer open"},
        ),
        (
            lambda: judge_notice(
                state="open", due=DUE, due_extended=EXTENDED, told_on=DUE, now=_at(5)
            ),
            None,
            None,
        ),
        (
            lambda: judge_notice(
                state="open", due=DUE, due_extended=EXTENDED, told_on=date(2026, 3, 3), now=_at(5)
            ),
            AccessRequestConflict,
            {"told_on": "the person must be told within the first month, by 2026-03-02"},
        ),
        (
            lambda: judge_notice(
                state="open", due=DUE, due_extended=EXTENDED, told_on=date(2026, 3, 6), now=_at(5)
            ),
            InvalidChange,
            {"told_on": "may not be in the future (Dutch date)"},
        ),
        (
            lambda: judge_notice(state="open", due=DUE, due_extended=None, told_on=DUE, now=_at(5)),
            AccessRequestConflict,
            {"due_extended": "the deadline was not extended"},
        ),
    ],
)
def test_extension_and_notice_rules(
    judge: Judge, error_type: type[Exception] | None, errors: dict[str, str] | None
) -> None:
    if error_type is None:
        judge()
        return
    with pytest.raises(error_type) as refused:
        judge()
    assert getattr(refused.value, "errors", None) == errors


def _request() -> AccessRequest:
    return AccessRequest.open(
        request_id=uuid4(),
        subject_tag="ab" * 16,
        received_on="2026-01-31",
        channel="email",
        sealed_reference=None,
        due="2026-03-02",
        actor="fg",
        commitment="00" * 32,
        salt="s",
    )


STEP = {"actor": "fg", "commitment": "11" * 32, "salt": "s"}
ANSWER = {"overview_sha256": "0" * 64, "tree_size": 1, "root_hash": "0" * 64, "withheld": []}


@pytest.mark.parametrize(
    "step",
    [
        lambda r: r.answer(**ANSWER, sealed_overview="x", **STEP),
        lambda r: r.withdraw(reason="changed their mind", sealed_reason="x", **STEP),
        lambda r: r.refuse(reason="manifestly excessive", sealed_reason="x", **STEP),
        lambda r: r.verify_identity(how="passport", sealed_how="x", **STEP),
        lambda r: r.extend(
            reason="busy", sealed_reason="x", due_extended="2026-04-30", now=_at(1), **STEP
        ),
    ],
)
def test_a_closed_request_takes_no_further_step(step: Callable[[AccessRequest], None]) -> None:
    request = _request()
    request.answer(**ANSWER, sealed_overview="x", **STEP)
    with pytest.raises(AccessRequestConflict) as refused:
        step(request)
    assert refused.value.errors == {"state": "the request is answered, no longer open"}


def test_a_request_keeps_its_deadlines_and_steps() -> None:
    request = _request()
    request.verify_identity(how="passport shown at the desk", sealed_how="sealed-how", **STEP)
    request.extend(
        reason="many systems",
        sealed_reason="sealed-reason",
        due_extended="2026-04-30",
        now=_at(1),
        **STEP,
    )
    request.tell_of_extension(told_on="2026-03-01", now=_at(1), **STEP)
    assert (request.due, request.due_extended, request.told_on) == (
        DUE,
        EXTENDED,
        date(2026, 3, 1),
    )
    assert request.identity_verified
    request.refuse(reason="manifestly unfounded", sealed_reason="sealed-refusal", **STEP)
    assert request.state == "refused"
    # The free text is judged in clear and kept only sealed.
    events = request.collect_events()
    assert [sealed_text(event) for event in events[1:]] == [
        ("how", "sealed-how"),
        ("reason", "sealed-reason"),
        None,
        ("reason", "sealed-refusal"),
    ]
    assert not any("passport" in repr(vars(event)) for event in events)


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (lambda r: r.verify_identity(how=" ", sealed_how="x", **STEP), "how"),
        (lambda r: r.withdraw(reason="", sealed_reason="x", **STEP), "reason"),
        (lambda r: r.refuse(reason="r" * 1001, sealed_reason="x", **STEP), "reason"),
    ],
)
def test_a_step_judges_its_free_text_in_clear_before_keeping_it_sealed(
    step: Callable[[AccessRequest], None], field: str
) -> None:
    with pytest.raises(InvalidChange) as refused:
        step(_request())
    assert set(refused.value.errors) == {field}


def test_the_opening_binds_the_clear_fields_and_the_sealed_plaintext_only() -> None:
    request_id = uuid4()
    plaintext = request_opening(
        request_id=request_id,
        version=1,
        event_type="AccessRequestOpened",
        fields={"channel": "email", "sealed_reference": "xyz", "commitment": "c", "salt": "s"},
        secret={"reference": "AVG-2026-017"},
    )
    assert (
        plaintext
        == (
            '{"event":"AccessRequestOpened","fields":{"channel":"email"},"request":"'
            + str(request_id)
            + '","secret":{"reference":"AVG-2026-017"},"version":1}'
        ).encode()
    )
