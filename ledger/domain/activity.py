"""The register of processing activities (GDPR Art. 30): each activity a versioned, event-sourced
record under a stable code, and the rules a version must meet, as plain functions.

An activity names no person: its events are leaves of the log under the register's own tag
(`REGISTER_TAG`, all zeros, which no person's random tag can be), so the register's history is
as tamper-evident as a person's, in a chain of its own.

A version's content is one JSON-ready mapping (`judge_activity` makes it from what an officer
wrote, `ActivityVersion` reads it back); two versions are the same when their contents are equal.
Which version is in force on a day: the newest whose `valid_from`..`valid_until` covers it, so a
revision can take over from a date on, or correct an earlier period.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain.errors import ActivityConflict, InvalidChange
from ledger.domain.openings import aggregate_opening
from ledger.domain.patterns import KVK_NUMBER
from ledger.domain.policy import (
    MAX_LEGAL_PROVISION,
    MAX_PURPOSE,
    check_terms,
    text_problem,
)
from ledger.domain.topics import short_topics
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer
from ledger.domain.vocabulary import Vocabulary

ACTIVITY_CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")
CODE_RULE = (
    "must be 2-64 characters of lower-case letters, digits and '_' that start with a letter,"
    " e.g. 'loonaangifte'"
)
LANGUAGE_KEY = re.compile(r"[a-z]{2,3}")
# Until the retention rules file is read here, any code of this shape is accepted.
RETENTION_CODE = re.compile(r"[a-z][a-z_]{0,63}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REQUIRED_LANGUAGES = ("nl", "en")
MAX_NAME = 200
MAX_SECURITY = 2000
MAX_REASON = 1000
MAX_CONTROLLERS = 20
MAX_LANGUAGES = 20
MAX_CODES = 40
MAX_TRANSFERS = 20
FIRST_REASON = "first version"
# The register's tag in the log: it names no person (a person's tag is 16 random bytes).
REGISTER_TAG = "0" * 32
# Every activity's id is uuid5(ACTIVITY_NAMESPACE, code): one aggregate per code, found by it.
ACTIVITY_NAMESPACE = UUID("6f1d2a8e-3c47-5b9a-9e0d-4a7c2f81b6d3")

FIELDS = (
    "code",
    "name",
    "purpose",
    "controllers",
    "legal_basis",
    "legal_provision",
    "special_category_condition",
    "data_categories",
    "recipient_categories",
    "retention",
    "transfers",
    "security_measures",
    "valid_from",
    "valid_until",
)


def activity_id(code: str) -> UUID:
    return uuid.uuid5(ACTIVITY_NAMESPACE, code)


@dataclass(frozen=True, slots=True)
class ActivityVersion:
    """One version of an activity of the register, as recorded."""

    code: str
    version: int
    name: Mapping[str, str]
    purpose: Mapping[str, str]
    controllers: tuple[str, ...]
    legal_basis: str
    legal_provision: str | None
    special_category_condition: str | None
    data_categories: tuple[str, ...]
    recipient_categories: tuple[str, ...]
    retention: str | None
    transfers: tuple[tuple[str, str], ...]
    security_measures: Mapping[str, str]
    valid_from: date
    valid_until: date | None
    reason: str
    recorded_at: datetime

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def text(self, field: str, lang: str) -> str:
        """`name`, `purpose` or `security_measures` in `lang`, else in English, else Dutch."""
        texts: Mapping[str, str] = getattr(self, field)
        return texts.get(lang) or texts.get("en") or texts.get("nl") or ""

    @property
    def content(self) -> dict[str, Any]:
        """The JSON-ready content the version's event carries (`judge_activity`'s result)."""
        return {
            "code": self.code,
            "name": dict(self.name),
            "purpose": dict(self.purpose),
            "controllers": list(self.controllers),
            "legal_basis": self.legal_basis,
            "legal_provision": self.legal_provision,
            "special_category_condition": self.special_category_condition,
            "data_categories": list(self.data_categories),
            "recipient_categories": list(self.recipient_categories),
            "retention": self.retention,
            "transfers": [
                {"country": country, "safeguard": safeguard}
                for country, safeguard in self.transfers
            ],
            "security_measures": dict(self.security_measures),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
        }

    @classmethod
    def from_content(
        cls, content: Mapping[str, Any], *, version: int, reason: str, recorded_at: datetime
    ) -> ActivityVersion:
        until = content.get("valid_until")
        return cls(
            code=content["code"],
            version=version,
            name=MappingProxyType(dict(content["name"])),
            purpose=MappingProxyType(dict(content["purpose"])),
            controllers=tuple(content["controllers"]),
            legal_basis=content["legal_basis"],
            legal_provision=content.get("legal_provision"),
            special_category_condition=content.get("special_category_condition"),
            data_categories=tuple(content["data_categories"]),
            recipient_categories=tuple(content["recipient_categories"]),
            retention=content.get("retention"),
            transfers=tuple(
                (item["country"], item["safeguard"]) for item in content.get("transfers", ())
            ),
            security_measures=MappingProxyType(dict(content.get("security_measures") or {})),
            valid_from=date.fromisoformat(content["valid_from"]),
            valid_until=None if until is None else date.fromisoformat(until),
            reason=reason,
            recorded_at=recorded_at,
        )


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The fields whose content differs between two versions, in the register's order."""
    return [name for name in FIELDS if old.get(name) != new.get(name)]


# -- the rules of a valid version ----------------------------------------------------------------


def judge_activity(
    raw: Mapping[str, Any],
    *,
    vocabulary: Vocabulary,
    retention_codes: Collection[str] | None = None,
) -> dict[str, Any]:
    """The canonical content of a version from what an officer wrote (parsed TOML or JSON);
    InvalidChange naming every field at fault (`purpose.en`, `data_categories.2`, ...).

    The terms (categories, basis, Art. 9 condition, provision, transfers) are judged by the
    policy's own rules for a disclosure (`ledger.domain.policy.check_terms`). `retention_codes`:
    the known retention rules; None accepts any code of the rules' shape.
    """
    if not isinstance(raw, Mapping):
        raise InvalidChange({"activity": "must be a table (an object) of the activity's fields"})
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - set(FIELDS) - {"reason"})
    for name in unknown:
        errors[name] = f"is not a field of an activity; the fields are {', '.join(FIELDS)}"
    content: dict[str, Any] = {
        "code": _code(raw.get("code"), errors),
        "name": _texts(raw.get("name"), "name", MAX_NAME, errors, required=True),
        "purpose": _texts(raw.get("purpose"), "purpose", MAX_PURPOSE, errors, required=True),
        "controllers": _controllers(raw.get("controllers"), errors),
        "legal_basis": _single_code(raw.get("legal_basis"), "legal_basis", errors),
        "legal_provision": _optional_text(
            raw.get("legal_provision"), "legal_provision", MAX_LEGAL_PROVISION, errors
        ),
        "special_category_condition": _single_code(
            raw.get("special_category_condition"), "special_category_condition", errors
        ),
        "data_categories": _codes(raw.get("data_categories"), "data_categories", errors),
        "recipient_categories": _codes(
            raw.get("recipient_categories"), "recipient_categories", errors
        ),
        "retention": _retention(raw.get("retention"), retention_codes, errors),
        "transfers": _transfers(raw.get("transfers"), errors),
        "security_measures": _texts(
            raw.get("security_measures"), "security_measures", MAX_SECURITY, errors, required=False
        ),
        "valid_from": _day(raw.get("valid_from"), "valid_from", errors, required=True),
        "valid_until": _day(raw.get("valid_until"), "valid_until", errors, required=False),
    }
    _terms(content, vocabulary, errors)
    start, end = content["valid_from"], content["valid_until"]
    if start is not None and end is not None and end < start:
        errors.setdefault(
            "valid_until", f"must not be before valid_from ({start}): it is the last day in force"
        )
    if errors:
        raise InvalidChange(errors)
    return content


def judge_reason(reason: object, *, required: bool) -> str | None:
    """A revision's reason, stripped; InvalidChange naming `reason`."""
    if reason is None and not required:
        return None
    if problem := text_problem(reason, required=True, max_length=MAX_REASON):
        raise InvalidChange(
            {"reason": problem + (": say why the activity changed" if reason is None else "")}
        )
    assert isinstance(reason, str)
    return reason.strip()


def _code(value: object, errors: dict[str, str]) -> str | None:
    if problem := text_problem(value, required=True):
        errors["code"] = problem
        return None
    if not isinstance(value, str) or not ACTIVITY_CODE.fullmatch(value):
        errors["code"] = CODE_RULE
        return None
    return value


def _texts(
    value: object, field: str, maximum: int, errors: dict[str, str], *, required: bool
) -> dict[str, str]:
    """A text per language: nl and en required (when any is), further 2-3 letter codes allowed."""
    if value is None:
        if required:
            errors[field] = "is required: a text per language, e.g. {nl = '...', en = '...'}"
        return {}
    if not isinstance(value, Mapping):
        errors[field] = "must be a table of texts per language, e.g. {nl = '...', en = '...'}"
        return {}
    if not value and not required:
        return {}
    texts: dict[str, str] = {}
    for lang in REQUIRED_LANGUAGES:
        if lang not in value:
            errors[f"{field}.{lang}"] = "is required: give the text in Dutch (nl) and English (en)"
    if len(value) > MAX_LANGUAGES:
        errors[field] = f"may have at most {MAX_LANGUAGES} languages"
        return {}
    for lang, text in value.items():
        path = f"{field}.{lang}"
        if not isinstance(lang, str) or not LANGUAGE_KEY.fullmatch(lang):
            errors[path] = "is not a language code: use 2 or 3 lower-case letters, e.g. 'de'"
        elif problem := text_problem(text, required=True, max_length=maximum):
            errors[path] = problem
        else:
            assert isinstance(text, str)
            texts[lang] = text.strip()
    return texts


def _optional_text(value: object, field: str, maximum: int, errors: dict[str, str]) -> str | None:
    if problem := text_problem(value, max_length=maximum):
        errors[field] = problem
        return None
    return value.strip() if isinstance(value, str) else None


def _controllers(value: object, errors: dict[str, str]) -> list[str]:
    if not _is_list(value) or not value:
        errors["controllers"] = "must list the KvK numbers of the controllers, e.g. ['12345678']"
        return []
    assert isinstance(value, Sequence)
    if len(value) > MAX_CONTROLLERS:
        errors["controllers"] = f"may name at most {MAX_CONTROLLERS} controllers"
        return []
    found: list[str] = []
    for index, number in enumerate(value):
        path = f"controllers.{index}"
        if not isinstance(number, str) or not KVK_NUMBER.fullmatch(number):
            errors[path] = "must be a KvK number of exactly 8 digits, e.g. '12345678'"
        elif number in found:
            errors[path] = f"repeats '{number}': name each controller once"
        else:
            found.append(number)
    return found


def _codes(value: object, field: str, errors: dict[str, str]) -> list[Any]:
    """A list of codes as given: whether each is a known code, and the rules on them, are the
    policy's (`_terms`); repeats are refused here, where the policy has no rule for them."""
    if not _is_list(value) or not value:
        errors[field] = "must list at least one code of the vocabulary"
        return []
    assert isinstance(value, Sequence)
    if len(value) > MAX_CODES:
        errors[field] = f"may name at most {MAX_CODES} codes (it names {len(value)})"
        return []
    first_at: dict[str, int] = {}
    for index, code in enumerate(value):
        if isinstance(code, str) and code in first_at:
            errors.setdefault(
                f"{field}.{index}", f"repeats '{code}' ({field}.{first_at[code]}): name it once"
            )
        elif isinstance(code, str):
            first_at[code] = index
    return list(value)


def _single_code(value: object, field: str, errors: dict[str, str]) -> Any:
    """A code field (legal basis, Art. 9 condition) that is not text is refused here: the
    policy's rules compare it with sets of codes."""
    if value is None or isinstance(value, str):
        return value
    errors[field] = "must be a code (a string)"
    return None


def _retention(value: object, known: Collection[str] | None, errors: dict[str, str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not RETENTION_CODE.fullmatch(value):
        errors["retention"] = (
            "must be a retention rule's code of lower-case letters and '_', e.g. 'fiscal',"
            " or left out (the data categories' own rules apply)"
        )
        return None
    if known is not None and value not in known:
        errors["retention"] = (
            f"is not a known retention rule; use one of {', '.join(sorted(known))}"
        )
        return None
    return value


def _transfers(value: object, errors: dict[str, str]) -> list[dict[str, str]]:
    if value is None:
        return []
    if not _is_list(value):
        errors["transfers"] = "must be a list of {country, safeguard} tables"
        return []
    assert isinstance(value, Sequence)
    if len(value) > MAX_TRANSFERS:
        errors["transfers"] = f"may name at most {MAX_TRANSFERS} transfers"
        return []
    found: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {"country", "safeguard"}:
            errors[f"transfers.{index}"] = (
                "must be a table of exactly country and safeguard, e.g."
                " {country = 'US', safeguard = 'standard_contractual_clauses'}"
            )
            continue
        found.append({"country": item["country"], "safeguard": item["safeguard"]})
    return found


def _day(value: object, field: str, errors: dict[str, str], *, required: bool) -> str | None:
    if value is None:
        if required:
            errors[field] = "is required: the first day the version is in force, e.g. 2026-01-01"
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    # Exactly YYYY-MM-DD: fromisoformat alone also takes 20260101 and 2026-W01-1.
    if isinstance(value, str) and DAY.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            errors[field] = "is not a day of the calendar"
            return None
    errors[field] = "must be a date without a time (YYYY-MM-DD), e.g. 2026-01-01"
    return None


def _terms(content: dict[str, Any], vocabulary: Vocabulary, errors: dict[str, str]) -> None:
    """The policy's rules on a disclosure's terms, as they apply to every disclosure under this
    activity: one judged disclosure per recipient category and per transfer."""
    given: list[Any] = content["recipient_categories"]
    # Without recipient categories (refused already) the other terms are judged all the same.
    categories = given or [""]
    for index, category in enumerate(categories):
        found = check_terms(_facts(content, category, None), vocabulary=vocabulary)
        for path, message in found.items():
            if not path.startswith("recipient"):
                errors.setdefault(path, message)
            elif given:
                errors.setdefault(f"recipient_categories.{index}", message)
    for index, item in enumerate(content["transfers"]):
        transfer = Transfer(country=item["country"], safeguard=item["safeguard"])
        found = check_terms(_facts(content, categories[0], transfer), vocabulary=vocabulary)
        for path, message in found.items():
            if path.startswith("transfer."):
                errors.setdefault(f"transfers.{index}.{path.removeprefix('transfer.')}", message)


def _facts(content: Mapping[str, Any], category: Any, transfer: Transfer | None) -> DisclosureFacts:
    """A disclosure under this activity, as the policy sees its terms; the posting's own fields
    (subject, time, source) are placeholders its term rules do not read."""
    return DisclosureFacts(
        controller="00000000",
        subject=Subject(id="register"),
        recipient=Recipient(category=category, name="register"),
        data_categories=tuple(content["data_categories"]),
        legal_basis=content["legal_basis"],
        purpose="register",
        occurred_at=datetime.min,
        source=Source(system="register", reference="register"),
        special_category_condition=content["special_category_condition"],
        legal_provision=content["legal_provision"],
        transfer=transfer,
    )


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


# -- the canonical opening of an event (what its commitment binds) ------------------------------


def activity_opening(
    *, activity: UUID, version: int, event_type: str, fields: Mapping[str, Any]
) -> bytes:
    """Nothing of the register is secret: the opening is the event's fields in clear."""
    return aggregate_opening(
        "activity",
        activity,
        version=version,
        event_type=event_type,
        fields=fields,
        secret={},
        sealed_fields=frozenset(),
    )


# -- the aggregate -------------------------------------------------------------------------------


@short_topics
class ProcessingActivity(Aggregate):
    """One activity of the register, from its first version on; nothing is overwritten.

    Every event carries the whole version's content, the reason, the actor, the register's tag
    and a commitment (its salt in clear: the register is public), so each is a leaf of the
    register's own chain in the log.
    """

    class ActivityDefined(Aggregate.Created):
        code: str
        content: dict[str, Any]
        reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

    class ActivityRevised(Aggregate.Event):
        content: dict[str, Any]
        reason: str
        actor: str
        subject_tag: str
        commitment: str
        salt: str

        def apply(self, aggregate: Any) -> None:
            aggregate.content = self.content

    @event(ActivityDefined)
    def __init__(
        self,
        *,
        code: str,
        content: dict[str, Any],
        reason: str,
        actor: str,
        subject_tag: str,
        commitment: str,
        salt: str,
    ) -> None:
        self.code = code
        self.content = content

    @classmethod
    def define(cls, **fields: Any) -> ProcessingActivity:
        """The first version; the caller judged the content with `judge_activity`."""
        code = fields["code"]
        if fields["content"]["code"] != code:
            raise InvalidChange({"code": "must be the activity's own code"})
        return cls._create(cls.ActivityDefined, id=activity_id(code), **fields)

    def revise(
        self,
        *,
        content: dict[str, Any],
        reason: str,
        actor: str,
        commitment: str,
        salt: str,
    ) -> None:
        """A new version; refused when its content equals the current one's (nothing changed)."""
        if content["code"] != self.code:
            raise InvalidChange({"code": f"must stay '{self.code}': a code never changes"})
        if content == self.content:
            raise ActivityConflict(
                {"content": f"equals version {self.version} of '{self.code}': nothing changed"}
            )
        self.trigger_event(
            self.ActivityRevised,
            content=content,
            reason=reason,
            actor=actor,
            subject_tag=REGISTER_TAG,
            commitment=commitment,
            salt=salt,
        )


EVENTS: tuple[type[Aggregate.Event], ...] = (
    ProcessingActivity.ActivityDefined,
    ProcessingActivity.ActivityRevised,
)
