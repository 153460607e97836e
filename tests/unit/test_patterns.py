"""The shared patterns as a table: each row a text and whether the pattern takes it whole."""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

import pytest

from ledger.domain.patterns import (
    CONTROL_CHARACTERS,
    KEY_NAME,
    KVK_NUMBER,
    MONTH,
    SOURCE_SYSTEM,
)


def row(pattern: re.Pattern[str], text: str, expected: bool, name: str) -> Any:
    return pytest.param(pattern, text, expected, id=name)


ROWS = [
    # KvK number
    row(KVK_NUMBER, "12345678", True, "a KvK number"),
    row(KVK_NUMBER, "00000000", True, "a KvK number of zeros"),
    row(KVK_NUMBER, "1234567", False, "7 digits"),
    row(KVK_NUMBER, "123456789", False, "9 digits"),
    row(KVK_NUMBER, "1234567A", False, "a letter"),
    row(KVK_NUMBER, "1234 5678", False, "a space"),
    row(KVK_NUMBER, "12345678\n", False, "a trailing newline"),
    row(KVK_NUMBER, "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", False, "full-width digits"),
    row(KVK_NUMBER, "١٢٣٤٥٦٧٨", False, "Arabic-Indic digits"),
    row(KVK_NUMBER, "", False, "an empty KvK number"),
    # source system
    row(SOURCE_SYSTEM, "payroll", True, "a system name"),
    row(SOURCE_SYSTEM, "hr.nmbrs_v2-eu", True, "dots, dashes and underscores"),
    row(SOURCE_SYSTEM, "2planning", True, "a system name starting with a digit"),
    row(SOURCE_SYSTEM, "p", True, "one letter"),
    row(SOURCE_SYSTEM, "p" * 200, True, "a long system name: its length is the policy's"),
    row(SOURCE_SYSTEM, "Payroll", False, "an upper-case letter"),
    row(SOURCE_SYSTEM, "-payroll", False, "a leading dash"),
    row(SOURCE_SYSTEM, "_payroll", False, "a leading underscore"),
    row(SOURCE_SYSTEM, ".payroll", False, "a leading dot"),
    row(SOURCE_SYSTEM, "pay roll", False, "a space"),
    row(SOURCE_SYSTEM, "payroll\n", False, "a system name with a trailing newline"),
    row(SOURCE_SYSTEM, "p\u0430yroll", False, "a Cyrillic a"),
    row(SOURCE_SYSTEM, "", False, "an empty system name"),
    # month
    row(MONTH, "2026-01", True, "January"),
    row(MONTH, "2026-12", True, "December"),
    row(MONTH, "0001-09", True, "a month of year 1"),
    row(MONTH, "2026-13", False, "month 13"),
    row(MONTH, "2026-00", False, "month 00"),
    row(MONTH, "2026-1", False, "a month of one digit"),
    row(MONTH, "26-01", False, "a year of two digits"),
    row(MONTH, "2026-01-31", False, "a date"),
    row(MONTH, "2026/01", False, "a slash"),
    row(MONTH, "202601", False, "no dash"),
    row(MONTH, "2026-01\n", False, "a month with a trailing newline"),
    row(MONTH, "\uff12\uff10\uff12\uff16-\uff10\uff11", False, "full-width digits in a month"),
    row(MONTH, "", False, "an empty month"),
    # key name
    row(KEY_NAME, "fg", True, "a key name"),
    row(KEY_NAME, "payroll.nmbrs_2-eu", True, "a key name with dots, dashes and underscores"),
    row(KEY_NAME, "k", True, "a key name of 1 character"),
    row(KEY_NAME, "k" * 64, True, "a key name of 64 characters"),
    row(KEY_NAME, "k" * 65, False, "a key name of 65 characters"),
    row(KEY_NAME, "FG", False, "an upper-case key name"),
    row(KEY_NAME, "-fg", False, "a key name starting with a dash"),
    row(KEY_NAME, "f g", False, "a key name with a space"),
    row(KEY_NAME, "fg\n", False, "a key name with a trailing newline"),
    row(KEY_NAME, "", False, "an empty key name"),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), ROWS)
def test_a_pattern_takes_exactly_the_texts_of_its_shape(
    pattern: re.Pattern[str], text: str, expected: bool
) -> None:
    assert (pattern.fullmatch(text) is not None) is expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\x00", "\x00"),
        ("E-1\x1b[31m", "\x1b"),
        ("Loonaangifte\noktober", "\n"),
        ("tab\there", "\t"),
        ("\x7f", "\x7f"),
        ("next line \x85", "\x85"),
        ("\x9f", "\x9f"),
        ("Loon\u202eaangifte", "\u202e"),
        ("\u202a", "\u202a"),
        ("isolate \u2066x\u2069", "\u2066"),
        ("\u2069", "\u2069"),
    ],
)
def test_control_characters_are_found_anywhere_in_a_text(text: str, found: str) -> None:
    match = CONTROL_CHARACTERS.search(text)

    assert match is not None
    assert match.group() == found


@pytest.mark.parametrize(
    "text",
    [
        "Loonaangifte oktober 2026",
        "Zürich AG, Łódź, Ελλάδα, 東京",
        "non-breaking\u00a0space",
        "zero\u200bwidth space",
        "left-to-right mark \u200e",
        "\u2065 (unassigned, between the overrides and the isolates)",
        "\u202f narrow no-break space",
        "",
    ],
)
def test_ordinary_text_holds_no_control_character(text: str) -> None:
    assert CONTROL_CHARACTERS.search(text) is None


def test_every_character_of_unicode_category_cc_is_a_control_character() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cc":
            assert CONTROL_CHARACTERS.fullmatch(char), f"U+{code:04X}"
