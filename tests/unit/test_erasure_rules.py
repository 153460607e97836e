"""The pure parts of erasure: judging a request, the one id of a person's erasure fact, the
check that a clear text names no one, and the list of shredded tags on disk."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ledger.adapters.erased_tags import ErasedTag, ErasedTags
from ledger.domain.erasure import ErasedSubject, erased_subject_id, judge_request
from ledger.domain.errors import InvalidChange
from ledger.domain.subjects import names_the_person

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TAG = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("requested_on", "reason", "errors"),
    [
        (date(2026, 11, 2), " Per brief ", {}),
        (date(2018, 5, 25), "x", {}),
        (date(2026, 11, 3), "x", {"requested_at": "may not be in the future (Dutch date)"}),
        (
            date(2018, 5, 24),
            "x",
            {"requested_at": "may not be before 2018-05-25 (the GDPR's application)"},
        ),
        (date(2026, 11, 2), "  ", {"reason": "is required"}),
        (date(2026, 11, 2), "x" * 1001, {"reason": "may be at most 1000 characters"}),
    ],
)
def test_a_request_is_judged_by_its_date_and_reason(
    requested_on: date, reason: str, errors: dict[str, str]
) -> None:
    if not errors:
        assert judge_request(requested_on=requested_on, reason=reason, now=NOW) == reason.strip()
        return
    with pytest.raises(InvalidChange) as refused:
        judge_request(requested_on=requested_on, reason=reason, now=NOW)
    assert refused.value.errors == errors


def test_a_persons_erasure_fact_has_one_id_derived_from_their_tag() -> None:
    fields = {
        "subject_tag": TAG,
        "erased_at": NOW.isoformat(),
        "basis": "request",
        "erasure_id": None,
        "disclosures": 2,
        "notice_id": None,
        "actor": "fg",
        "commitment": "00" * 32,
        "salt": "11" * 32,
    }
    assert ErasedSubject.record(**fields).id == erased_subject_id(TAG)
    assert erased_subject_id(TAG) != erased_subject_id("f" * 32)
    with pytest.raises(ValueError, match="basis"):
        ErasedSubject.record(**{**fields, "basis": "whim"})


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("typo in the recipient", None),
        ("asked by E-00001", "id"),
        ("JAN JANSEN wrote", "name"),
        ("see jan@example.org", "e-mail"),
        ("Jo said so", None),  # a name under three characters is not searched
    ],
)
def test_a_clear_text_that_names_the_person_is_found(text: str, found: str | None) -> None:
    identifying = {"id": "E-00001", "name": "Jan Jansen", "e-mail": "jan@example.org"}
    assert names_the_person(text, identifying) == found
    assert names_the_person(text, {"name": "Jo", "id": None}) is None


def test_the_list_survives_a_line_a_crash_cut_short(tmp_path: Path) -> None:
    listed = ErasedTags(tmp_path / "var" / "erased-tags")
    assert listed.read() == []
    first = ErasedTag(TAG, NOW.isoformat(), "request")
    listed.append(first)
    with listed.path.open("ab") as file:
        file.write(b"fedcba98")  # what a crash mid-write leaves
    second = ErasedTag("f" * 32, NOW.isoformat(), "retention")
    listed.append(second)
    assert listed.read() == [first, second]
    assert oct(listed.path.stat().st_mode & 0o777) == "0o600"
