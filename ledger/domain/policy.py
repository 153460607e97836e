"""The rules that decide whether a disclosure may be recorded, as plain functions.

`check_disclosure` runs every rule and refuses with all the errors at once, keyed by field path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from ledger.domain.errors import DisclosureRefused
from ledger.domain.patterns import CONTROL_CHARACTERS, KVK_NUMBER, SOURCE_SYSTEM, SURROGATES
from ledger.domain.subjects import MAX_LENGTH as MAX_SUBJECT_ID
from ledger.domain.subjects import normal_form, subject_id_problem
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer
from ledger.domain.vocabulary import Vocabulary, is_country_code, is_eea

MAX_NAME = 200
MAX_EMAIL = 254
MAX_RECIPIENT_ID = 64
MAX_DATA_CATEGORIES = 40
MAX_LEGAL_PROVISION = 300
MAX_CONSENT_REFERENCE = 200
MAX_PURPOSE = 500
MAX_SOURCE_SYSTEM = 64
MAX_SOURCE_REFERENCE = 200
MAX_SUPPRESSION_AUTHORITY = 200
# Posting systems' clocks drift a little; more lead would let a planned disclosure pass as a fact.
MAX_CLOCK_LEAD = timedelta(minutes=5)
# The earliest a disclosure may have happened. A backfill reaches back years (payroll records
# are kept seven), never a quarter century; an earlier date is a system's empty default
# (0001-01-01, 1900-01-01, the 1970 epoch) rather than a fact, and the person's overview would
# show it as one. It also keeps every accepted moment convertible to UTC: 0001-01-01T00:30+01:00
# is not.
EARLIEST_OCCURRED_AT = datetime(2000, 1, 1, tzinfo=UTC)

# The bases that rest on a law: the disclosure names it, and only these may carry a BSN.
LAW_BASED_BASES = frozenset({"legal_obligation", "public_task"})
# The privacy statement: no BSN and no copy of an identity document for zzp'ers.
NOT_FOR_ZZP = frozenset({"bsn", "kopie_id"})

# Written out rather than python-stdnum's nl.bsn.is_valid, which does not fit this rule: it first
# maps full-width digits, Unicode dashes and other look-alikes to ASCII and strips whitespace,
# then zero-pads to 9 digits, so "36" and every 8-digit number that passes after padding count
# as BSNs. The guards against that (9 ASCII digits, separators removed) are all of this function
# but one line of arithmetic, and the domain would gain an LGPL dependency for that one line.
# A BSN is nine digits; an 8-digit value is not taken for one whose leading zero was lost, since
# about 1 in 11 eight-digit staff or KvK numbers would pass and be refused.
_BSN_SEPARATORS = re.compile(r"[ .\-]")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
# Codes some systems send that ISO 3166-1 only reserves: the EU's EL for Greece, and UK.
_NOT_ISO_COUNTRIES = {"EL": "GR", "UK": "GB"}


def is_bsn(value: str) -> bool:
    """True when `value`, without spaces, dots and dashes, is a BSN: 9 digits that pass the
    eleven-test (9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11) and are not all zeros."""
    digits = _BSN_SEPARATORS.sub("", value)
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit() or digits == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(_BSN_WEIGHTS, digits, strict=True)) % 11 == 0


def is_special(code: str, vocabulary: Vocabulary) -> bool:
    """True for a special-category data code (GDPR Art. 9), such as medisch or verzuim."""
    category = vocabulary.data_categories.get(code)
    return category is not None and category.sensitivity == "special"


def check_disclosure(facts: DisclosureFacts, *, now: datetime, vocabulary: Vocabulary) -> None:
    """Raise DisclosureRefused with every broken rule; return quietly when all hold."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    errors = _Errors()
    _controller(facts, errors)
    _subject(facts, vocabulary, errors)
    _recipient(facts, vocabulary, errors)
    _data_categories(facts, vocabulary, errors)
    _legal_basis(facts, vocabulary, errors)
    _special_category_condition(facts, vocabulary, errors)
    _legal_provision(facts, vocabulary, errors)
    _consent_reference(facts, errors)
    _purpose(facts, errors)
    _occurred_at(facts, now, errors)
    _transfer(facts, vocabulary, errors)
    _source(facts, errors)
    _suppression(facts, errors)
    _restriction_ground(facts, vocabulary, errors)
    if errors:
        raise DisclosureRefused(errors)


class BatchChecker:
    """`check_disclosure` for the disclosures of one batch, with the same answer for each.

    Most rules judge only a disclosure's terms (controller, recipient, categories, basis,
    provision, purpose, transfer, source system) or only its subject, and a batch repeats both:
    a payroll run names a few recipients for thousands of people, each several times. Terms or
    a subject once found clean are not judged again (a new subject of known terms is judged by
    the subject's rules alone); what is judged per disclosure is its time, its source reference
    and its suppression. A disclosure with any problem is judged
    again by `check_disclosure` in full, so its errors, and their order, are exactly as ever.
    """

    def __init__(self, *, now: datetime, vocabulary: Vocabulary) -> None:
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        self.now = now
        self.vocabulary = vocabulary
        self._clean_terms: set[tuple[object, ...]] = set()
        self._clean_subjects: set[Subject] = set()

    def check(self, facts: DisclosureFacts) -> None:
        """Raise DisclosureRefused with every broken rule; return quietly when all hold."""
        try:
            terms: tuple[object, ...] | None = _terms_of(facts)
            known = terms in self._clean_terms
            subject_known = known and facts.subject in self._clean_subjects
        except TypeError:  # an unhashable value where a code or text belongs: judged in full
            terms, known, subject_known = None, False, False
        if known:
            errors = _Errors()
            if not subject_known:
                _subject(facts, self.vocabulary, errors)
            _occurred_at(facts, self.now, errors)
            _source(facts, errors)
            _suppression(facts, errors)
            if not errors:
                if not subject_known:
                    self._clean_subjects.add(facts.subject)
                return
        check_disclosure(facts, now=self.now, vocabulary=self.vocabulary)
        if terms is not None:
            self._clean_terms.add(terms)
            self._clean_subjects.add(facts.subject)


def _terms_of(facts: DisclosureFacts) -> tuple[object, ...]:
    """Every fact a rule reads, but the subject's own (id, name, e-mail: the subject is judged
    as a whole), the time, the source reference and the suppression: the rules of the rest
    depend on these alone. The subject's kind is here too: it decides categories (zzp)."""
    subject, source = facts.subject, facts.source
    return (
        type(facts.controller),
        facts.controller,
        type(subject),
        subject.kind if isinstance(subject, Subject) else None,
        type(facts.recipient),
        facts.recipient,
        type(facts.data_categories),
        facts.data_categories,
        facts.legal_basis,
        facts.special_category_condition,
        facts.legal_provision,
        facts.consent_reference,
        facts.purpose,
        facts.transfer,
        type(source),
        source.system if isinstance(source, Source) else None,
        facts.restriction_ground,
    )


def check_terms(facts: DisclosureFacts, *, vocabulary: Vocabulary) -> dict[str, str]:
    """The errors of the rules on what a disclosure's terms say, keyed by field path: its
    recipient category, data categories, legal basis, Art. 9 condition, legal provision and
    transfer; not the rules on one posting (subject, time, source, consent reference).

    A register's activity (`ledger.domain.activity`) is judged by these same rules, so an
    activity the policy would refuse on every disclosure cannot be registered.
    """
    errors = _Errors()
    if isinstance(facts.recipient, Recipient):
        _recipient_category(facts.recipient, vocabulary, errors)
    _data_categories(facts, vocabulary, errors)
    _legal_basis(facts, vocabulary, errors)
    _special_category_condition(facts, vocabulary, errors)
    _legal_provision(facts, vocabulary, errors)
    _transfer(facts, vocabulary, errors)
    return dict(errors)


def text_problem(
    value: object, *, required: bool = False, max_length: int | None = None
) -> str | None:
    """What is wrong with one free-text field (blank, control characters, too long), or None."""
    return _text_problem(value, required=required, max_length=max_length)


class _Errors(dict[str, str]):
    def add(self, path: str, message: str) -> None:
        # The first finding on a field is the one to fix: a blank code is not also "unknown".
        self.setdefault(path, message)


# -- one rule group per field --------------------------------------------------------------------


def _controller(facts: DisclosureFacts, errors: _Errors) -> None:
    if problem := _text_problem(facts.controller, required=True):
        errors.add("controller", problem)
    elif not KVK_NUMBER.fullmatch(facts.controller):
        errors.add("controller", "must be a KvK number of exactly 8 digits, e.g. '12345678'")


def _subject(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    subject = facts.subject
    if not isinstance(subject, Subject):
        errors.add("subject", "is required: give at least the subject's id")
        return
    if problem := _text_problem(subject.id, required=True, max_length=MAX_SUBJECT_ID):
        errors.add("subject.id", problem)
    elif is_bsn(normal_form(subject.id)):
        # Judged on the normal form: full-width digits are the same nine digits.
        errors.add(
            "subject.id",
            "must never be a BSN: use the source system's own employee or relation number,"
            " e.g. 'E-10001'",
        )
    elif problem := subject_id_problem(subject.id):
        errors.add("subject.id", problem)
    if problem := _text_problem(subject.kind, required=True):
        errors.add("subject.kind", problem)
    elif subject.kind not in vocabulary.subject_kinds:
        errors.add("subject.kind", _unknown("subject kind", subject.kind, vocabulary.subject_kinds))
    if problem := _text_problem(subject.name, max_length=MAX_NAME):
        errors.add("subject.name", problem)
    if problem := _text_problem(subject.email, max_length=MAX_EMAIL):
        errors.add("subject.email", problem)
    elif subject.email is not None and not _looks_like_email(subject.email):
        errors.add("subject.email", "must be an e-mail address, e.g. 'jan@example.org'")


def _recipient(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    recipient = facts.recipient
    if not isinstance(recipient, Recipient):
        errors.add("recipient", "is required: give at least its category and name")
        return
    _recipient_category(recipient, vocabulary, errors)
    if problem := _text_problem(recipient.name, required=True, max_length=MAX_NAME):
        errors.add("recipient.name", problem)
    if problem := _text_problem(recipient.id, max_length=MAX_RECIPIENT_ID):
        errors.add("recipient.id", problem)
    if problem := _country_problem(recipient.country, required=False):
        errors.add("recipient.country", problem)


def _recipient_category(recipient: Recipient, vocabulary: Vocabulary, errors: _Errors) -> None:
    if problem := _text_problem(recipient.category, required=True):
        errors.add("recipient.category", problem)
    elif recipient.category not in vocabulary.recipient_categories:
        errors.add(
            "recipient.category",
            _unknown("recipient category", recipient.category, vocabulary.recipient_categories),
        )


def _data_categories(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    codes = facts.data_categories
    if codes is None:
        errors.add("data_categories", "is required (or name the activity that defines them)")
        return
    if not _is_list(codes):
        errors.add(
            "data_categories", "must be a list of data category codes, e.g. ['naam', 'salaris']"
        )
        return
    if not codes:
        errors.add("data_categories", "must name at least one data category, e.g. 'naam'")
        return
    if len(codes) > MAX_DATA_CATEGORIES:
        # Judging each of thousands of entries would bury this one message.
        errors.add(
            "data_categories",
            f"must name at most {MAX_DATA_CATEGORIES} data categories (it names {len(codes)})",
        )
        return
    first_at: dict[str, int] = {}
    for index, code in enumerate(codes):
        path = f"data_categories.{index}"
        if problem := _text_problem(code, required=True):
            errors.add(path, problem)
        elif code not in vocabulary.data_categories:
            errors.add(path, _unknown("data category", code, vocabulary.data_categories))
        elif code in first_at:
            errors.add(path, f"repeats '{code}' (data_categories.{first_at[code]}): name it once")
        else:
            first_at[code] = index
    if isinstance(facts.subject, Subject) and facts.subject.kind == "zzp":
        for index, code in enumerate(codes):
            if code in NOT_FOR_ZZP:
                errors.add(
                    f"data_categories.{index}",
                    f"must not be '{code}' for a zzp subject: no BSN and no copy of an identity"
                    " document of zzp'ers is processed; their kvk_uittreksel or btw_nummer is",
                )


def _legal_basis(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    basis = facts.legal_basis
    if problem := _text_problem(basis, required=True):
        errors.add("legal_basis", problem)
        return
    if basis not in vocabulary.legal_bases:
        errors.add("legal_basis", _unknown("legal basis", basis, vocabulary.legal_bases))
        return
    identifiers = _codes_with(facts, vocabulary, "identifier")
    if identifiers and basis not in LAW_BASED_BASES:
        errors.add(
            "legal_basis",
            f"must be legal_obligation or public_task when {', '.join(identifiers)} is"
            " disclosed: a national identification number may only be used where a law"
            " prescribes it (UAVG art. 46)",
        )


def _special_category_condition(
    facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors
) -> None:
    path = "special_category_condition"
    condition = facts.special_category_condition
    special = _codes_with(facts, vocabulary, "special")
    if problem := _text_problem(condition):
        errors.add(path, problem)
    elif condition is None:
        if special:
            errors.add(
                path,
                f"is required because {', '.join(special)} is special-category data"
                " (GDPR Art. 9): give the Art. 9(2) condition, e.g. 'occupational_medicine'"
                " or 'explicit_consent'",
            )
    elif condition not in vocabulary.special_conditions:
        errors.add(
            path,
            _unknown("special-category condition", condition, vocabulary.special_conditions),
        )
    elif not special and _all_known(facts, vocabulary):
        errors.add(
            path,
            "must be left out: none of the data categories is special-category data"
            " (GDPR Art. 9), so no Art. 9(2) condition applies",
        )


def _legal_provision(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    provision = facts.legal_provision
    if problem := _text_problem(provision, max_length=MAX_LEGAL_PROVISION):
        errors.add("legal_provision", problem)
        return
    if provision is not None:
        return
    reasons = []
    if facts.legal_basis in LAW_BASED_BASES:
        reasons.append(f"the legal basis is {facts.legal_basis}")
    if identifiers := _codes_with(facts, vocabulary, "identifier"):
        reasons.append(f"{', '.join(identifiers)} is disclosed (a national identification number)")
    if criminal := _codes_with(facts, vocabulary, "criminal"):
        reasons.append(f"{', '.join(criminal)} is disclosed (criminal-record data, GDPR Art. 10)")
    if reasons:
        errors.add(
            "legal_provision",
            f"is required when {' and when '.join(reasons)}: name the law and article,"
            " e.g. 'Wet op de loonbelasting 1964, art. 28'",
        )


def _consent_reference(facts: DisclosureFacts, errors: _Errors) -> None:
    reference = facts.consent_reference
    if problem := _text_problem(reference, max_length=MAX_CONSENT_REFERENCE):
        errors.add("consent_reference", problem)
        return
    if reference is not None:
        return
    if facts.legal_basis == "consent":
        reason = "the legal basis is consent"
    elif facts.special_category_condition == "explicit_consent":
        reason = "the special-category condition is explicit_consent"
    else:
        return
    errors.add(
        "consent_reference",
        f"is required when {reason}: say where the consent is recorded,"
        " e.g. 'consent form 2026-0042 in the personnel file'",
    )


def _purpose(facts: DisclosureFacts, errors: _Errors) -> None:
    if problem := _text_problem(facts.purpose, required=True, max_length=MAX_PURPOSE):
        errors.add("purpose", problem)


def _occurred_at(facts: DisclosureFacts, now: datetime, errors: _Errors) -> None:
    occurred_at = facts.occurred_at
    if not isinstance(occurred_at, datetime):
        errors.add("occurred_at", "is required: an ISO 8601 date-time with a UTC offset")
    elif occurred_at.utcoffset() is None:
        errors.add("occurred_at", "must carry a UTC offset, e.g. 2026-10-31T12:00:00+01:00")
    elif occurred_at < EARLIEST_OCCURRED_AT:
        errors.add(
            "occurred_at",
            f"must not be before {EARLIEST_OCCURRED_AT.date().isoformat()}: a date this early is"
            " a system's empty default (such as 0001-01-01 or 1970-01-01), not when data left",
        )
    elif occurred_at - now > MAX_CLOCK_LEAD:
        errors.add(
            "occurred_at",
            "must not be more than 5 minutes in the future (the ledger's clock reads"
            f" {now.isoformat(timespec='seconds')}): record a disclosure once the data has left",
        )


def _transfer(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    transfer = facts.transfer
    destination = _recipient_country(facts)
    if transfer is None:
        if destination is not None and not is_eea(destination):
            errors.add(
                "transfer",
                f"is required because the recipient is in {destination}, outside the EEA:"
                f" give transfer {{country: '{destination}', safeguard}} with a safeguard such as"
                " 'standard_contractual_clauses' or 'adequacy_decision' (GDPR Art. 44-49)",
            )
        return
    if not isinstance(transfer, Transfer):
        errors.add("transfer", "must be an object {country, safeguard}")
        return
    if problem := _country_problem(transfer.country, required=True):
        errors.add("transfer.country", problem)
    elif is_eea(transfer.country):
        errors.add(
            "transfer.country",
            f"is {transfer.country}, inside the EEA: that is no transfer under GDPR chapter V,"
            " so leave transfer out",
        )
    elif destination is not None and transfer.country != destination:
        errors.add(
            "transfer.country",
            f"must equal recipient.country ('{destination}'): the data goes where the recipient is",
        )
    if problem := _text_problem(transfer.safeguard, required=True):
        errors.add("transfer.safeguard", problem)
    elif transfer.safeguard not in vocabulary.safeguards:
        errors.add(
            "transfer.safeguard",
            _unknown("transfer safeguard", transfer.safeguard, vocabulary.safeguards),
        )


def _source(facts: DisclosureFacts, errors: _Errors) -> None:
    source = facts.source
    if not isinstance(source, Source):
        errors.add("source", "is required: give {system, reference}")
        return
    if problem := _text_problem(source.system, required=True, max_length=MAX_SOURCE_SYSTEM):
        errors.add("source.system", problem)
    elif not SOURCE_SYSTEM.fullmatch(source.system):
        errors.add(
            "source.system",
            "must be a lower-case system name of letters, digits, '_', '.' and '-' that starts"
            " with a letter or digit, e.g. 'payroll'",
        )
    if problem := _text_problem(source.reference, required=True, max_length=MAX_SOURCE_REFERENCE):
        errors.add("source.reference", problem)


def _suppression(facts: DisclosureFacts, errors: _Errors) -> None:
    until = facts.suppressed_until
    authority = facts.suppression_authority
    if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
        errors.add("suppressed_until", "must be a date without a time, e.g. 2027-01-31")
        return
    if problem := _text_problem(authority, max_length=MAX_SUPPRESSION_AUTHORITY):
        errors.add("suppression_authority", problem)
    elif until is not None and authority is None:
        errors.add(
            "suppression_authority",
            "is required when suppressed_until is given: name who ordered the secrecy,"
            " e.g. 'Politie Midden-Nederland, zaak 2026/4711'",
        )
    if until is None and authority is not None:
        errors.add(
            "suppressed_until",
            "is required when suppression_authority is given: the date until which the"
            " disclosure stays out of the subject's own overview, e.g. 2027-01-31",
        )
    occurred_at = facts.occurred_at
    if until is not None and isinstance(occurred_at, datetime) and until < occurred_at.date():
        errors.add(
            "suppressed_until",
            f"must not be before the date of occurred_at ({occurred_at.date().isoformat()})",
        )


def _restriction_ground(facts: DisclosureFacts, vocabulary: Vocabulary, errors: _Errors) -> None:
    # Whether one is needed depends on the person's restrictions (`ledger.domain.restriction`);
    # here only that a given one is a ground of Art. 18(2).
    ground = facts.restriction_ground
    if ground is None:
        return
    if not isinstance(ground, str) or ground not in vocabulary.restriction_grounds:
        errors.add(
            "restriction_ground",
            _unknown("Art. 18(2) ground", str(ground), vocabulary.restriction_grounds),
        )


# -- small helpers -------------------------------------------------------------------------------


def _text_problem(
    value: object, *, required: bool = False, max_length: int | None = None
) -> str | None:
    """What is wrong with one text field, or None; an absent optional field is fine."""
    if value.__class__ is str and value.isascii() and value.isprintable():
        # Printable ASCII (most of a batch): no control character, no surrogate, and blank
        # only when empty or all spaces.
        if not value.strip():
            return (
                "must not be empty"
                if required
                else "must not be empty: give a value or leave it out"
            )
        if max_length is not None and len(value) > max_length:
            return f"must be at most {max_length} characters (it has {len(value)})"
        return None
    if value is None:
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be a string"
    if not value.strip():
        return (
            "must not be empty" if required else "must not be empty: give a value or leave it out"
        )
    # Printable ASCII (most of a batch) holds neither: two regex scans fewer per field.
    if not (value.isascii() and value.isprintable()):
        if found := SURROGATES.search(value):
            return unpaired_surrogate(found.group())
        if found := CONTROL_CHARACTERS.search(value):
            return f"must not contain control characters (found U+{ord(found.group()):04X})"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters (it has {len(value)})"
    return None


def unpaired_surrogate(char: str) -> str:
    """The refusal of a text with a lone surrogate code point, for every field that meets one."""
    return (
        f"contains an unpaired surrogate (U+{ord(char):04X}): half of an escaped pair, which"
        " is no character"
    )


def _country_problem(value: object, *, required: bool) -> str | None:
    if problem := _text_problem(value, required=required):
        return problem
    if not isinstance(value, str):
        return None
    if value in _NOT_ISO_COUNTRIES:
        return f"is not an ISO 3166-1 code: use '{_NOT_ISO_COUNTRIES[value]}'"
    if is_country_code(value):
        return None
    upper = value.strip().upper()
    hint = f"use '{upper}'" if is_country_code(upper) else "e.g. 'NL' or 'US'"
    return f"must be an ISO 3166-1 alpha-2 country code of two capital letters, {hint}"


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return (
        bool(at and local)
        and "@" not in domain
        and "." in domain
        and not domain.startswith(".")
        and not domain.endswith(".")
        and ".." not in domain
        and not (
            " " in value  # printable ASCII has no other whitespace
            if value.isascii() and value.isprintable()
            else any(char.isspace() for char in value)
        )
    )


def _unknown(what: str, code: str, known: Mapping[str, object]) -> str:
    message = f"is not a known {what}"
    normalised = code.strip().lower().replace("-", "_").replace(" ", "_")
    if normalised in known:
        return f"{message}: codes are lower_snake_case, use '{normalised}'"
    if len(known) <= 8:
        return f"{message}: use one of {', '.join(known)}"
    if close := difflib.get_close_matches(code, list(known), n=1):
        return f"{message}: did you mean '{close[0]}'?"
    examples = ", ".join(f"'{example}'" for example in list(known)[:3])
    return f"{message}: use one of the {len(known)} codes of the vocabulary, e.g. {examples}"


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _recipient_country(facts: DisclosureFacts) -> str | None:
    """The recipient's country when it is given and well formed."""
    recipient = facts.recipient
    if not isinstance(recipient, Recipient) or recipient.country is None:
        return None
    if _country_problem(recipient.country, required=False):
        return None
    return recipient.country


def _codes_with(facts: DisclosureFacts, vocabulary: Vocabulary, sensitivity: str) -> list[str]:
    """The disclosed codes of one sensitivity, each once, in the order given."""
    if not _is_list(facts.data_categories):
        return []
    found: list[str] = []
    for code in facts.data_categories:
        category = vocabulary.data_categories.get(code) if isinstance(code, str) else None
        if category is not None and category.sensitivity == sensitivity and code not in found:
            found.append(code)
    return found


def _all_known(facts: DisclosureFacts, vocabulary: Vocabulary) -> bool:
    codes = facts.data_categories
    return (
        _is_list(codes)
        and bool(codes)
        and all(isinstance(code, str) and code in vocabulary.data_categories for code in codes)
    )
