"""Bounded waits on the database: how long the ledger lets it keep a request waiting, and a
psycopg connection that gives up on a server that does not answer at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen

RV = TypeVar("RV")

# psycopg's own polling interval (Connection.wait's default): how often a wait wakes to notice
# a Ctrl-C.
WAIT_INTERVAL = 0.1
# The client's deadline for one answer is the server's statement timeout plus this: a server
# that is alive ends a long statement itself first, with a clean error, and keeps the connection.
ROUND_TRIP_MARGIN = 2.0
# A live server answers an empty query within milliseconds; a pooled connection that does not
# answer this one within two seconds is given up and replaced.
PING_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the database may keep the ledger waiting, in seconds (LEDGER_DB_*)."""

    statement: float = 10.0  # one statement: PostgreSQL's statement_timeout
    lock: float = 5.0  # a write waiting for the writer: lock_timeout, SQLite's busy timeout
    connect: int = 5  # a new PostgreSQL connection (psycopg's connect_timeout, at least 2)
    pool: float = 5.0  # a free connection from SQLAlchemy's pool

    @property
    def round_trip(self) -> float:
        return self.statement + ROUND_TRIP_MARGIN

    def server_options(self) -> str:
        """libpq `options` that set the server's own timeouts for every session."""
        return (
            f"-c statement_timeout={round(self.statement * 1000)} "
            f"-c lock_timeout={round(self.lock * 1000)}"
        )


class DatabaseTimeout(psycopg.OperationalError):
    """PostgreSQL did not answer within the round-trip deadline; the connection was closed."""


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most `round_trip_timeout` seconds for any answer.

    PostgreSQL's statement_timeout and lock_timeout end long statements and lock waits, but a
    server that does not answer at all (stopped, overloaded past answering, or a network gone
    quiet with the TCP connection still up) keeps a client waiting for ever: neither libpq nor
    psycopg bounds a query. psycopg runs every round trip through `wait()`, which takes a
    timeout, and this gives it one. When it expires an answer may still come, so the connection
    is closed; SQLAlchemy then sees a closed connection and drops it from its pool.
    """

    round_trip_timeout: float | None = None

    def wait(
        self, gen: PQGen[RV], interval: float = WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        if timeout is None:
            timeout = self.round_trip_timeout
        try:
            return super().wait(gen, interval, timeout)
        except psycopg.errors._WaitTimeout:
            self.pgconn.finish()
            raise DatabaseTimeout(f"PostgreSQL did not answer within {timeout:g} s") from None

    def ping(self, timeout: float) -> None:
        """An empty query that must be answered within `timeout` seconds, run outside a
        transaction (as SQLAlchemy's own ping), so the connection is left as it was found."""
        usual, self.round_trip_timeout = self.round_trip_timeout, timeout
        autocommit = self.autocommit
        try:
            self.autocommit = True
            self.execute(";")
        finally:
            self.round_trip_timeout = usual
            if not self.closed:
                self.autocommit = autocommit
