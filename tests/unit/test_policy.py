"""The rules of SPEC §3 as a table: each row a disclosure and the exact errors it must get."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger.domain.errors import DisclosureRefused
from ledger.domain.policy import BatchChecker, check_disclosure, is_bsn, is_special
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer
from ledger.domain.vocabulary import Vocabulary

AMSTERDAM = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VOCABULARY = Vocabulary.default()

# A payroll tax return to the Belastingdienst: valid, and the start of every row below.
BASELINE = DisclosureFacts(
    controller="12345678",
    subject=Subject("E-10001"),
    recipient=Recipient("belastingdienst", "Belastingdienst", None, "NL"),
    data_categories=("naam", "bsn", "salaris"),
    legal_basis="legal_obligation",
    legal_provision="Wet op de loonbelasting 1964, art. 28",
    purpose="Loonaangifte oktober 2026",
    occurred_at=datetime(2026, 10, 31, 12, 0, tzinfo=AMSTERDAM),
    source=Source("payroll", "run-2026-10/E-10001"),
)


def facts(*presets: dict[str, Any], **changes: Any) -> DisclosureFacts:
    """The baseline with the presets applied in turn, then `changes`."""
    merged: dict[str, Any] = {}
    for preset in (*presets, changes):
        merged |= preset
    return replace(BASELINE, **merged)


def subject(**changes: Any) -> Subject:
    return replace(BASELINE.subject, **changes)


def recipient(**changes: Any) -> Recipient:
    return replace(BASELINE.recipient, **changes)


def source(**changes: Any) -> Source:
    return replace(BASELINE.source, **changes)


def errors_of(disclosure: DisclosureFacts, vocabulary: Vocabulary = VOCABULARY) -> dict[str, str]:
    try:
        check_disclosure(disclosure, now=NOW, vocabulary=vocabulary)
    except DisclosureRefused as refused:
        return refused.errors
    return {}


def accepted(name: str, disclosure: DisclosureFacts) -> Any:
    return pytest.param(disclosure, id=name)


def refused(name: str, disclosure: DisclosureFacts, **expected: str) -> Any:
    """One row; `expected` maps each field path (dots written as '__') to part of its message."""
    paths = {path.replace("__", "."): fragment for path, fragment in expected.items()}
    return pytest.param(disclosure, paths, id=name)


CONTRACT = {"legal_basis": "contract", "legal_provision": None}
TO_ARBODIENST = {
    "recipient": Recipient("arbodienst", "ArboNed B.V.", "30155558", "NL"),
    "data_categories": ("naam", "verzuim"),
    "legal_basis": "legal_obligation",
    "legal_provision": "Wet verbetering poortwachter; Arbowet, art. 14",
    "special_category_condition": "occupational_medicine",
}
TO_US_CLIENT = {
    "recipient": Recipient("inlener", "Acme Staffing Inc.", None, "US"),
    "data_categories": ("naam", "functie"),
    **CONTRACT,
}
SCC_TO_US = Transfer("US", "standard_contractual_clauses")
TO_POLICE = {
    "recipient": Recipient("opsporingsinstantie", "Politie Midden-Nederland", None, "NL"),
    "data_categories": ("naam", "contactgegevens"),
    "legal_provision": "Wetboek van Strafvordering, art. 126nd",
}
ZZP = Subject("R-20001", kind="zzp")

ACCEPTED = [
    accepted("a payroll tax return to the Belastingdienst", BASELINE),
    accepted(
        "a subject with name and e-mail",
        facts(subject=subject(name="Jan Jansen", email="jan@example.org")),
    ),
    accepted(
        "a 9-digit subject id that fails the eleven-test", facts(subject=subject(id="123456789"))
    ),
    accepted("an 8-digit subject id", facts(subject=subject(id="11122233"))),
    accepted(
        "an 8-digit subject id that passes the eleven-test once zero-padded",
        facts(subject=subject(id="12345672")),
    ),
    accepted("a subject id of exactly 64 characters", facts(subject=subject(id="E" * 64))),
    accepted("a candidate", facts(subject=subject(kind="candidate"))),
    accepted("bsn under public_task", facts(legal_basis="public_task")),
    accepted(
        "no bsn, under contract, without a legal provision",
        facts(CONTRACT, data_categories=("naam", "salaris")),
    ),
    accepted("verzuim to the arbodienst under occupational_medicine", facts(TO_ARBODIENST)),
    accepted(
        "verzuim under explicit consent with its reference",
        facts(
            TO_ARBODIENST,
            special_category_condition="explicit_consent",
            consent_reference="Toestemmingsformulier 2026-0042",
        ),
    ),
    accepted(
        "consent with a reference",
        facts(
            data_categories=("naam", "pasfoto"),
            legal_basis="consent",
            legal_provision=None,
            consent_reference="Akkoord via het portaal op 2026-09-01",
        ),
    ),
    accepted(
        "vog with its legal provision",
        facts(
            data_categories=("naam", "vog"), legal_basis="contract", legal_provision="UAVG, art. 33"
        ),
    ),
    accepted("occurred 4 minutes in the future", facts(occurred_at=NOW + timedelta(minutes=4))),
    accepted(
        "occurred at the first moment of 2000, UTC",
        facts(occurred_at=datetime(2000, 1, 1, tzinfo=UTC)),
    ),
    accepted("a subject id with inner spaces", facts(subject=subject(id="Jan de Vries 7"))),
    accepted("a subject id with an accent", facts(subject=subject(id="Ren\u00e9-1"))),
    accepted(
        "occurred exactly 5 minutes in the future", facts(occurred_at=NOW + timedelta(minutes=5))
    ),
    accepted(
        "a US recipient under standard contractual clauses",
        facts(TO_US_CLIENT, transfer=SCC_TO_US),
    ),
    accepted(
        "a Swiss recipient under an adequacy decision",
        facts(
            TO_US_CLIENT,
            recipient=Recipient("inlener", "Zürich AG", None, "CH"),
            transfer=Transfer("CH", "adequacy_decision"),
        ),
    ),
    accepted(
        "a transfer whose recipient names no country",
        facts(TO_US_CLIENT, recipient=Recipient("inlener", "Acme"), transfer=SCC_TO_US),
    ),
    accepted(
        "a Norwegian recipient without a transfer, Norway being in the EEA",
        facts(recipient=recipient(country="NO")),
    ),
    accepted(
        "a zzp'er's KvK extract and VAT number",
        facts(CONTRACT, subject=ZZP, data_categories=("naam", "kvk_uittreksel", "btw_nummer")),
    ),
    accepted(
        "a suppressed police request with its authority",
        facts(
            TO_POLICE,
            suppressed_until=date(2027, 4, 30),
            suppression_authority="Officier van justitie, arrondissement Midden-Nederland",
        ),
    ),
    accepted(
        "suppressed until the very day it occurred",
        facts(TO_POLICE, suppressed_until=date(2026, 10, 31), suppression_authority="OvJ Utrecht"),
    ),
    accepted("a recipient id of 64 characters", facts(recipient=recipient(id="0" * 64))),
    accepted("a purpose of 500 characters", facts(purpose="x" * 500)),
    accepted(
        "a source system with dots, dashes and underscores",
        facts(source=source(system="hr.nmbrs_v2-eu")),
    ),
]

REFUSED = [
    # controller
    refused("a controller of 7 digits", facts(controller="1234567"), controller="exactly 8 digits"),
    refused("a controller with a letter", facts(controller="1234567A"), controller="KvK number"),
    refused("an empty controller", facts(controller=""), controller="must not be empty"),
    # subject
    refused("an empty subject id", facts(subject=subject(id="")), subject__id="must not be empty"),
    refused(
        "a blank subject id", facts(subject=subject(id="   ")), subject__id="must not be empty"
    ),
    refused(
        "a subject id of 65 characters",
        facts(subject=subject(id="E" * 65)),
        subject__id="at most 64",
    ),
    refused(
        "a BSN as subject id",
        facts(subject=subject(id="111222333")),
        subject__id="must never be a BSN",
    ),
    refused(
        "a BSN with dots as subject id",
        facts(subject=subject(id="111.222.333")),
        subject__id="never be a BSN",
    ),
    refused(
        "a BSN with spaces as subject id",
        facts(subject=subject(id="111 222 333")),
        subject__id="never be a BSN",
    ),
    refused(
        "a BSN with dashes as subject id",
        facts(subject=subject(id="111-222-333")),
        subject__id="never be a BSN",
    ),
    refused(
        "a control character in the subject id",
        facts(subject=subject(id="E-1\x00")),
        subject__id="control characters",
    ),
    # The schema brings an id to its normal form; one that bypasses it is refused, not folded.
    refused(
        "a subject id with surrounding spaces",
        facts(subject=subject(id=" E-10001 ")),
        subject__id="normal form (Unicode NFKC, no surrounding whitespace), so that one person"
        " has one id: send 'E-10001'",
    ),
    refused(
        "a full-width subject id",
        facts(subject=subject(id="\uff25-10001")),
        subject__id="send 'E-10001'",
    ),
    refused(
        "a full-width BSN as subject id",
        facts(subject=subject(id="\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13")),
        subject__id="must never be a BSN",
    ),
    refused(
        "a BSN after a non-breaking space as subject id",
        facts(subject=subject(id="\u00a0111222333")),
        subject__id="must never be a BSN",
    ),
    refused("a subject id with a slash", facts(subject=subject(id="A/B")), subject__id="'/'"),
    refused("a subject id of '..'", facts(subject=subject(id="..")), subject__id="'..'"),
    refused(
        "a zero-width space in the subject id",
        facts(subject=subject(id="E-1\u200b")),
        subject__id="U+200B",
    ),
    refused(
        "a lone surrogate in the subject id",
        facts(subject=subject(id="E-1\udc00")),
        subject__id="unpaired surrogate (U+DC00)",
    ),
    refused(
        "an unknown subject kind",
        facts(subject=subject(kind="freelancer")),
        subject__kind="use one of employee, zzp",
    ),
    refused(
        "a subject name of 201 characters",
        facts(subject=subject(name="J" * 201)),
        subject__name="at most 200",
    ),
    refused(
        "an empty subject name", facts(subject=subject(name="")), subject__name="must not be empty"
    ),
    refused(
        "an e-mail without @",
        facts(subject=subject(email="jan.example.org")),
        subject__email="e-mail address",
    ),
    refused(
        "an e-mail with two @",
        facts(subject=subject(email="jan@@example.org")),
        subject__email="e-mail address",
    ),
    refused(
        "an e-mail without a dot in the domain",
        facts(subject=subject(email="jan@example")),
        subject__email="e-mail",
    ),
    refused(
        "an e-mail with a space",
        facts(subject=subject(email="jan @example.org")),
        subject__email="e-mail address",
    ),
    refused(
        "an e-mail with a no-break space",
        facts(subject=subject(email="jan\u00a0@example.org")),
        subject__email="e-mail address",
    ),
    refused(
        "an e-mail of 255 characters",
        facts(subject=subject(email="j" * 243 + "@example.org")),
        subject__email="at most 254",
    ),
    # recipient
    refused(
        "an unknown recipient category",
        facts(recipient=recipient(category="belasting")),
        recipient__category="not a known recipient category",
    ),
    refused(
        "an upper-case recipient category",
        facts(recipient=recipient(category="UWV")),
        recipient__category="use 'uwv'",
    ),
    refused(
        "an empty recipient name",
        facts(recipient=recipient(name="")),
        recipient__name="must not be empty",
    ),
    refused(
        "a recipient name of 201 characters",
        facts(recipient=recipient(name="B" * 201)),
        recipient__name="at most 200",
    ),
    refused(
        "a recipient id of 65 characters",
        facts(recipient=recipient(id="0" * 65)),
        recipient__id="at most 64",
    ),
    refused(
        "a lower-case country",
        facts(recipient=recipient(country="nl")),
        recipient__country="use 'NL'",
    ),
    refused(
        "a three-letter country",
        facts(recipient=recipient(country="NLD")),
        recipient__country="ISO 3166-1 alpha-2",
    ),
    refused(
        "the EU's EL for Greece",
        facts(recipient=recipient(country="EL")),
        recipient__country="use 'GR'",
    ),
    refused(
        "an empty country",
        facts(recipient=recipient(country="")),
        recipient__country="must not be empty",
    ),
    # data categories
    refused("no data categories", facts(data_categories=()), data_categories="at least one"),
    refused(
        "41 data categories", facts(data_categories=("naam",) * 41), data_categories="at most 40"
    ),
    refused(
        "an unknown data category",
        facts(data_categories=("naam", "bsn", "salarissen")),
        data_categories__2="did you mean 'salaris'",
    ),
    refused(
        "a data category twice",
        facts(data_categories=("naam", "bsn", "salaris", "naam")),
        data_categories__3="repeats 'naam'",
    ),
    refused(
        "a blank data category",
        facts(data_categories=("naam", "bsn", " ")),
        data_categories__2="must not be empty",
    ),
    # legal basis
    refused(
        "an unknown legal basis",
        facts(legal_basis="wettelijke_plicht"),
        legal_basis="not a known legal basis",
    ),
    refused(
        "bsn under contract",
        facts(legal_basis="contract"),
        legal_basis="legal_obligation or public_task",
    ),
    refused(
        "bsn under consent, without a consent reference",
        facts(legal_basis="consent"),
        legal_basis="legal_obligation or public_task",
        consent_reference="the legal basis is consent",
    ),
    # special categories
    refused(
        "medisch without a condition",
        facts(CONTRACT, data_categories=("naam", "medisch")),
        special_category_condition="medisch is special-category data",
    ),
    refused(
        "verzuim to the arbodienst without a condition",
        facts(TO_ARBODIENST, special_category_condition=None),
        special_category_condition="Art. 9(2) condition",
    ),
    refused(
        "an unknown condition",
        facts(TO_ARBODIENST, special_category_condition="occupational_health"),
        special_category_condition="not a known special-category condition",
    ),
    refused(
        "a condition without special-category data",
        facts(special_category_condition="employment_social_security"),
        special_category_condition="must be left out",
    ),
    refused(
        "explicit consent without a consent reference",
        facts(TO_ARBODIENST, special_category_condition="explicit_consent"),
        consent_reference="explicit_consent",
    ),
    # legal provision
    refused(
        "legal_obligation without a legal provision",
        facts(data_categories=("naam", "salaris"), legal_provision=None),
        legal_provision="is required when the legal basis is legal_obligation",
    ),
    refused(
        "public_task without a legal provision",
        facts(data_categories=("naam",), legal_basis="public_task", legal_provision=None),
        legal_provision="the legal basis is public_task",
    ),
    refused(
        "bsn without a legal provision",
        facts(legal_provision=None),
        legal_provision="bsn is disclosed",
    ),
    refused(
        "vog without a legal provision",
        facts(CONTRACT, data_categories=("naam", "vog")),
        legal_provision="criminal-record data",
    ),
    refused(
        "a legal provision of 301 characters",
        facts(legal_provision="W" * 301),
        legal_provision="at most 300",
    ),
    refused(
        "a blank legal provision", facts(legal_provision="  "), legal_provision="must not be empty"
    ),
    # consent
    refused(
        "consent without a reference",
        facts(data_categories=("naam", "pasfoto"), legal_basis="consent", legal_provision=None),
        consent_reference="say where the consent is recorded",
    ),
    refused(
        "a consent reference of 201 characters",
        facts(consent_reference="C" * 201),
        consent_reference="at most 200",
    ),
    # purpose
    refused("an empty purpose", facts(purpose=""), purpose="must not be empty"),
    refused("a purpose of 501 characters", facts(purpose="x" * 501), purpose="at most 500"),
    refused(
        "a newline in the purpose",
        facts(purpose="Loonaangifte\noktober"),
        purpose="control characters",
    ),
    refused(
        "a right-to-left override in the purpose",
        facts(purpose="Loon\u202eaangifte"),
        purpose="U+202E",
    ),
    refused(
        "a lone surrogate in the purpose",
        facts(purpose="Loon\ud800aangifte"),
        purpose="contains an unpaired surrogate (U+D800)",
    ),
    refused(
        "a lone surrogate in the recipient's name",
        facts(recipient=recipient(name="Belasting\udfffdienst")),
        recipient__name="unpaired surrogate (U+DFFF)",
    ),
    # occurred_at
    refused(
        "a naive occurred_at",
        facts(occurred_at=datetime(2026, 10, 31, 12, 0)),
        occurred_at="UTC offset",
    ),
    refused(
        "occurred in the year 1, where no UTC form exists",
        facts(occurred_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))),
        occurred_at="must not be before 2000-01-01",
    ),
    refused(
        "occurred on 1900-01-01",
        facts(occurred_at=datetime(1900, 1, 1, tzinfo=UTC)),
        occurred_at="must not be before 2000-01-01",
    ),
    refused(
        "occurred at the Unix epoch",
        facts(occurred_at=datetime(1970, 1, 1, tzinfo=UTC)),
        occurred_at="empty default",
    ),
    refused(
        "occurred just before 2000 in UTC, just after it in Amsterdam",
        facts(occurred_at=datetime(2000, 1, 1, 0, 30, tzinfo=AMSTERDAM)),
        occurred_at="must not be before 2000-01-01",
    ),
    refused(
        "occurred 6 minutes in the future",
        facts(occurred_at=NOW + timedelta(minutes=6)),
        occurred_at="5 minutes in the future",
    ),
    # transfer
    refused("a US recipient without a transfer", facts(TO_US_CLIENT), transfer="outside the EEA"),
    refused(
        "a UK recipient without a transfer",
        facts(TO_US_CLIENT, recipient=Recipient("inlener", "Acme Ltd", None, "GB")),
        transfer="in GB, outside the EEA",
    ),
    refused(
        "a transfer to an EEA country",
        facts(
            recipient=recipient(country="DE"),
            transfer=Transfer("DE", "standard_contractual_clauses"),
        ),
        transfer__country="inside the EEA",
    ),
    refused(
        "a transfer to another country than the recipient's",
        facts(TO_US_CLIENT, transfer=Transfer("IN", "standard_contractual_clauses")),
        transfer__country="must equal recipient.country ('US')",
    ),
    refused(
        "an unknown safeguard",
        facts(TO_US_CLIENT, transfer=Transfer("US", "privacy_shield")),
        transfer__safeguard="not a known transfer safeguard",
    ),
    refused(
        "a transfer with an empty safeguard",
        facts(TO_US_CLIENT, transfer=Transfer("US", "")),
        transfer__safeguard="must not be empty",
    ),
    # source
    refused(
        "an upper-case source system",
        facts(source=source(system="Payroll")),
        source__system="lower-case system name",
    ),
    refused(
        "a source system starting with a dash",
        facts(source=source(system="-payroll")),
        source__system="starts with a letter or digit",
    ),
    refused(
        "a source system of 65 characters",
        facts(source=source(system="p" * 65)),
        source__system="at most 64",
    ),
    refused(
        "an empty source system",
        facts(source=source(system="")),
        source__system="must not be empty",
    ),
    refused(
        "an empty source reference",
        facts(source=source(reference="")),
        source__reference="must not be empty",
    ),
    refused(
        "a source reference of 201 characters",
        facts(source=source(reference="r" * 201)),
        source__reference="at most 200",
    ),
    # zzp
    refused(
        "a copy of the ID of a zzp'er",
        facts(subject=ZZP, data_categories=("naam", "kopie_id")),
        data_categories__1="must not be 'kopie_id' for a zzp subject",
    ),
    refused(
        "the BSN of a zzp'er",
        facts(subject=ZZP),
        data_categories__1="must not be 'bsn' for a zzp subject",
    ),
    # suppression
    refused(
        "suppressed without an authority",
        facts(TO_POLICE, suppressed_until=date(2027, 4, 30)),
        suppression_authority="is required when suppressed_until is given",
    ),
    refused(
        "an authority without a date",
        facts(TO_POLICE, suppression_authority="OvJ Utrecht"),
        suppressed_until="is required when suppression_authority is given",
    ),
    refused(
        "suppressed until before it occurred",
        facts(TO_POLICE, suppressed_until=date(2026, 10, 30), suppression_authority="OvJ Utrecht"),
        suppressed_until="must not be before the date of occurred_at (2026-10-31)",
    ),
    refused(
        "an empty suppression authority",
        facts(TO_POLICE, suppressed_until=date(2027, 4, 30), suppression_authority=""),
        suppression_authority="must not be empty",
    ),
    refused(
        "a suppression authority of 201 characters",
        facts(TO_POLICE, suppressed_until=date(2027, 4, 30), suppression_authority="A" * 201),
        suppression_authority="at most 200",
    ),
    # values that the schema normally keeps out, e.g. through a careless correction
    refused("a missing purpose", facts(purpose=None), purpose="is required"),
    refused("a missing recipient", facts(recipient=None), recipient="is required"),
    refused(
        "data categories that are no list",
        facts(data_categories="naam"),
        data_categories="must be a list",
    ),
    refused(
        "missing data categories (a posting without an activity)",
        facts(data_categories=None),
        data_categories="is required",
    ),
    refused(
        "a controller that is a number", facts(controller=12345678), controller="must be a string"
    ),
    refused(
        "a suppressed_until with a time",
        facts(TO_POLICE, suppressed_until=NOW, suppression_authority="OvJ"),
        suppressed_until="without a time",
    ),
    # several mistakes at once
    refused(
        "many mistakes at once",
        facts(
            controller="KvK 1234",
            subject=subject(id="111222333", kind="zzp"),
            legal_basis="contract",
            legal_provision=None,
            purpose=" ",
        ),
        controller="exactly 8 digits",
        subject__id="never be a BSN",
        data_categories__1="for a zzp subject",
        legal_basis="legal_obligation or public_task",
        legal_provision="bsn is disclosed",
        purpose="must not be empty",
    ),
]


@pytest.mark.parametrize("disclosure", ACCEPTED)
def test_accepts_a_disclosure_that_keeps_every_rule(disclosure: DisclosureFacts) -> None:
    assert errors_of(disclosure) == {}


@pytest.mark.parametrize(("disclosure", "expected"), REFUSED)
def test_refuses_with_exactly_the_errors_of_its_row(
    disclosure: DisclosureFacts, expected: dict[str, str]
) -> None:
    errors = errors_of(disclosure)

    assert sorted(errors) == sorted(expected)
    for path, fragment in expected.items():
        assert fragment in errors[path], f"{path}: {errors[path]!r} lacks {fragment!r}"


def test_111222333_passes_the_eleven_test() -> None:
    digits = [int(d) for d in "111222333"]
    total = sum(weight * d for weight, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits, strict=True))

    assert total == 66
    assert total % 11 == 0
    assert is_bsn("111222333")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("111222333", True),
        ("111 222 333", True),
        ("111.222.333", True),
        ("111-222-333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("11122233", False),
        ("1112223330", False),
        ("E-111222333", False),
        ("١١١٢٢٢٣٣٣", False),
        ("", False),
        # full-width digits are not the nine digits of a BSN
        ("\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13", False),
        ("111\uff12\uff12\uff12333", False),
        # a BSN is nine digits: one that passes only once zero-padded is not taken for a BSN
        ("12345672", False),
        ("012345672", True),
        ("10000008", False),
        ("010000008", True),
        ("36", False),
        ("0", False),
        ("00000000", False),
        # separators: spaces, dots and dashes, anywhere; nothing else
        ("1112.22.333", True),
        (" 111222333 ", True),
        ("1-1-1-2-2-2-3-3-3", True),
        ("111 - 222 . 333", True),
        ("111_222_333", False),
        ("111/222/333", False),
        ("111,222,333", False),
        ("111\u00a0222\u00a0333", False),
        ("111\u2013222\u2013333", False),
        ("111222333\n", False),
        ("...---   ", False),
    ],
)
def test_is_bsn_knows_a_bsn_by_its_nine_digits_and_the_eleven_test(
    value: str, expected: bool
) -> None:
    assert is_bsn(value) is expected


def passes_eleven_test(digits: str) -> bool:
    total = sum((9 - i) * int(d) for i, d in enumerate(digits[:8])) - int(digits[8])
    return total % 11 == 0 and set(digits) != {"0"}


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
@example("111222333")
@example("000000000")
@example("123456789")
def test_a_nine_digit_subject_id_is_refused_exactly_when_it_passes_the_eleven_test(
    digits: str,
) -> None:
    errors = errors_of(facts(subject=subject(id=digits)))

    if passes_eleven_test(digits):
        assert list(errors) == ["subject.id"]
        assert "never be a BSN" in errors["subject.id"]
    else:
        assert errors == {}


def test_is_special_holds_for_health_data_only() -> None:
    assert is_special("medisch", VOCABULARY)
    assert is_special("verzuim", VOCABULARY)
    assert not is_special("vog", VOCABULARY)
    assert not is_special("bsn", VOCABULARY)
    assert not is_special("naam", VOCABULARY)
    assert not is_special("onbekend", VOCABULARY)


def test_an_extended_vocabulary_brings_its_codes_and_their_rules() -> None:
    vocabulary = VOCABULARY.extended(
        {
            "recipient_categories": [
                {"code": "vakbond", "nl": "Vakbond", "en": "Trade union", "dpv": None}
            ],
            "data_categories": [
                {
                    "code": "vakbondslidmaatschap",
                    "nl": "Vakbondslidmaatschap",
                    "en": "Trade union membership",
                    "dpv": "pd:TradeUnionMembership",
                    "sensitivity": "special",
                }
            ],
        }
    )
    to_union = facts(
        CONTRACT,
        recipient=Recipient("vakbond", "FNV"),
        data_categories=("naam", "vakbondslidmaatschap"),
    )

    assert "recipient.category" in errors_of(to_union)
    assert list(errors_of(to_union, vocabulary)) == ["special_category_condition"]
    with_consent = replace(
        to_union, special_category_condition="explicit_consent", consent_reference="Formulier 7"
    )
    assert errors_of(with_consent, vocabulary) == {}


def test_a_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_disclosure(BASELINE, now=datetime(2026, 11, 2, 9, 0), vocabulary=VOCABULARY)


CLEAN_ROWS: list[DisclosureFacts] = [row.values[0] for row in ACCEPTED]
REFUSED_ROWS: list[DisclosureFacts] = [row.values[0] for row in REFUSED]


def batch_errors(checker: BatchChecker, disclosure: DisclosureFacts) -> dict[str, str]:
    try:
        checker.check(disclosure)
    except DisclosureRefused as refused:
        return refused.errors
    return {}


def test_a_batch_judges_every_row_exactly_as_one_disclosure_is_judged() -> None:
    """Clean terms and subjects are remembered (every accepted row first, then each again):
    every refused row still gets exactly its own errors, in the same order, whether its terms
    and subject were seen clean (a bad time or reference) or not, and the clean rows pass."""
    checker = BatchChecker(now=NOW, vocabulary=VOCABULARY)
    rows = [*CLEAN_ROWS, *REFUSED_ROWS, *CLEAN_ROWS, *REFUSED_ROWS]
    seen_clean = 0
    for disclosure in rows:
        alone = errors_of(disclosure)
        assert list(batch_errors(checker, disclosure).items()) == list(alone.items())
        seen_clean += not alone
    assert seen_clean == 2 * len(CLEAN_ROWS)


def test_a_batch_judges_the_time_and_reference_of_a_disclosure_whose_terms_it_knows() -> None:
    checker = BatchChecker(now=NOW, vocabulary=VOCABULARY)
    assert batch_errors(checker, BASELINE) == {}
    late = batch_errors(checker, facts(occurred_at=NOW + timedelta(hours=1)))
    assert "5 minutes" in late["occurred_at"]
    blank = batch_errors(checker, facts(source=source(reference=" ")))
    assert blank == {"source.reference": "must not be empty"}
    unordered = batch_errors(checker, facts(suppressed_until=date(2027, 1, 1)))
    assert "is required" in unordered["suppression_authority"]
    # Another subject of the same terms is judged on its own.
    bsn = batch_errors(checker, facts(subject=subject(id="111222333")))
    assert "never be a BSN" in bsn["subject.id"]
    assert batch_errors(checker, BASELINE) == {}


@given(st.lists(st.sampled_from([*CLEAN_ROWS, *REFUSED_ROWS]), min_size=1, max_size=30))
def test_a_batch_in_any_order_judges_as_one_by_one(rows: list[DisclosureFacts]) -> None:
    checker = BatchChecker(now=NOW, vocabulary=VOCABULARY)
    for disclosure in rows:
        assert list(batch_errors(checker, disclosure).items()) == list(
            errors_of(disclosure).items()
        )
