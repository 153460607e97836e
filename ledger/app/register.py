"""The register of processing activities (GDPR Art. 30): define, revise and import activities,
each change a new version with a reason; read the current versions, an activity's history, and
which version was in force on a day.

Every activity and every version has a stable URI: the deployment's base
(`LEDGER_REGISTER_BASE_URI`, default `urn:disclosure-ledger:register:`) + the code, and
`/v<n>` for a version, as the Dutch logging standard's `processing_activity_id` refers to a
register entry.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import Connection

from ledger.app.uow import UnitOfWork
from ledger.domain.activity import (
    FIRST_REASON,
    REGISTER_TAG,
    ActivityVersion,
    ProcessingActivity,
    activity_id,
    activity_opening,
    changed_fields,
    judge_activity,
    judge_reason,
)
from ledger.domain.errors import ActivityConflict, ActivityNotFound, InvalidChange
from ledger.domain.vocabulary import Vocabulary
from ledger.integrity.leaves import commitment as commitment_of
from ledger.projections import register_queries

DEFAULT_BASE_URI = "urn:disclosure-ledger:register:"
MAX_FILE_ACTIVITIES = 500

ChangeKind = Literal["defined", "revised", "unchanged"]


@dataclass(frozen=True, slots=True)
class ActivityChange:
    """What a write did to one activity: `defined` (version 1), `revised` (a new version) or
    `unchanged` (the content equals the current version's: nothing recorded)."""

    kind: ChangeKind
    version: ActivityVersion
    changed: tuple[str, ...] = ()


# `Register.list` shadows the builtin inside the class.
Versions = list[ActivityVersion]
Changes = list["ActivityChange"]


class Register:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        vocabulary: Vocabulary,
        base_uri: str = DEFAULT_BASE_URI,
        retention_codes: Collection[str] | None = None,
    ) -> None:
        self.uow = uow
        self.vocabulary = vocabulary
        self.base_uri = base_uri
        self.retention_codes = retention_codes

    # -- URIs ---------------------------------------------------------------------------------

    def uri(self, code: str) -> str:
        """The activity's stable URI, whatever its version."""
        return f"{self.base_uri}{code}"

    def version_uri(self, code: str, version: int) -> str:
        return f"{self.base_uri}{code}/v{version}"

    # -- reads (the register names no person: no read is logged) -----------------------------

    def list(self) -> Versions:
        """Each activity's current (newest) version, by code."""
        with self.uow.read() as connection:
            return register_queries.current_versions(connection)

    def versions(self, code: str) -> Versions:
        """Every version of the activity, oldest first; ActivityNotFound when there is none."""
        with self.uow.read() as connection:
            found = register_queries.versions(connection, code)
        if not found:
            raise ActivityNotFound(code)
        return found

    def current(self, code: str) -> ActivityVersion:
        return self.versions(code)[-1]

    def in_force(
        self, connection: Connection, wanted: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], ActivityVersion | None]:
        """The version of each code in force on each (Dutch calendar) day, in one query for the
        whole batch: the newest version whose valid_from..valid_until covers the day."""
        return register_queries.in_force(connection, wanted)

    # -- writes -------------------------------------------------------------------------------

    def define(
        self, raw: Mapping[str, Any], *, actor: str, reason: str | None = None
    ) -> ActivityVersion:
        """A new activity (version 1); ActivityConflict when the code exists."""
        content = judge_activity(
            raw, vocabulary=self.vocabulary, retention_codes=self.retention_codes
        )
        first = judge_reason(reason, required=False) or FIRST_REASON
        with self.uow.write() as connection:
            if register_queries.current_contents(connection, [content["code"]]):
                raise ActivityConflict(
                    {"code": f"'{content['code']}' is in the register: post a new version of it"}
                )
            return self._write(connection, [(content, first)], actor)[0].version

    def revise(
        self, code: str, raw: Mapping[str, Any], *, actor: str, reason: str
    ) -> ActivityChange:
        """A new version of an existing activity; `unchanged` (nothing recorded) when the
        content equals the current version's."""
        if raw.get("code", code) != code:
            raise InvalidChange({"code": f"must stay '{code}': a code never changes"})
        judge_reason(reason, required=True)
        self.current(code)  # ActivityNotFound: a revision needs an activity
        return self.put({**raw, "code": code}, actor=actor, reason=reason)

    def put(
        self, raw: Mapping[str, Any], *, actor: str, reason: str | None = None
    ) -> ActivityChange:
        """Define the activity, or revise it when its code exists (then `reason` is required
        unless nothing changed)."""
        given = dict(raw) if reason is None else {**raw, "reason": reason}
        return self.import_activities([given], actor=actor, prefix=None)[0]

    def import_file(self, source: str, *, actor: str, reason: str | None = None) -> Changes:
        """Every `[[activity]]` of a register file (TOML text): new activities defined, changed
        ones revised, the rest left as they are; all or nothing."""
        return self.import_activities(parse_register_file(source), actor=actor, reason=reason)

    def import_activities(
        self,
        raws: Sequence[Mapping[str, Any]],
        *,
        actor: str,
        reason: str | None = None,
        prefix: str | None = "activities",
    ) -> Changes:
        """Judge every activity first (errors as `activities.<n>.<field>`), then record the
        changes in one transaction; one bad activity records nothing."""
        if len(raws) > MAX_FILE_ACTIVITIES:
            raise InvalidChange(
                {prefix or "activities": f"may hold at most {MAX_FILE_ACTIVITIES} activities"}
            )
        default = judge_reason(reason, required=False) if reason is not None else None
        errors: dict[str, str] = {}
        # (index, content, its own reason, the reason a change gets: its own or the default)
        judged: list[tuple[int, dict[str, Any], str | None, str | None]] = []
        first_at: dict[str, int] = {}

        def where(index: int, field: str) -> str:
            return field if prefix is None else f"{prefix}.{index}.{field}"

        for index, raw in enumerate(raws):
            try:
                content = judge_activity(
                    raw, vocabulary=self.vocabulary, retention_codes=self.retention_codes
                )
                own = raw.get("reason")
                own = judge_reason(own, required=False) if own is not None else None
            except InvalidChange as error:
                errors.update(
                    {where(index, path): message for path, message in error.errors.items()}
                )
                continue
            code = content["code"]
            if code in first_at:
                errors[where(index, "code")] = (
                    f"repeats '{code}' ({where(first_at[code], 'code')}): one table per activity"
                )
                continue
            first_at[code] = index
            judged.append((index, content, own, own or default))
        if errors:
            raise InvalidChange(errors)
        with self.uow.write() as connection:
            current = register_queries.current_contents(
                connection, [content["code"] for _, content, _, _ in judged]
            )
            writes: list[tuple[dict[str, Any], str]] = []
            unchanged: dict[str, ActivityChange] = {}
            for index, content, own, why in judged:
                code = content["code"]
                old = current.get(code)
                if old is None:
                    # The default reason is for changes: a new activity's is its own.
                    writes.append((content, own or FIRST_REASON))
                elif old == content:
                    unchanged[code] = ActivityChange(
                        "unchanged", self._current_in(connection, code)
                    )
                elif why is None:
                    changed = ", ".join(changed_fields(old, content))
                    errors[where(index, "reason")] = (
                        f"is required: '{code}' changed ({changed}); say why in the activity's"
                        " reason" + (" or with --reason" if prefix else "")
                    )
                else:
                    writes.append((content, why))
            if errors:
                raise InvalidChange(errors)
            written = {
                change.version.code: change for change in self._write(connection, writes, actor)
            }
        return [
            written.get(content["code"]) or unchanged[content["code"]]
            for _, content, _, _ in judged
        ]

    # -- plumbing -----------------------------------------------------------------------------

    def _current_in(self, connection: Connection, code: str) -> ActivityVersion:
        return register_queries.versions(connection, code)[-1]

    def _write(
        self, connection: Connection, writes: Sequence[tuple[dict[str, Any], str]], actor: str
    ) -> Changes:
        """Record each content as a new version (a first one where the code is new)."""
        aggregates: list[ProcessingActivity] = []
        changes: list[tuple[ChangeKind, ProcessingActivity, tuple[str, ...]]] = []
        for content, why in writes:
            code = content["code"]
            aggregate = self._get(code)
            if aggregate is None:
                fields = {
                    "code": code,
                    "content": content,
                    "reason": why,
                    "actor": actor,
                    "subject_tag": REGISTER_TAG,
                }
                committed, salt = self._commit(code, 1, "ActivityDefined", fields)
                aggregate = ProcessingActivity.define(**fields, commitment=committed, salt=salt)
                changes.append(("defined", aggregate, ()))
            else:
                changed = tuple(changed_fields(aggregate.content, content))
                fields = {
                    "content": content,
                    "reason": why,
                    "actor": actor,
                    "subject_tag": REGISTER_TAG,
                }
                committed, salt = self._commit(
                    code, aggregate.version + 1, "ActivityRevised", fields
                )
                aggregate.revise(
                    content=content, reason=why, actor=actor, commitment=committed, salt=salt
                )
                changes.append(("revised", aggregate, changed))
            aggregates.append(aggregate)
        recordings = self.uow.save(connection, aggregates)
        recorded_at = {
            r.domain_event.originator_id: cast(Any, r.domain_event).timestamp for r in recordings
        }
        return [
            ActivityChange(
                kind,
                ActivityVersion.from_content(
                    aggregate.content,
                    version=aggregate.version,
                    reason=fields_reason,
                    recorded_at=recorded_at[aggregate.id],
                ),
                changed,
            )
            for (kind, aggregate, changed), (_, fields_reason) in zip(changes, writes, strict=True)
        ]

    def _commit(
        self, code: str, version: int, event_type: str, fields: Mapping[str, Any]
    ) -> tuple[str, str]:
        """A salted commitment to the event's opening; the salt in clear (nothing is secret)."""
        plaintext = activity_opening(
            activity=activity_id(code), version=version, event_type=event_type, fields=fields
        )
        salt = os.urandom(32)
        return commitment_of(salt, plaintext).hex(), salt.hex()

    def _get(self, code: str) -> ProcessingActivity | None:
        try:
            aggregate: object = self.uow.store.repository.get(activity_id(code))
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, ProcessingActivity) else None


def parse_register_file(source: str) -> list[dict[str, Any]]:
    """The `[[activity]]` tables of a register file (TOML); InvalidChange naming what is wrong."""
    try:
        parsed = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise InvalidChange({"file": f"is not valid TOML: {error}"}) from None
    other = sorted(set(parsed) - {"activity"})
    if other:
        raise InvalidChange(
            dict.fromkeys(
                other, "is not part of a register file: it holds [[activity]] tables only"
            )
        )
    tables = parsed.get("activity")
    if not isinstance(tables, list) or not tables:
        raise InvalidChange({"activities": "the file has no [[activity]] table"})
    return tables
