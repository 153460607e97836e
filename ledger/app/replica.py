"""Where a read goes: to the read replica (LEDGER_READ_DATABASE_URL) when the caller allows it
and the replica has replayed the log far enough, to the primary otherwise; and the log position
a write reached, which a client names to read its own writes (`X-Ledger-Min-Position`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Literal

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, text

from ledger.adapters.database import EVENTS_TABLE, Database

log = logging.getLogger(__name__)

Source = Literal["replica", "primary"]

# After the replica failed to connect, reads skip it this long (seconds): a replica that hangs
# must not cost every request a connect timeout.
RETRY_AFTER_FAILURE = 5.0
# Polls of the replica's position while a read waits for it: first after 5 ms, doubling to 100.
FIRST_POLL = 0.005
LONGEST_POLL = 0.1
# Failures to reach the replica that the primary answers for instead (a failure later, in the
# middle of a read, is the database being unavailable: 503).
UNREACHABLE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.TimeoutError)

_LOG_HEAD = text(f"SELECT max(id) FROM {EVENTS_TABLE}")  # noqa: S608 - our own table name
_HAS_POSITION = text(f"SELECT 1 FROM {EVENTS_TABLE} WHERE id = :position")  # noqa: S608


@dataclass
class ReadScope:
    """One request's or command's reads and writes: whether its reads may go to the replica,
    the log position they must include, which source answered them (decided at the first read,
    then kept, so one answer never mixes the two), and the highest position its writes reached."""

    replica: bool = True
    min_position: int | None = None
    source: Source | None = None
    written: int | None = None


_scope: ContextVar[ReadScope | None] = ContextVar("ledger_read_scope", default=None)


@contextmanager
def read_scope(scope: ReadScope) -> Iterator[ReadScope]:
    """Route the reads of the code inside as `scope` says. Outside any scope every read goes
    to the primary (start-up, writes' own checks, commands that do not ask for the replica)."""
    token = enter_scope(scope)
    try:
        yield scope
    finally:
        leave_scope(token)


def enter_scope(scope: ReadScope) -> Token[ReadScope | None]:
    """`read_scope` in two halves, for a caller with separate start and end hooks (a web
    request's)."""
    return _scope.set(scope)


def leave_scope(token: Token[ReadScope | None]) -> None:
    _scope.reset(token)


def current_scope() -> ReadScope | None:
    return _scope.get()


def note_written(position: int) -> None:
    """A write of this scope reached `position` in the log."""
    scope = _scope.get()
    if scope is not None and (scope.written is None or position > scope.written):
        scope.written = position


def log_head(connection: Connection) -> int:
    """The highest position in the log (0 when it is empty)."""
    return int(connection.execute(_LOG_HEAD).scalar() or 0)


class ReadRouter:
    """Opens read transactions on the replica or the primary (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        *,
        wait: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.database = database
        self.wait = wait
        self.clock = clock
        self.sleep = sleep
        self._down_until = 0.0

    @contextmanager
    def read(self, *, primary: bool = False) -> Iterator[Connection]:
        with self.connect(primary=primary) as connection, connection.begin():
            yield connection

    def connect(self, *, primary: bool = False) -> Connection:
        """A connection to where this scope's reads go, for a caller that sets its own
        isolation level (`ledger verify`'s one snapshot)."""
        scope = _scope.get()
        if primary or scope is None:
            return self.database.read_engine.connect()
        engine = self.database.replica_engine
        if engine is not None and scope.replica and scope.source != "primary":
            connection = self._replica(engine, scope)
            if connection is not None:
                scope.source = "replica"
                return connection
        scope.source = "primary"
        return self.database.read_engine.connect()

    def _replica(self, engine: Engine, scope: ReadScope) -> Connection | None:
        """A connection to the replica once it has the scope's position; None when it is down
        or stays behind."""
        if self.clock() < self._down_until:
            return None
        try:
            connection = engine.connect()
        except UNREACHABLE as error:
            self._mark_down(error)
            return None
        try:
            if scope.source == "replica" or self._reached(connection, scope.min_position):
                return connection
        except UNREACHABLE as error:
            self._mark_down(error)
        connection.close()
        return None

    def _reached(self, connection: Connection, position: int | None) -> bool:
        """Whether the replica has replayed the event at `position`, polling until the wait is
        over. The event itself, not the log's head: should writers ever commit out of position
        order, a higher position could be there before this one. Whatever a client wrote before
        committed before it, so replayed before it too. Each poll ends its transaction: a
        standby's open snapshot holds up replay."""
        if not position:  # none, or the empty log's
            return True
        deadline = self.clock() + self.wait
        pause = FIRST_POLL
        while True:
            found = connection.execute(_HAS_POSITION, {"position": position}).first()
            connection.rollback()
            if found is not None:
                return True
            left = deadline - self.clock()
            if left <= 0:
                log.info(
                    "the read replica has not replayed position %d within %g s: the primary"
                    " answers",
                    position,
                    self.wait,
                )
                return False
            self.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_POLL)

    def _mark_down(self, error: Exception) -> None:
        self._down_until = self.clock() + RETRY_AFTER_FAILURE
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        log.warning(
            "the read replica cannot be reached (%s): the primary answers reads for the next %g s",
            reason,
            RETRY_AFTER_FAILURE,
        )
