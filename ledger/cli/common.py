"""What every command shares: the ledger it works on, and failures turned into messages."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import click
import sqlalchemy.exc
from eventsourcing.persistence import PersistenceError

from ledger.adapters.database import WriterBusy
from ledger.app import Ledger, Reader
from ledger.app.replica import ReadScope, read_scope
from ledger.bootstrap import build_ledger
from ledger.domain.errors import LedgerError
from ledger.domain.patterns import SURROGATES
from ledger.settings import SettingsError

F = TypeVar("F", bound=Callable[..., Any])


def current_ledger() -> Ledger:
    """The ledger of LEDGER_* settings, built once per command and closed when it ends."""
    context = click.get_current_context()
    root = context.find_root()
    if not isinstance(root.obj, Ledger):
        try:
            root.obj = build_ledger()
        except SettingsError as error:
            raise click.ClickException(str(error)) from None
        root.call_on_close(root.obj.close)
    ledger: Ledger = root.obj
    return ledger


def expected_failures(command: F) -> F:
    """Turn the failures a user can cause or meet into a message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (LedgerError, SettingsError) as error:
            raise click.ClickException(str(error)) from None
        except (
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.TimeoutError,
            PersistenceError,
            WriterBusy,
        ) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise click.ClickException(f"the database cannot be used: {reason}") from None

    return wrapper  # type: ignore[return-value]


def reads_replica(command: F) -> F:
    """A command that only reads: its reads go to the read replica when one is configured
    (LEDGER_READ_DATABASE_URL), as a web GET's do; what it writes (the access log) goes to the
    primary all the same."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Built outside the scope: the start's own checks (schema, erasures to redo) read
        # what they are about to write, and must read it from the primary.
        current_ledger()
        with read_scope(ReadScope(replica=True)):
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def utf8_text(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """A click callback for text the ledger stores. Bytes of an argument that are not UTF-8
    arrive as lone surrogates (Python's surrogateescape) and could not be written."""
    if value is not None and SURROGATES.search(value):
        raise click.BadParameter("holds bytes that are not UTF-8: check the terminal's encoding")
    return value


def cli_reader(command: str, purpose: str) -> Reader:
    """The person at this terminal, reading through a command, for the reason they gave."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Reader(actor=f"cli:{user}"[:64], role="officer", channel=command, purpose=purpose)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def day(value: Any) -> str:
    return str(value)[:10]


def iso_date(context: click.Context, parameter: click.Parameter, value: str | None) -> date | None:
    """A click callback: YYYY-MM-DD, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date, YYYY-MM-DD") from None


def uuid_of(what: str) -> Callable[[click.Context, click.Parameter, str], UUID]:
    """A click callback for the id of `what` (e.g. "an access request")."""

    def parse(context: click.Context, parameter: click.Parameter, value: str) -> UUID:
        try:
            return UUID(value)
        except ValueError:
            raise click.BadParameter(f"must be {what}'s id") from None

    return parse
