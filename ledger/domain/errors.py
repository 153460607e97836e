"""Domain errors: each says what is wrong and, where a field is at fault, names it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class LedgerError(Exception):
    """Base of every expected failure; the web and CLI edges turn these into clear answers."""


class DisclosureRefused(LedgerError):
    """A disclosure (or the result of a correction) breaks one or more rules.

    `errors` maps a field path such as ``recipient.category`` to a message.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class BatchRefused(LedgerError):
    """One or more items of a batch were refused; nothing of the batch was recorded.

    `items` maps each refused item's number (its index in a batch, the caller's own number in
    a stream, such as a file's line number) to its field paths and messages; `errors` is the
    same flattened as ``items.<number>.<field path>``.
    """

    def __init__(
        self, items: Mapping[int, Mapping[str, str]], *, conflict_ids: Sequence[object] = ()
    ) -> None:
        self.items = {number: dict(errors) for number, errors in sorted(items.items())}
        self.errors = {
            f"items.{number}.{path}": message
            for number, errors in self.items.items()
            for path, message in errors.items()
        }
        self.conflict_ids = list(conflict_ids)
        super().__init__(f"{len(self.items)} item(s) refused; nothing was recorded")


class DisclosureNotFound(LedgerError):
    def __init__(self, disclosure_id: object) -> None:
        self.disclosure_id = disclosure_id
        super().__init__(f"no disclosure with id {disclosure_id}")


class SourceConflict(LedgerError):
    """The same source reference was recorded before with other content."""

    def __init__(self, disclosure_id: object, detail: str | None = None) -> None:
        self.disclosure_id = disclosure_id
        super().__init__(
            detail
            or "this source.system and source.reference were recorded before with other content"
        )


class DisclosureRetractedError(LedgerError):
    """A retracted disclosure cannot be corrected or retracted again."""

    def __init__(self, disclosure_id: object) -> None:
        self.disclosure_id = disclosure_id
        super().__init__(f"disclosure {disclosure_id} was retracted and can no longer change")


class InvalidChange(LedgerError):
    """A correction or retraction request itself is malformed (e.g. no reason, a frozen field)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class InvalidSubjectId(LedgerError):
    """No person can have this subject id (`ledger.domain.subjects` says why); nothing was read."""

    def __init__(self, field: str, message: str) -> None:
        self.errors = {field: message}
        super().__init__(f"{field}: {message}")


class AccessRequestNotFound(LedgerError):
    def __init__(self, request_id: object) -> None:
        self.request_id = request_id
        super().__init__(f"no access request with id {request_id}")


class AccessRequestConflict(LedgerError):
    """A step the request's state or deadline does not allow now (answered twice, extended
    after the first deadline); `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class ConsentNotFound(LedgerError):
    def __init__(self, consent_id: object) -> None:
        self.consent_id = consent_id
        super().__init__(f"no consent with id {consent_id}")


class ConsentConflict(LedgerError):
    """A consent step its state does not allow (withdrawn twice, the same reference given again
    while in force); `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class SuppressionConflict(LedgerError):
    """A suppression change the disclosure's state does not allow (lifting one not withheld,
    extending to a date not after the current one); `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class SubjectUnknown(LedgerError):
    """The ledger holds nothing on this person (no vault key): nothing to act on."""

    def __init__(self, field: str = "subject_id") -> None:
        self.field = field
        super().__init__("the ledger holds nothing on this person")


class NotificationNotFound(LedgerError):
    def __init__(self, notification_id: object) -> None:
        self.notification_id = notification_id
        super().__init__(f"no recipient notification with id {notification_id}")


class NotificationConflict(LedgerError):
    """A notification was marked before (sent, impossible or disproportionate): once only;
    `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class RestrictionNotFound(LedgerError):
    def __init__(self, restriction_id: object) -> None:
        self.restriction_id = restriction_id
        super().__init__(f"no restriction with id {restriction_id}")


class RestrictionConflict(LedgerError):
    """A restriction step its state does not allow (lifted twice, lifted after it ended);
    `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class ActivityNotFound(LedgerError):
    """No activity of the register has this code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.errors = {"code": f"no activity '{code}' in the register"}
        super().__init__(f"no activity '{code}' in the register")


class ActivityConflict(LedgerError):
    """An activity step the register's state does not allow (defining a code twice, a
    revision that changes nothing); `errors` names the field at fault."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class ErasureNotFound(LedgerError):
    def __init__(self, erasure_id: object) -> None:
        self.erasure_id = erasure_id
        super().__init__(f"no erasure with id {erasure_id}")


class ErasureConflict(LedgerError):
    """An erasure step its state does not allow: a second request while one of the person's
    waits (scheduled), cancelling one carried out or cancelled; `erasure_id` names the one in
    the way, `errors` the field at fault."""

    def __init__(self, erasure_id: object, errors: Mapping[str, str]) -> None:
        self.erasure_id = erasure_id
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))
