"""The shape of a posted disclosure (marshmallow), shared by the HTTP API and `ledger import`.

Shape only: types, required keys, no unknown fields, and text that is text (`Text`). Whether a
disclosure is acceptable is decided by `ledger.domain.policy`, so the rules live in one place;
the subject id is brought to its normal form here (`ledger.domain.subjects`), and the policy
refuses one that is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from ledger.domain.activity import ACTIVITY_CODE
from ledger.domain.patterns import SURROGATES
from ledger.domain.policy import unpaired_surrogate
from ledger.domain.subjects import normal_form
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer


class Matches(validate.Regexp):
    """One of the domain's patterns (`ledger.domain.patterns`), matched against the whole value
    and documented as `^(...)$` in the OpenAPI document."""

    def __init__(self, pattern: re.Pattern[str], *, error: str | None = None) -> None:
        super().__init__(f"^(?:{pattern.pattern})$", error=error)
        self.whole = pattern

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self.whole.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Text(fields.String):
    """A string that is text: every string field of a request is one.

    JSON can carry half of a surrogate pair ("\\ud800"), which no encoder takes: stored,
    hashed or shown, it would fail far from here. It is refused here, naming the field.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if not text.isascii() and (found := SURROGATES.search(text)):
            raise ValidationError(unpaired_surrogate(found.group()))
        return text


class SubjectId(Text):
    """A subject id, brought to its one spelling (NFKC, trimmed): " E-1 " is "E-1"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normal_form(super()._deserialize(value, attr, data, **kwargs))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _text(**kwargs: Any) -> Text:
    return Text(**kwargs)


def _optional_text() -> Text:
    return Text(load_default=None, allow_none=True)


class SubjectSchema(StrictSchema):
    id = SubjectId(
        required=True,
        metadata={"description": "the source system's person reference; stored NFKC, trimmed"},
    )
    kind = Text(load_default="employee")
    name = _optional_text()
    email = _optional_text()


class RecipientSchema(StrictSchema):
    category = _text(required=True)
    name = _text(required=True)
    id = _optional_text()
    country = _optional_text()


class TransferSchema(StrictSchema):
    country = _text(required=True)
    safeguard = _text(required=True)


class SourceSchema(StrictSchema):
    system = _text(required=True)
    reference = _text(required=True)


class DisclosureSchema(StrictSchema):
    """One disclosure as a posting system sends it."""

    controller = _text(required=True, metadata={"description": "KvK number of the discloser"})
    subject = fields.Nested(SubjectSchema, required=True)
    recipient = fields.Nested(RecipientSchema, required=True)
    activity = Text(
        load_default=None,
        validate=Matches(ACTIVITY_CODE, error="must be an activity code, e.g. 'loonaangifte'"),
        metadata={
            "description": "the code of a processing activity of the register (e.g."
            " 'loonaangifte'): the fields it defines are then taken from its version in force"
            " on occurred_at's date and may be left out; given, they must agree with it"
        },
    )
    data_categories = fields.List(
        Text(),
        load_default=None,
        metadata={
            "description": "required, unless `activity` is given: then all of the activity's"
            " when left out, and each one given must be one of the activity's"
        },
    )
    legal_basis = Text(
        load_default=None,
        metadata={"description": "required, unless `activity` is given (then the activity's)"},
    )
    special_category_condition = Text(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "GDPR Art. 9(2) code; with `activity`, the activity's when a"
            " special-category data category is disclosed"
        },
    )
    legal_provision = Text(
        load_default=None,
        allow_none=True,
        metadata={"description": "the law and article; with `activity`, the activity's"},
    )
    consent_reference = _optional_text()
    purpose = Text(
        load_default=None,
        metadata={
            "description": "required, unless `activity` is given: then the activity's purpose"
            " (in Dutch) when left out"
        },
    )
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    transfer = fields.Nested(
        TransferSchema,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "with `activity`, filled with the activity's transfer to the"
            " recipient's country when left out"
        },
    )
    source = fields.Nested(SourceSchema, required=True)
    suppressed_until = fields.Date(load_default=None, allow_none=True)
    suppression_authority = _optional_text()
    restriction_ground = Text(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "while the person's processing is restricted (GDPR Art. 18):"
            " the ground of Art. 18(2) this disclosure rests on, one of consent, legal_claims,"
            " protection_of_others, public_interest"
        },
    )

    @post_load
    def _to_facts(self, data: dict[str, Any], **_: Any) -> DisclosureFacts:
        transfer = data.pop("transfer")
        categories = data.pop("data_categories")
        return DisclosureFacts(
            subject=Subject(**data.pop("subject")),
            recipient=Recipient(**data.pop("recipient")),
            data_categories=None if categories is None else tuple(categories),  # type: ignore[arg-type]
            transfer=Transfer(**transfer) if transfer else None,
            source=Source(**data.pop("source")),
            **data,
        )


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as `{"recipient.category": "message"}`."""
    flat: dict[str, str] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            flat.update(flatten_errors(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "body"] = " ".join(_plain(m) for m in messages)
    else:
        flat[prefix or "body"] = str(messages)
    return flat


def _plain(message: str) -> str:
    # marshmallow's wording, made to read after a field name: "recipient.name: is required".
    replacements = {
        "Missing data for required field.": "is required",
        "Unknown field.": "is not a field of a disclosure",
        "Field may not be null.": "must not be null",
        "Not a valid string.": "must be a string",
        "Not a valid list.": "must be a list",
        "Not a valid datetime.": "must be an ISO 8601 date-time with offset",
        "Not a valid date.": "must be an ISO 8601 date (YYYY-MM-DD)",
        "Not a valid aware datetime.": "must carry a UTC offset, e.g. 2026-10-31T12:00:00+01:00",
        "Invalid input type.": "must be an object",
    }
    return replacements.get(message, message)


def load_disclosure(data: Any, schema: DisclosureSchema | None = None) -> DisclosureFacts:
    """Parse one posted disclosure; raises ValidationError with flattened field paths."""
    try:
        facts: DisclosureFacts = (schema or DisclosureSchema()).load(data)
    except ValidationError as error:
        raise ValidationError(flatten_errors(error.messages)) from None
    return facts
