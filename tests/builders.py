"""Readable test data: a valid disclosure, changed only where a test says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.adapters import access_log
from ledger.adapters.access_log import Access
from ledger.app import Ledger, Reader
from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def a_disclosure(number: int = 1, **changes: Any) -> DisclosureFacts:
    """A payroll tax return to the Belastingdienst for employee E-<number>."""
    facts = DisclosureFacts(
        controller="12345678",
        subject=Subject(
            id=f"E-{number:05d}", name=f"Jan Jansen {number}", email=f"jan{number}@example.org"
        ),
        recipient=Recipient("belastingdienst", "Belastingdienst", None, "NL"),
        data_categories=("naam", "bsn", "salaris"),
        legal_basis="legal_obligation",
        legal_provision="Wet op de loonbelasting 1964, art. 28",
        purpose="Loonaangifte oktober 2026",
        occurred_at=datetime(2026, 10, 31, 12, 0, tzinfo=AMSTERDAM),
        source=Source("payroll", f"run-2026-10/E-{number:05d}"),
    )
    return replace(facts, **changes)


def to_inlener(number: int = 1, **changes: Any) -> DisclosureFacts:
    """Planning data sent to a hirer, on the basis of the contract."""
    fields: dict[str, Any] = {
        "recipient": Recipient("inlener", "Bouwbedrijf De Vries B.V.", "87654321", "NL"),
        "data_categories": ("naam", "beschikbaarheid", "vca"),
        "legal_basis": "contract",
        "legal_provision": None,
        "purpose": "Planning van uw inzet",
        "source": Source("planning", f"plan-{number}"),
    }
    return a_disclosure(number, **{**fields, **changes})


NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# Who reads in a test that reads a person directly through the application.
READER = Reader(actor="test", role="officer", channel="test", purpose="a test reads")


def accesses_of(ledger: Ledger, subject_id: str) -> list[Access]:
    """The person's access log as stored, newest first, without logging this look itself."""
    with ledger.uow.read() as connection:
        key = ledger.vault.find(connection, subject_id)
        return [] if key is None else access_log.accesses(connection, key.tag)
