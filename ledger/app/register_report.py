"""The Art. 30 report and the register's DPV export: reads of the register and of the counts
the projector keeps (`ledger.projections.activity_counts`), never of a disclosure, so neither
names a person and neither is logged; a report over ten million disclosures reads a few
hundred rows."""

from __future__ import annotations

from typing import Any

from ledger.app.register import Register
from ledger.app.register_export import register_jsonld
from ledger.app.uow import UnitOfWork
from ledger.domain.retention import RetentionRules
from ledger.domain.vocabulary import Vocabulary
from ledger.overview.register_report import RegisterReport, build_report
from ledger.projections import activity_counts, register_queries


class RegisterReports:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        register: Register,
        vocabulary: Vocabulary,
        retention_rules: RetentionRules,
    ) -> None:
        self.uow = uow
        self.register = register
        self.vocabulary = vocabulary
        self.retention_rules = retention_rules

    def report(
        self,
        *,
        lang: str = "nl",
        since_month: str | None = None,
        until_month: str | None = None,
    ) -> RegisterReport:
        """Every activity's current version with its actual disclosures per recipient category
        and month (inclusive YYYY-MM bounds), and those recorded without an activity."""
        with self.uow.read() as connection:
            versions = register_queries.current_versions(connection)
            counts = activity_counts.counts(
                connection, since_month=since_month, until_month=until_month
            )
        return build_report(
            versions,
            counts,
            uri=self.register.uri,
            vocabulary=self.vocabulary,
            lang=lang,
            now=self.uow.now(),
            since_month=since_month,
            until_month=until_month,
        )

    def jsonld(self) -> dict[str, Any]:
        """The register's current versions in W3C DPV terms (`ledger.app.register_export`)."""
        return register_jsonld(
            self.register.list(),
            uri=self.register.uri,
            vocabulary=self.vocabulary,
            retention={rule.code: rule for rule in self.retention_rules.rules},
        )
