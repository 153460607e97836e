"""The application: one service per job behind a small façade, all writing through one unit of
work and reading a person only through `reading`, which logs every such read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# Their tables join the schema.
from ledger.adapters import (  # noqa: F401
    access_log,
    auth_failures,
    officer_sessions,
    overview_links,
)
from ledger.adapters.database import Database
from ledger.adapters.dutch_calendar import DutchCalendar
from ledger.adapters.erased_tags import ErasedTags
from ledger.adapters.event_store import EventStore
from ledger.adapters.keyring import KeyRing
from ledger.adapters.retention_file import load_retention_rules
from ledger.adapters.vault import SubjectVault
from ledger.app.api_keys import ApiKeys
from ledger.app.authentication import Authentication
from ledger.app.consents import Consents
from ledger.app.employment import EmploymentEnds
from ledger.app.erasures import Erasures
from ledger.app.integrity import Integrity
from ledger.app.links import OverviewLinks
from ledger.app.maintenance import Maintenance
from ledger.app.notifications import RecipientNotifications
from ledger.app.reading import Reader, Reading
from ledger.app.recording import MAX_BATCH, Receipt, Recording, StreamTally
from ledger.app.register import Register
from ledger.app.register_report import RegisterReports
from ledger.app.requests import AccessRequests
from ledger.app.restrictions import Restrictions
from ledger.app.retention import Retention
from ledger.app.sessions import OfficerSessions
from ledger.app.suppressions import Suppressions
from ledger.app.uow import UnitOfWork, utcnow
from ledger.domain.retention import RetentionRules
from ledger.domain.vocabulary import Vocabulary
from ledger.integrity.checkpoints import NoteSigner
from ledger.integrity.log import TransparencyLog
from ledger.overview import OverviewConfig
from ledger.projections import activity_counts, tables
from ledger.settings import Settings

__all__ = ["MAX_BATCH", "Ledger", "Reader", "Receipt", "StreamTally"]


class Ledger:
    """What the web and the CLI call: `recording`, `reading`, `integrity`, `links`, `api_keys`,
    `authentication`, `sessions`, `maintenance`, `requests` (access requests), `consents`,
    `suppressions` (a public authority's orders to withhold a disclosure), `notifications`
    (Art. 19 recipient notifications), `restrictions` (Art. 18), `retention` (retention rules,
    holds and the report), `employment_ends`, `erasures` (Art. 17, by crypto-shredding),
    `register` (the register of processing activities) and `register_reports` (its Art. 30
    report and DPV export). A new feature is a new service here, not new methods on this
    class."""

    def __init__(
        self,
        *,
        database: Database,
        keys: KeyRing,
        vocabulary: Vocabulary,
        signer: NoteSigner,
        settings: Settings,
        overview_config: OverviewConfig,
        clock: Callable[[], datetime] = utcnow,
        retention_rules: RetentionRules | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.keys = keys
        self.vocabulary = vocabulary
        self.vault = SubjectVault(keys)
        self.store = EventStore(database)
        self.uow = UnitOfWork(
            database=database,
            store=self.store,
            tlog=TransparencyLog(signer, settings.checkpoint_origin),
            settings=settings,
            clock=clock,
        )
        retention_rules = retention_rules or load_retention_rules(
            settings.retention_file, known_categories=vocabulary.data_categories
        )
        self.register = Register(
            uow=self.uow,
            vocabulary=vocabulary,
            base_uri=settings.register_base_uri,
            # An activity's retention names a rule of the retention file (or none).
            retention_codes={rule.code for rule in retention_rules.rules},
        )
        self.recording = Recording(
            uow=self.uow, keys=keys, vault=self.vault, vocabulary=vocabulary, register=self.register
        )
        self.register_reports = RegisterReports(
            uow=self.uow,
            register=self.register,
            vocabulary=vocabulary,
            retention_rules=retention_rules,
        )
        self.integrity = Integrity(uow=self.uow, vault=self.vault)
        self.reading = Reading(
            uow=self.uow,
            keys=keys,
            vault=self.vault,
            vocabulary=vocabulary,
            integrity=self.integrity,
            overview_config=overview_config,
            register=self.register,
        )
        self.links = OverviewLinks(uow=self.uow, keys=keys, vault=self.vault, reading=self.reading)
        self.api_keys = ApiKeys(uow=self.uow)
        self.authentication = Authentication(
            uow=self.uow,
            limit=settings.auth_failure_limit,
            window_seconds=settings.auth_failure_window_seconds,
        )
        self.sessions = OfficerSessions(uow=self.uow)
        self.maintenance = Maintenance(uow=self.uow)
        self.requests = AccessRequests(
            uow=self.uow,
            vault=self.vault,
            reading=self.reading,
            links=self.links,
            is_holiday=DutchCalendar(settings.extra_holidays).is_holiday,
        )
        self.consents = Consents(uow=self.uow, vault=self.vault, reading=self.reading)
        self.suppressions = Suppressions(uow=self.uow, vault=self.vault)
        self.notifications = RecipientNotifications(
            uow=self.uow, vault=self.vault, reading=self.reading, vocabulary=vocabulary
        )
        self.restrictions = Restrictions(
            uow=self.uow, vault=self.vault, reading=self.reading, notifications=self.notifications
        )
        self.retention = Retention(uow=self.uow, reading=self.reading, rules=retention_rules)
        self.employment_ends = EmploymentEnds(uow=self.uow, vault=self.vault, reading=self.reading)
        self.erasures = Erasures(
            uow=self.uow,
            database=database,
            vault=self.vault,
            notifications=self.notifications,
            retention=self.retention,
            erased_tags=ErasedTags(settings.erasure_list_path),
        )

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.uow.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.uow.clock = clock

    def create_schema(self) -> None:
        """Create the event, vault, log and read-model tables where they are missing."""
        self.database.create_schema(
            self.store.table,
            upgrades=[
                access_log.upgrade,
                tables.upgrade,
                activity_counts.upgrade,
                tables.upgrade_terms,
                tables.upgrade_recipient_terms,
                tables.upgrade_disclosure_index,
            ],
        )

    def close(self) -> None:
        self.store.close()
        self.database.dispose()
