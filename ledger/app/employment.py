"""Employment ends: the date a person's employment ended, recorded per person as an event in
their chain of the log; the latest recording counts (recording again corrects a wrong date).
Retention periods for ID copies and wage-tax declarations count from it."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any
from uuid import UUID

from ledger.adapters.vault import SubjectKey, SubjectVault
from ledger.app.reading import Reader, Reading
from ledger.app.sealing import sealed_commitment
from ledger.app.uow import UnitOfWork
from ledger.domain.employment import EmploymentEnd, employment_end_opening, judge_ended_on
from ledger.domain.errors import InvalidChange, InvalidSubjectId, SubjectUnknown
from ledger.domain.subjects import normal_subject_id
from ledger.domain.suppression import dutch_date
from ledger.projections import employment_ends, retention_queries

EVENT_TYPE = "EmploymentEndRecorded"


class EmploymentEnds:
    def __init__(self, *, uow: UnitOfWork, vault: SubjectVault, reading: Reading) -> None:
        self.uow = uow
        self.vault = vault
        self.reading = reading

    def record(
        self,
        *,
        subject_id: str,
        ended_on: date,
        actor: str,
        source_controllers: Collection[str] | None = None,
    ) -> dict[str, Any]:
        """Record the end of a person's employment. Returns the record as `of_subject` shows it.

        An officer may record it for anyone (the person gets a vault key here if the ledger had
        none for them). A posting system (`source_controllers`: its key's controllers, empty
        for a key not bound to any) only for a person it recorded a disclosure of, under one of
        its controllers; for anyone else the answer is SubjectUnknown, as if the ledger held
        nothing on them."""
        try:
            subject_id = normal_subject_id(subject_id)
        except InvalidSubjectId as error:
            raise InvalidChange({"subject_id": next(iter(error.errors.values()))}) from None
        now = self.uow.now()
        ended_on = judge_ended_on(ended_on, today=dutch_date(now))
        record_id = uuid.uuid4()
        with self.uow.write() as connection:
            if source_controllers is None:
                key = self.vault.keys_for(connection, [subject_id], now=now)[subject_id]
            else:
                found = self.vault.find(connection, subject_id)
                if found is None or not retention_queries.has_disclosure_under(
                    connection, found.tag, source_controllers
                ):
                    raise SubjectUnknown()
                key = found
            fields: dict[str, Any] = {
                "subject_tag": key.tag,
                "ended_on": ended_on.isoformat(),
                "actor": actor,
            }
            commitment, salt = self._commit(key, record_id, fields)
            record = EmploymentEnd.record(
                record_id=record_id, **fields, commitment=commitment, salt=salt
            )
            self.uow.save(connection, [record])
            rows = employment_ends.ends_of_tag(connection, key.tag)
        return _shown(next(row for row in rows if row["record_id"] == record_id.hex))

    def of_subject(self, subject_id: str, *, reader: Reader) -> list[dict[str, Any]]:
        """A person's recorded ends, oldest recording first (the last counts); a logged read."""
        key = self.reading.person(reader, subject_id=subject_id)
        if key is None:
            return []
        with self.uow.read() as connection:
            return [_shown(row) for row in employment_ends.ends_of_tag(connection, key.tag)]

    def _commit(self, key: SubjectKey, record_id: UUID, fields: dict[str, Any]) -> tuple[str, str]:
        """A salted commitment to the event's opening, and the salt sealed for the person."""
        plaintext = employment_end_opening(
            record_id=record_id, version=1, event_type=EVENT_TYPE, fields=fields
        )
        return sealed_commitment(self.vault, key, record_id, 1, plaintext)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(UUID(hex=row["record_id"])),
        "ended_on": row["ended_on"],
        "actor": row["actor"],
        "recorded_at": row["recorded_at"],
    }
