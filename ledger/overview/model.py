"""The person's overview as plain data: who received their data, when, what and why (GDPR
Art. 15(1)(c)), built from what the ledger holds on them without touching the database."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NamedTuple
from urllib.parse import quote, urlencode

from ledger.domain.suppression import is_withheld
from ledger.domain.vocabulary import Term, Vocabulary, is_eea
from ledger.overview.config import ControllerInfo, OverviewConfig
from ledger.overview.countries import country_name
from ledger.overview.texts import (
    TEXTS,
    Lang,
    capitalised,
    dashed,
    how_often,
    in_sentence,
    joined,
    language,
    local,
    long_date,
    long_datetime,
    period,
    text,
    times,
)

Audience = Literal["subject", "officer"]

# An access request is answered within three months at the latest (Art. 12(3)): an overview
# made later than this after the person's last request no longer says it answers it.
REQUEST_DAYS = 92

# The DPV terms used where the vocabulary has no more specific one.
DPV_RECIPIENT = "https://w3id.org/dpv#Recipient"
DPV_PERSONAL_DATA = "https://w3id.org/dpv#PersonalData"


@dataclass(frozen=True, slots=True)
class Coded:
    """A vocabulary code with its label in the overview's language and its DPV IRI."""

    code: str
    label: str
    dpv: str | None

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "dpv": self.dpv}


@dataclass(frozen=True, slots=True)
class Basis:
    """A legal basis in words: label, the law and article where one applies, the citation."""

    basis: Coded
    citation: str
    provision: str | None

    @property
    def words(self) -> str:
        return f"{self.basis.label} — {self.provision}" if self.provision else self.basis.label


@dataclass(frozen=True, slots=True)
class Condition:
    condition: Coded
    citation: str


@dataclass(frozen=True, slots=True)
class Transfer:
    country: str
    safeguard: Coded

    def words(self, lang: str) -> str:
        return text(
            lang,
            "transfer_text",
            country=country_name(self.country, lang),
            safeguard=self.safeguard.label,
        )


class Item(NamedTuple):
    """One disclosure as the person sees it (its current values).

    A named tuple, not a frozen dataclass: an overview makes thousands, and a frozen
    dataclass's `__init__` costs several times more.
    """

    id: str
    occurred_at: datetime
    occurred_local: str
    when: str
    controller: str
    data_categories: tuple[Coded, ...]
    data_text: str
    basis: Basis
    condition: Condition | None
    consent_reference: str | None
    purpose: str
    transfer: Transfer | None
    state: Literal["recorded", "corrected", "retracted"]
    state_text: str
    corrections: int
    corrected_at: datetime | None
    retraction_reason: str | None
    withheld_until: date | None
    withheld_by: str | None
    note: str | None
    hidden: bool
    # The ground of Art. 18(2) it was disclosed on while the processing was restricted.
    ground: Coded | None = None
    ground_text: str | None = None
    # The register's activity the disclosure followed, and its URI (the Dutch logging
    # standard's `processing_activity_id`); None for a disclosure recorded without one.
    activity: str | None = None
    activity_uri: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityText:
    """What the overview says of one version of a register activity: its URI and its purpose
    per language (nl and en at least), read by `ledger.app.reading` with the person's rows."""

    uri: str
    purpose: Mapping[str, str]

    def purpose_in(self, lang: str) -> str | None:
        """The purpose in `lang`; for a further language (Polish) else in English; else in
        Dutch; else None (then the stored purpose shows)."""
        found = self.purpose.get(lang)
        if not found and lang not in ("nl", "en"):
            found = self.purpose.get("en")
        return found or self.purpose.get("nl") or None


@dataclass(frozen=True, slots=True)
class Group:
    """One actual recipient and everything that went there."""

    key: str
    name: str
    recipient_id: str | None
    country: str | None
    category: Coded
    count: int
    first_at: datetime | None
    last_at: datetime | None
    period: str
    times: str
    data_categories: tuple[Coded, ...]
    purposes: tuple[str, ...]
    bases: tuple[Basis, ...]
    special: tuple[Coded, ...]
    conditions: tuple[Condition, ...]
    criminal: tuple[Coded, ...]
    transfers: tuple[Transfer, ...]
    consent_references: tuple[str, ...]
    corrected: int
    retracted: int
    notes: tuple[str, ...]
    items: tuple[Item, ...]
    # Items still withheld from the person (only in the officer's view), and whether the
    # person sees this recipient at all.
    withheld: int = 0
    shown: bool = True
    # The summary's line, in the overview's language: how often and what ("elke maand:
    # salarisgegevens en burgerservicenummer (BSN)"), what for, and each basis in one plain
    # sentence with its article ("Dit moet van de wet.", "art. 6 lid 1 onder c AVG").
    how: str = ""
    line_what: str = ""
    line_why: str = ""
    basis_lines: tuple[tuple[str, str], ...] = ()
    # The recipient's country by name, and its number labelled ("KvK-nummer 12345678").
    country_name: str | None = None
    recipient_id_text: str | None = None

    @property
    def data_text(self) -> str:
        return ", ".join(category.label for category in self.data_categories)


@dataclass(frozen=True, slots=True)
class AccessEntry:
    at: datetime
    when: str
    by: str
    by_label: str
    purpose: str | None
    purpose_text: str
    actor: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class Extension:
    """One of the person's access requests whose deadline was extended (Art. 12(3)): when it
    arrived, the new deadline and why, said in the overview's language."""

    received_on: date
    due_extended: date
    reason: str
    told_on: date | None
    text: str


@dataclass(frozen=True, slots=True)
class RestrictionEntry:
    """A restriction of the person's processing (Art. 18) that holds or is still to come, said
    in the overview's language with its reason (the person's own)."""

    since: datetime
    until: date
    reason: str | None
    text: str


@dataclass(frozen=True, slots=True)
class NotifiedEntry:
    """One recipient told (or to be told) of a rectification, erasure or restriction (Art. 19)."""

    recorded_on: date
    when: str
    cause: str
    cause_label: str
    recipient: str
    category: Coded
    data_categories: tuple[Coded, ...]
    data_text: str
    state: str
    state_text: str
    sent_on: date | None


@dataclass(frozen=True, slots=True)
class Overview:
    lang: Lang
    audience: Audience
    generated_at: datetime
    subject_tag: str | None
    subject_ref: str | None
    subject_name: str | None
    controllers: tuple[ControllerInfo, ...]
    groups: tuple[Group, ...]
    accesses: tuple[AccessEntry, ...]
    config: OverviewConfig
    count: int = 0
    # Recipients the person sees, and (for the officer) disclosures still withheld from them.
    recipients: int = 0
    withheld: int = 0
    demo: bool = False
    texts: Mapping[str, str] = field(default_factory=dict)
    # The person's proof bundle, which the JSON copy carries.
    proof: Mapping[str, Any] | None = None
    # Their access requests whose deadline was extended, oldest first.
    extensions: tuple[Extension, ...] = ()
    # Recipients told of a change to the person's data, listed because the person asked.
    notified: tuple[NotifiedEntry, ...] = ()
    # Restrictions of the person's processing that have not ended, soonest end first.
    restrictions: tuple[RestrictionEntry, ...] = ()
    # Who sends it, why (the person's access request: received on, its reference) and the
    # first day the register covers.
    sender: str = ""
    request_on: date | None = None
    request_reference: str | None = None
    since: date | None = None

    @property
    def known(self) -> bool:
        return self.subject_tag is not None

    @property
    def summary(self) -> str:
        if self.count == 1 and self.recipients == 1:
            return text(self.lang, "summary_intro_one")
        recipients = (
            text(self.lang, "recipients_one")
            if self.recipients == 1
            else text(self.lang, "recipients_many", n=self.recipients)
        )
        return text(
            self.lang, "summary_intro", times=times(self.count, self.lang), recipients=recipients
        )

    @property
    def summary_groups(self) -> tuple[Group, ...]:
        """The recipients the summary lists: none whose every disclosure was retracted (the
        officer also sees those with disclosures still withheld from the person)."""
        return tuple(group for group in self.groups if group.count or group.withheld)

    @property
    def context(self) -> tuple[str, ...]:
        """Why the person gets this and what it covers, in sentences."""
        lang = self.lang
        lines = []
        if self.request_on is not None:
            lines.append(text(lang, "context_request", date=long_date(self.request_on, lang)))
            if self.request_reference:
                lines.append(
                    text(lang, "context_request_reference", reference=self.request_reference)
                )
        else:
            lines.append(text(lang, "context_general"))
        if self.since is not None:
            lines.append(text(lang, "context_period", since=long_date(self.since, lang)))
        else:
            lines.append(text(lang, "context_period_all"))
        return tuple(lines)

    @property
    def reference(self) -> str | None:
        """The reference the person quotes when writing to us: their request's, else theirs."""
        return self.request_reference or self.subject_ref

    @property
    def rights(self) -> tuple[str, ...]:
        """The person's rights, each in one sentence."""
        authority = self.config.said(self.config.authority_name, self.lang)
        return (
            text(self.lang, "right_access"),
            text(self.lang, "right_rectification"),
            text(self.lang, "right_objection"),
            text(self.lang, "right_erasure"),
            text(self.lang, "right_complaint", authority=authority),
        )

    @property
    def mailto(self) -> str:
        """A `mailto:` to the privacy address, subject and body naming their reference."""
        lang = self.lang
        if self.reference:
            subject = text(lang, "mail_subject", reference=self.reference)
            body = text(lang, "mail_body", reference=self.reference)
        else:
            subject = text(lang, "mail_subject_plain")
            body = text(lang, "mail_body_plain")
        query = urlencode({"subject": subject, "body": body}, quote_via=quote)
        return f"mailto:{quote(self.config.contact_email, safe='@')}?{query}"

    @property
    def withheld_summary(self) -> str | None:
        """For the officer: what the person does not see yet, and is marked so below."""
        if not self.withheld:
            return None
        return text(
            self.lang,
            "withheld_summary_one" if self.withheld == 1 else "withheld_summary",
            n=self.withheld,
        )

    def filename(self, extension: str) -> str:
        stem = text(self.lang, "filename")
        return f"{stem}-{local(self.generated_at):%Y-%m-%d}.{extension}"


# The read-model columns an overview needs, in the order `_item` unpacks them. `occurred_at`
# comes from `occurred_local` (the stated time with its offset): parsing that is cheaper than


class _Labels:
    """Vocabulary look-ups for one language, cached: an overview repeats the same few codes."""

    def __init__(self, vocabulary: Vocabulary, lang: Lang) -> None:
        self.vocabulary = vocabulary
        self.lang = lang
        self._coded: dict[tuple[str, str], Coded] = {}
        self._bases: dict[tuple[str, str | None], Basis] = {}
        self._conditions: dict[str, Condition] = {}
        self._data: dict[str, tuple[tuple[Coded, ...], str]] = {}
        self.recorded = text(lang, "state_recorded")

    def coded(self, kind: str, code: str, fallback: str | None = None) -> Coded:
        found = self._coded.get((kind, code))
        if found is None:
            term: Term | None = self.vocabulary.section(kind).get(code)
            label = code if term is None else term.label(self.lang)
            dpv = term.dpv_iri if term is not None else None
            found = Coded(code, label, dpv or fallback)
            self._coded[(kind, code)] = found
        return found

    def basis(self, code: str, provision: str | None) -> Basis:
        found = self._bases.get((code, provision))
        if found is None:
            term = self.vocabulary.legal_bases.get(code)
            citation = text(self.lang, "basis_citation", letter=term.letter) if term else ""
            found = Basis(self.coded("legal_bases", code), citation, provision)
            self._bases[(code, provision)] = found
        return found

    def condition(self, code: str) -> Condition:
        found = self._conditions.get(code)
        if found is None:
            term = self.vocabulary.special_conditions.get(code)
            citation = text(self.lang, "condition_citation", letter=term.letter) if term else ""
            found = Condition(self.coded("special_conditions", code), citation)
            self._conditions[code] = found
        return found

    def data(self, stored: str) -> tuple[tuple[Coded, ...], str]:
        """The data categories of a read-model row (a JSON list), and them in words."""
        found = self._data.get(stored)
        if found is None:
            coded = tuple(
                self.coded("data_categories", code, DPV_PERSONAL_DATA)
                for code in json.loads(stored)
            )
            found = (coded, ", ".join(category.label for category in coded))
            self._data[stored] = found
        return found

    def ground(self, code: str | None) -> tuple[Coded | None, str | None]:
        """A disclosure's Art. 18(2) ground and the sentence that says it; (None, None)."""
        if code is None:
            return None, None
        coded = self.coded("restriction_grounds", code)
        return coded, text(self.lang, "ground_text", ground=coded.label)

    def sensitivity(self, code: str) -> str:
        category = self.vocabulary.data_categories.get(code)
        return "ordinary" if category is None else category.sensitivity


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What the ledger holds on one person, as plain data (read by `ledger.app.reading`)."""

    tag: str | None
    reference: str | None
    name: str | None
    # Rows in the column order of `ledger.projections.queries.OVERVIEW_COLUMNS`, newest first.
    rows: Sequence[Sequence[Any]] = ()
    # recipient_key -> a row with recipient_key, _category, _name, _id and _country.
    recipients: Mapping[str, Any] = field(default_factory=dict)
    # Access-log entries (at, actor, role, endpoint, purpose), newest first.
    accesses: Sequence[Any] = ()
    # Extended access requests: (received_on, due_extended, reason, told_on), oldest first.
    extensions: Sequence[tuple[date, date, str, date | None]] = ()
    # Art. 19 notices (cause, recorded_on, person_asked) each with its `notifications`
    # (recipient_name, recipient_category, data_categories, state, sent_on), oldest first.
    notices: Sequence[Mapping[str, Any]] = ()
    # Restrictions not lifted and not ended: (since, until, reason), soonest end first.
    restrictions: Sequence[tuple[datetime, date, str | None]] = ()
    # The register's activities the rows name, by (code, version).
    activities: Mapping[tuple[str, int], ActivityText] = field(default_factory=dict)
    # The person's latest access request: (received_on, its reference or None).
    request: tuple[date, str | None] | None = None
    # The first disclosure the ledger holds for anyone: the start of the period it covers.
    ledger_since: datetime | None = None


def build(
    record: PersonRecord,
    *,
    config: OverviewConfig,
    vocabulary: Vocabulary,
    now: datetime,
    lang: str = "nl",
    audience: Audience = "subject",
    proof: Mapping[str, Any] | None = None,
) -> Overview:
    """The overview of one person.

    For the person (`audience="subject"`) a disclosure still withheld (the suppression rule,
    `ledger.domain.suppression`) is left out entirely; the officer sees it, marked, and the
    counts stay the person's own.
    """
    chosen = language(lang)
    labels = _Labels(vocabulary, chosen)
    items_by_key: dict[str, list[Item]] = {}
    for row in record.rows:
        hidden = is_withheld(row[12], now=now)
        if hidden and audience == "subject":
            continue
        items_by_key.setdefault(row[2], []).append(_item(row, labels, hidden, record.activities))
    groups = [_group(record.recipients[key], items, labels) for key, items in items_by_key.items()]
    groups.sort(key=lambda g: (g.last_at or g.items[0].occurred_at, g.name), reverse=True)
    controllers = sorted({item.controller for group in groups for item in group.items})
    controller_infos = tuple(config.controller(kvk) for kvk in controllers)
    request = record.request
    if request is not None and (local(now).date() - request[0]).days > REQUEST_DAYS:
        request = None
    starts = [item.occurred_at for group in groups for item in group.items]
    if record.ledger_since is not None:
        starts.append(record.ledger_since)
    since = min(starts, default=None)
    return Overview(
        lang=chosen,
        audience=audience,
        generated_at=now,
        subject_tag=record.tag,
        subject_ref=record.reference,
        subject_name=record.name,
        controllers=controller_infos,
        groups=tuple(groups),
        accesses=tuple(_access(entry, chosen) for entry in record.accesses),
        config=config,
        count=sum(group.count for group in groups),
        # Recipients that got the person's data: not one whose every disclosure was retracted.
        recipients=sum(1 for group in groups if group.shown and group.count),
        withheld=sum(group.withheld for group in groups),
        demo=any(info.demo for info in controller_infos),
        texts=TEXTS[chosen],
        proof=proof,
        extensions=tuple(_extension(row, chosen) for row in record.extensions),
        notified=_notified(record.notices, labels),
        restrictions=tuple(_restriction(row, chosen) for row in record.restrictions),
        sender=_sender(controller_infos, config),
        request_on=request[0] if request else None,
        request_reference=request[1] if request else None,
        since=local(since).date() if since is not None else None,
    )


def _sender(controllers: Sequence[ControllerInfo], config: OverviewConfig) -> str:
    """Who sends the overview: the named controllers of its disclosures, else the first
    controller the configuration names."""
    names = [info.name for info in controllers if info.name]
    if not names:
        names = [info.name for info in config.controllers.values() if not info.demo][:1]
    return ", ".join(dict.fromkeys(names))


def _restriction(row: tuple[datetime, date, str | None], lang: Lang) -> RestrictionEntry:
    since, until, reason = row
    words = text(
        lang,
        "restriction_text",
        since=long_date(local(since).date(), lang),
        until=long_date(until, lang),
    )
    if reason:
        words += " " + text(lang, "restriction_reason", reason=reason)
    return RestrictionEntry(since=since, until=until, reason=reason, text=words)


def _extension(row: tuple[date, date, str, date | None], lang: Lang) -> Extension:
    received_on, due_extended, reason, told_on = row
    return Extension(
        received_on=received_on,
        due_extended=due_extended,
        reason=reason,
        told_on=told_on,
        text=text(
            lang,
            "extension_text",
            received=long_date(received_on, lang),
            due=long_date(due_extended, lang),
            reason=reason,
        ),
    )


def _notified(notices: Sequence[Mapping[str, Any]], labels: _Labels) -> tuple[NotifiedEntry, ...]:
    """The recipients of Art. 19, last sentence: shown only for a notice the person asked
    about, newest change first."""
    lang = labels.lang
    entries = []
    for notice in reversed(notices):
        if not notice["person_asked"]:
            continue
        for notification in notice["notifications"]:
            data, data_text = labels.data(json.dumps(notification["data_categories"]))
            sent_on = notification["sent_on"]
            entries.append(
                NotifiedEntry(
                    recorded_on=notice["recorded_on"],
                    when=long_date(notice["recorded_on"], lang),
                    cause=notice["cause"],
                    cause_label=text(lang, f"cause_{notice['cause']}"),
                    recipient=notification["recipient_name"],
                    category=labels.coded(
                        "recipient_categories", notification["recipient_category"], DPV_RECIPIENT
                    ),
                    data_categories=data,
                    data_text=data_text,
                    state=notification["state"],
                    state_text=text(
                        lang,
                        f"notice_{notification['state']}",
                        date="" if sent_on is None else long_date(sent_on, lang),
                    ),
                    sent_on=sent_on,
                )
            )
    return tuple(entries)


def _item(
    row: Sequence[Any],
    labels: _Labels,
    hidden: bool,
    activities: Mapping[tuple[str, int], ActivityText],
) -> Item:
    """One row of `_COLUMNS` as the person reads it; unpacked, not by attribute, for speed.

    Under an activity, the purpose is the activity version's, in the overview's language: a
    stored purpose is Dutch (`ledger.domain.by_activity`)."""
    (
        disclosure_id,
        controller,
        _recipient_key,
        occurred_local,
        data_categories,
        legal_basis,
        legal_provision,
        condition,
        consent_reference,
        purpose,
        transfer_country,
        transfer_safeguard,
        withheld_until,
        suppression_authority,
        corrections,
        retracted,
        retraction_reason,
        corrected_at,
        restriction_ground,
        activity,
        activity_version,
    ) = row
    lang = labels.lang
    activity_uri = None
    if activity is not None:
        found = activities.get((activity, activity_version))
        if found is not None:
            activity_uri = found.uri
            purpose = found.purpose_in(lang) or purpose
    state: Literal["recorded", "corrected", "retracted"]
    if retracted:
        state = "retracted"
        state_text = text(lang, "state_retracted")
        if retraction_reason:
            state_text += " " + text(lang, "state_retracted_reason", reason=retraction_reason)
    elif corrections:
        state = "corrected"
        state_text = text(lang, "state_corrected", date=long_date(local(corrected_at).date(), lang))
    else:
        state = "recorded"
        state_text = labels.recorded
    note = None
    if withheld_until is not None:
        note = text(
            lang,
            "hidden_note" if hidden else "withheld_note",
            date=long_date(withheld_until, lang),
            authority=suppression_authority or "",
        )
    transfer = (
        Transfer(transfer_country, labels.coded("safeguards", transfer_safeguard or "", None))
        if transfer_country
        else None
    )
    data, data_text = labels.data(data_categories)
    occurred_at = datetime.fromisoformat(occurred_local)
    return Item(
        dashed(disclosure_id),
        occurred_at,
        occurred_local,
        long_datetime(occurred_at, lang),
        controller,
        data,
        data_text,
        labels.basis(legal_basis, legal_provision),
        labels.condition(condition) if condition else None,
        consent_reference,
        purpose,
        transfer,
        state,
        state_text,
        corrections,
        corrected_at if corrections else None,
        retraction_reason if retracted else None,
        withheld_until,
        suppression_authority if withheld_until else None,
        note,
        hidden,
        *labels.ground(restriction_ground),
        activity,
        activity_uri,
    )


def _ranked(values: Iterable[Any]) -> tuple[Any, ...]:
    """Distinct values, the most frequent first, ties in order of first appearance."""
    counts = Counter(values)
    return tuple(value for value, _ in counts.most_common())


def _group(row: Any, items: list[Item], labels: _Labels) -> Group:
    lang = labels.lang
    # What the person sees; the officer's view also lists the withheld items, marked, but
    # counts only these.
    seen = [item for item in items if not item.hidden]
    withheld = len(items) - len(seen)
    basis = seen or items
    counted = [item for item in basis if item.state != "retracted"] or basis
    live = [item for item in seen if item.state != "retracted"]
    categories = {c.code: c for item in counted for c in item.data_categories}
    ordered = tuple(sorted(categories.values(), key=lambda c: c.label.casefold()))
    corrected = sum(item.state == "corrected" for item in seen)
    retracted = sum(item.state == "retracted" for item in seen)
    notes = []
    if withheld:
        notes.append(
            text(lang, "withheld_group_one" if withheld == 1 else "withheld_group", n=withheld)
        )
    if seen and not live:
        notes.append(text(lang, "all_retracted"))
    if corrected:
        notes.append(
            text(lang, "corrected_note" if corrected == 1 else "corrected_note_many", n=corrected)
        )
    if retracted and live:
        notes.append(
            text(lang, "retracted_note" if retracted == 1 else "retracted_note_many", n=retracted)
        )
    first = min(item.occurred_at for item in counted)
    last = max(item.occurred_at for item in counted)
    purposes = _ranked(item.purpose for item in counted)
    bases = _ranked(item.basis for item in counted)
    # The line says what the person sees; for the officer, a recipient with only withheld
    # disclosures is said by those (marked hidden beside it).
    said = live or [item for item in items if item.state != "retracted"]
    live_categories = {c.code: c for item in said for c in item.data_categories}
    how = how_often([item.occurred_at for item in said], lang)
    data_words = joined(
        [in_sentence(c.label) for c in sorted(live_categories.values(), key=_by_label)], lang
    )
    return Group(
        key=row.recipient_key,
        name=row.recipient_name,
        recipient_id=row.recipient_id,
        country=row.recipient_country,
        category=labels.coded("recipient_categories", row.recipient_category, DPV_RECIPIENT),
        count=len(live),
        first_at=first if live else None,
        last_at=last if live else None,
        period=period(first, last, lang),
        times=times(len(live), lang),
        data_categories=ordered,
        purposes=purposes,
        bases=bases,
        special=tuple(c for c in ordered if labels.sensitivity(c.code) == "special"),
        conditions=_ranked(item.condition for item in counted if item.condition),
        criminal=tuple(c for c in ordered if labels.sensitivity(c.code) == "criminal"),
        transfers=_ranked(
            item.transfer for item in counted if item.transfer and not is_eea(item.transfer.country)
        ),
        consent_references=_ranked(
            item.consent_reference for item in counted if item.consent_reference
        ),
        corrected=corrected,
        retracted=retracted,
        notes=tuple(notes),
        items=tuple(items),
        withheld=withheld,
        shown=bool(seen),
        how=how,
        line_what=capitalised(text(lang, "line_what", how=how, data=data_words)),
        line_why=text(lang, "line_why", purpose=joined(list(purposes), lang)) if purposes else "",
        basis_lines=tuple(
            (basis_sentence(basis, lang), _citation(basis)) for basis in bases if basis.basis
        ),
        country_name=country_name(row.recipient_country, lang) if row.recipient_country else None,
        recipient_id_text=_recipient_id(row.recipient_id, lang),
    )


def _by_label(category: Coded) -> str:
    return category.label.casefold()


def basis_sentence(basis: Basis, lang: str) -> str:
    """The basis in one plain sentence ("Dit moet van de wet."); its label for an unknown one."""
    key = f"basis_sentence_{basis.basis.code}"
    return text(lang, key) if key in TEXTS[lang] else basis.basis.label


def _citation(basis: Basis) -> str:
    """The article beneath the plain sentence: the GDPR point and the law, where recorded."""
    return " — ".join(part for part in (basis.citation, basis.provision) if part)


def _recipient_id(value: str | None, lang: str) -> str | None:
    """A recipient's number, labelled: 8 digits a KvK number, 20 digits an OIN."""
    if not value:
        return None
    if value.isdigit() and len(value) == 8:
        return text(lang, "id_kvk", id=value)
    if value.isdigit() and len(value) == 20:
        return text(lang, "id_oin", id=value)
    return text(lang, "id_other", id=value)


def _access(entry: Any, lang: Lang) -> AccessEntry:
    by = {"officer": "officer", "subject": "subject"}.get(entry.role, "system")
    return AccessEntry(
        at=entry.at,
        when=long_datetime(entry.at, lang),
        by=by,
        by_label=text(lang, f"by_{by}"),
        purpose=entry.purpose,
        purpose_text=(
            text(lang, "own_view") if by == "subject" else entry.purpose or text(lang, "no_reason")
        ),
        actor=entry.actor,
        endpoint=entry.endpoint,
    )


def special_text(group: Group, lang: str) -> str:
    conditions = "; ".join(f"{c.condition.label} ({c.citation})" for c in group.conditions) or "—"
    return text(
        lang, "special_text", data=", ".join(c.label for c in group.special), conditions=conditions
    )
