"""Authentication with an API key, for the API and the officer's sign-in alike. Every failure is
logged (with a short prefix of the secret's hash, never the secret) and counted per client
address in the database, so all workers count together; past the limit a wrong key is answered
with "too many failures" until enough of them have aged out of the window. A valid key is
always admitted: keys are 32 random bytes, so the limit is not what stops guessing; it makes
probing visible and sends a misconfigured client away, and one noisy client behind a shared
address (a proxy, a NAT) must not stop the others from recording disclosures."""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import timedelta
from typing import NoReturn

from ledger.adapters import api_keys, auth_failures
from ledger.adapters.api_keys import ApiKey
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import LedgerError

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 60


class AuthenticationFailed(LedgerError):
    """No active key has the presented secret."""

    def __init__(self, message: str = "unknown or revoked API key") -> None:
        super().__init__(message)


class TooManyFailures(AuthenticationFailed):
    """The client's address failed too often lately; it may try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed authentications; try again in {retry_after} s")


def client_address(address: str | None) -> str:
    """What failures are counted by: the IPv4 address, or the IPv6 /64 network (one
    subscriber's usual share, so hopping addresses inside it does not escape the count)."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        # Not an address (a proxy's header gone wrong): counted and logged as it came, printable.
        return "".join(char for char in text if char.isprintable())[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip.exploded}/64", strict=False))
    return str(ip)


class Authentication:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        limit: int = DEFAULT_LIMIT,
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
    ) -> None:
        self.uow = uow
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)

    def key(self, secret: str, *, address: str | None, channel: str) -> ApiKey:
        """The active key with this secret. `AuthenticationFailed` when there is none;
        `TooManyFailures` when there is none and `address` is past the limit. A success costs
        one read and is never counted."""
        with self.uow.lookup() as connection:
            key = api_keys.authenticate(connection, secret)
        if key is not None:
            return key
        self._failed(secret, client_address(address), channel)

    def _failed(self, secret: str, address: str, channel: str) -> NoReturn:
        now = self.uow.now()
        since = now - self.window
        with self.uow.read(primary=True) as connection:
            earlier = auth_failures.failures_since(connection, address, since)
            holder = api_keys.holder(connection, secret)
        blocked = len(earlier) >= self.limit
        if not blocked:
            # Refused attempts past the limit are not stored: an attacker ignoring 429 costs
            # a read each, and the database's writes stay bounded by the limit per address.
            with self.uow.write_rows() as connection:
                auth_failures.record(connection, address, at=now, forget_before=since)
        what = f"revoked key {holder.name!r}" if holder is not None else "unknown key"
        counted = len(earlier) + (0 if blocked else 1)
        seconds = int(self.window.total_seconds())
        retry_after = 0
        if blocked:
            # Until the oldest failure that keeps the count at the limit leaves the window.
            leaves = earlier[len(earlier) - self.limit] + self.window
            retry_after = max(1, math.ceil((leaves - now).total_seconds()))
        log.warning(
            "authentication failed from %s on %s: %s sha256:%s;"
            " %d failed in the last %d s (limit %d)%s",
            address,
            channel,
            what,
            api_keys.fingerprint(secret),
            counted,
            seconds,
            self.limit,
            f"; answered 429, retry after {retry_after} s" if blocked else "",
        )
        if blocked:
            raise TooManyFailures(retry_after)
        raise AuthenticationFailed()
