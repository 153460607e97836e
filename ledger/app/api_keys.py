"""API keys as a service: created with the CLI, shown once, revoked at once. Presenting one is
`ledger.app.authentication`'s job, which counts and logs the failures."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.adapters import api_keys, officer_sessions
from ledger.adapters.api_keys import ApiKey
from ledger.app.uow import UnitOfWork


class ApiKeys:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self.uow = uow

    def create(
        self, *, name: str, role: str, controllers: Sequence[str] = (), system: str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is never stored and cannot be shown again."""
        with self.uow.write_rows() as connection:
            return api_keys.create_key(
                connection,
                name=name,
                role=role,
                controllers=tuple(controllers),
                system=system,
                now=self.uow.now(),
            )

    def list(self) -> list[ApiKey]:
        with self.uow.read(primary=True) as connection:
            return api_keys.list_keys(connection)

    def revoke(self, name: str) -> None:
        """Revoke at once: requests with it get 401, and its officer sessions end with it."""
        now = self.uow.now()
        with self.uow.write_rows() as connection:
            api_keys.revoke_key(connection, name, now=now)
            officer_sessions.end_all_of(connection, name, why="revoked", now=now)
