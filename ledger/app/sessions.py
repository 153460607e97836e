"""The privacy officer's sessions on the pages: started by signing in with an officer key, alive
while the key is an active officer key, for at most 8 hours and until 30 minutes without a
request; logging out or revoking the key ends every copy of the session's cookie at once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from ledger.adapters import officer_sessions
from ledger.adapters.api_keys import ApiKey
from ledger.adapters.officer_sessions import StoredSession
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import LedgerError

SESSION_HOURS = 8
IDLE_MINUTES = 30
# The last-seen time is written at most this often, so most page views are a read, not a
# write (SQLite has one writer); an idle session ends 29 to 30 minutes after its last request.
TOUCH_SECONDS = 60
# Ended sessions are kept this long (who was signed in when), then forgotten.
KEEP_DAYS = 30


class NotAnOfficerKey(LedgerError):
    """Only an active officer key starts a session on the officer's pages."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"key {name!r} is not an active officer key")


def alive(stored: StoredSession, now: datetime) -> bool:
    return (
        stored.ended_at is None
        and stored.key_active
        and now < stored.created_at + timedelta(hours=SESSION_HOURS)
        and now < stored.last_seen_at + timedelta(minutes=IDLE_MINUTES)
    )


class OfficerSessions:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self.uow = uow

    def start(self, key: ApiKey) -> str:
        """A new session for this officer key; its id goes into the cookie and nowhere else."""
        if key.role != "officer" or key.revoked_at is not None:
            raise NotAnOfficerKey(key.name)
        session_id = secrets.token_urlsafe(32)
        now = self.uow.now()
        with self.uow.write_rows() as connection:
            officer_sessions.prune(connection, started_before=now - timedelta(days=KEEP_DAYS))
            officer_sessions.start(connection, session_id=session_id, key_name=key.name, now=now)
        return session_id

    def officer(self, session_id: str) -> str | None:
        """The key name of a live session, or None when it is unknown, ended, expired, idle
        too long or its key is no longer an active officer key."""
        now = self.uow.now()
        with self.uow.read(primary=True) as connection:
            stored = officer_sessions.find(connection, session_id)
        if stored is None or not alive(stored, now):
            return None
        if now - stored.last_seen_at >= timedelta(seconds=TOUCH_SECONDS):
            with self.uow.write_rows() as connection:
                officer_sessions.touch(connection, session_id, now=now)
        return stored.key_name

    def end(self, session_id: str) -> None:
        """Log out: the session ends for every copy of its cookie."""
        with self.uow.write_rows() as connection:
            officer_sessions.end(connection, session_id, why="logout", now=self.uow.now())

    def hold_link(self, session_id: str, link_id: str) -> None:
        """Keep a new link's id for the next page of this session, which shows it once."""
        with self.uow.write_rows() as connection:
            officer_sessions.hold_link(connection, session_id, link_id)

    def take_link(self, session_id: str) -> str | None:
        with self.uow.write_rows() as connection:
            return officer_sessions.take_link(connection, session_id)
