"""Overview links: time-limited, revocable links that let a person open their own overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.adapters import overview_links
from ledger.adapters.keyring import KeyRing
from ledger.adapters.overview_links import Link, LinkError, Refused
from ledger.adapters.vault import SubjectVault
from ledger.app.reading import Reader, Reading
from ledger.app.uow import UnitOfWork
from ledger.domain.errors import LedgerError
from ledger.domain.subjects import normal_subject_id

DEFAULT_DAYS = overview_links.DEFAULT_DAYS
MAX_DAYS = overview_links.MAX_DAYS


class NoOverview(LedgerError):
    """The ledger holds nothing on this person, so there is no overview to link to."""

    def __init__(self) -> None:
        super().__init__(
            "no disclosures are recorded for this subject, so there is no overview to link to"
        )


@dataclass(frozen=True, slots=True)
class MadeLink:
    """A new link and its token: the token is shown once and never stored."""

    link: Link
    token: str


class OverviewLinks:
    def __init__(
        self, *, uow: UnitOfWork, keys: KeyRing, vault: SubjectVault, reading: Reading
    ) -> None:
        self.uow = uow
        self.keys = keys
        self.vault = vault
        self.reading = reading

    def create(
        self,
        subject_id: str | None = None,
        *,
        reader: Reader,
        lang: str,
        tag: str | None = None,
        days: int | None = None,
        expires_at: datetime | None = None,
    ) -> MadeLink:
        """A link to the person's overview, made by `reader` for their stated reason (kept with
        the link; making it is a look at the person, so it is logged). The person is named by
        subject id, or by vault tag (an access request knows only that). `LinkError` names what
        is wrong with the expiry; `NoOverview` when the ledger holds nothing on the person, and
        InvalidSubjectId when no person can have this id."""
        now = self.uow.now()
        until = overview_links.expiry(now, days=days, expires_at=expires_at)
        if subject_id is not None:
            subject_id = normal_subject_id(subject_id)  # the lookup below is of the normal form
        key = self.reading.person(reader, subject_id=subject_id, tag=tag)
        if key is None:
            raise NoOverview()
        with self.uow.write_rows() as connection:
            if subject_id is not None:
                lookup = self.keys.subject_lookup(subject_id)
            else:
                lookup = self.vault.lookups_of_tags(connection, [key.tag])[0]
            link = overview_links.create(
                connection,
                subject_tag=key.tag,
                subject_lookup=lookup,
                lang=lang,
                created_by=reader.actor,
                now=now,
                expires_at=until,
                purpose=reader.purpose,
            )
        return MadeLink(link, overview_links.token_of(self.keys.link_key, link.id))

    def of_subject(self, subject_id: str, *, reader: Reader) -> list[Link]:
        """The person's links, newest first; a read of the person, so it is logged."""
        subject_id = normal_subject_id(subject_id)  # the lookup below is of the normal form
        self.reading.person(reader, subject_id=subject_id)
        with self.uow.read(primary=True) as connection:
            return overview_links.links_of(connection, self.keys.subject_lookup(subject_id))

    def of_tag(self, subject_tag: str) -> list[Link]:
        """The links of a person whose read the caller has just logged (their overview)."""
        with self.uow.read(primary=True) as connection:
            return overview_links.links_of_tag(connection, subject_tag)

    def revoke(self, link_id: str, *, actor: str) -> Link | None:
        """Revoke at once; None when there is no such link."""
        with self.uow.write_rows() as connection:
            return overview_links.revoke(connection, link_id, actor=actor, now=self.uow.now())

    def get(self, link_id: str) -> Link | None:
        with self.uow.read(primary=True) as connection:
            return overview_links.get(connection, link_id)

    def token(self, link: Link) -> str:
        """The token of a link, from its id and the ledger's link key."""
        return overview_links.token_of(self.keys.link_key, link.id)

    def resolve(self, token: str) -> Link | Refused:
        """The link a person opened, or why it opens nothing (404 unknown, 410 gone)."""
        with self.uow.read(primary=True) as connection:
            return overview_links.resolve(connection, self.keys.link_key, token, now=self.uow.now())


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "LinkError", "MadeLink", "NoOverview", "OverviewLinks"]
