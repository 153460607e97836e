"""A subject id: the one spelling under which the ledger knows a person, and what it may hold.

Ids are typed by people and copied between systems, so " E-1 ", "E-1" and "E-1" in full-width
letters and digits (U+FF25 U+FF0D U+FF11) must be one person. Every id is recorded and looked
up in its normal form, Unicode NFKC with surrounding whitespace trimmed; an id that a URL
cannot address, or that looks like another (invisible characters), is refused. Whether an id
may be *recorded* is the policy's to say (`ledger.domain.policy`, which also refuses a BSN);
this module says what an id is.
"""

from __future__ import annotations

import unicodedata

from ledger.domain.errors import InvalidSubjectId
from ledger.domain.patterns import CONTROL_CHARACTERS, SURROGATES

MAX_LENGTH = 64

# Unicode categories no id may hold: controls (Cc), invisible format characters such as
# U+200B and U+FEFF (Cf), surrogates (Cs), private use (Co), unassigned (Cn) and the line and
# paragraph separators (Zl, Zp). Each makes two ids look alike, or one id unprintable.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# What a decoder puts where bytes were not text: an id with it is ambiguous, since every
# undecodable lookup would reach it.
_REPLACEMENT = "\ufffd"
# Clients remove "." and ".." path segments (RFC 3986, 5.2.4), and "/" ends one, so
# /api/v1/subjects/{id}/... cannot name such an id (%2F is decoded before routing, too).
_NOT_A_SEGMENT = frozenset({".", ".."})


def normal_form(value: str) -> str:
    """The id as the ledger keeps it: NFKC (full-width and other compatibility forms folded),
    surrounding whitespace trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def subject_id_problem(value: str) -> str | None:
    """What makes `value` unusable as a subject id as given, or None; `value` must already be
    in its normal form (a non-string or empty value is the caller's to refuse)."""
    if found := SURROGATES.search(value):
        # No normal form to offer: NFKC leaves it, and it cannot be shown.
        return f"contains an unpaired surrogate (U+{ord(found.group()):04X})"
    if (normal := normal_form(value)) != value:
        shown = f": send {normal!r}" if len(normal) <= MAX_LENGTH else ""
        return (
            "must be in its normal form (Unicode NFKC, no surrounding whitespace), so that"
            f" one person has one id{shown}"
        )
    if not value:
        return "must not be empty"
    if len(value) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters (it has {len(value)})"
    if found := CONTROL_CHARACTERS.search(value):
        return f"must not contain control characters (found U+{ord(found.group()):04X})"
    if "/" in value:
        return "must not contain '/': /api/v1/subjects/{subject_id}/... could not name it"
    if value in _NOT_A_SEGMENT:
        return f"must not be {value!r}: a URL cannot name it"
    if _REPLACEMENT in value:
        return "must not contain U+FFFD, the mark of bytes that were not text"
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return (
                f"must not contain U+{ord(char):04X} ({unicodedata.category(char)}): an"
                " invisible or unassigned character makes one id look like another"
            )
    return None


def normal_subject_id(value: str, *, field: str = "subject_id") -> str:
    """`value` in its normal form, to look a person up by; InvalidSubjectId naming `field`
    when no person can have it."""
    if not isinstance(value, str):
        raise InvalidSubjectId(field, "must be a string")
    normal = normal_form(value)
    if problem := subject_id_problem(normal):
        raise InvalidSubjectId(field, problem)
    return normal


def names_the_person(text: str, identifying: dict[str, str | None]) -> str | None:
    """Which of a person's identifying values (by name: "id", "name", "e-mail") a text that is
    stored in clear contains, or None. Such a text stays after the person's erasure, so it must
    not name them. Case-insensitive; values under 3 characters are not searched (they would
    match ordinary words)."""
    folded = text.casefold()
    for what, value in identifying.items():
        if value and len(value.strip()) >= 3 and value.strip().casefold() in folded:
            return what
    return None
