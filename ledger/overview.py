"""The person's overview: who received their data, when, what and why (GDPR Art. 15(1)(c)).

Built as plain data from the read models with a few queries (never one per disclosure), then
rendered as JSON, CSV or PDF here, and as HTML by `ledger.web.pages` from the same data.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, select

from ledger.access import accesses
from ledger.domain.vocabulary import Term, Vocabulary, is_eea
from ledger.projections.tables import disclosures
from ledger.settings import SettingsError
from ledger.vault import VaultError

if TYPE_CHECKING:
    from ledger.application import Ledger

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STATIC = Path(__file__).parent / "web" / "static"
DEFAULT_CONFIG = STATIC / "overview.json"
FONT = STATIC / "DejaVuSans.ttf"
FONT_BOLD = STATIC / "DejaVuSans-Bold.ttf"

FORMAT = "disclosure-ledger-overview/1"
# How many of a person's newest disclosures are opened to find the name to address them by.
NAME_LOOKBACK = 20
LANGUAGES = ("nl", "en")
Lang = Literal["nl", "en"]
Audience = Literal["subject", "officer"]

# The DPV terms used where the vocabulary has no more specific one.
DPV_RECIPIENT = "https://w3id.org/dpv#Recipient"
DPV_PERSONAL_DATA = "https://w3id.org/dpv#PersonalData"

MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip

# Every sentence the person reads, in both languages; the HTML page and the PDF share them.
TEXTS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "title": "Overzicht van verstrekkingen van uw persoonsgegevens",
        "for": "Voor",
        "reference": "uw referentie bij ons",
        "made_on": "Opgesteld op",
        "intro": (
            "In dit overzicht ziet u aan wie wij uw persoonsgegevens hebben verstrekt, wanneer,"
            " welke gegevens en waarom. Wij leggen elke verstrekking vast met de wettelijke"
            " grondslag waarop zij berust; dit overzicht komt rechtstreeks uit dat register."
        ),
        "empty": (
            "Wij hebben geen verstrekkingen van uw persoonsgegevens aan anderen geregistreerd."
        ),
        "downloads": "Dit overzicht downloaden",
        "download_pdf": "PDF, om te bewaren of af te drukken",
        "download_json": "JSON, machineleesbaar",
        "download_csv": "CSV, voor een spreadsheet",
        "language": "Taal",
        "summary": "In het kort",
        "summary_intro": "{count} verstrekkingen aan {recipients} ontvangers.",
        "summary_intro_one": "1 verstrekking aan 1 ontvanger.",
        "recipients": "Ontvangers van uw gegevens",
        "recipient": "Ontvanger",
        "category": "Soort ontvanger",
        "period": "Periode",
        "times": "Hoe vaak",
        "data": "Welke gegevens",
        "purposes": "Waarvoor",
        "bases": "Grondslag",
        "special": "Bijzondere persoonsgegevens",
        "special_text": "{data}; toegestaan op grond van: {conditions}",
        "criminal": "Strafrechtelijke gegevens",
        "criminal_text": "{data} (art. 10 AVG)",
        "transfer": "Doorgifte buiten de EER",
        "transfer_text": "naar {country}, met als waarborg: {safeguard}",
        "recipient_id": "Kenmerk ontvanger",
        "country": "Land",
        "consent": "Uw toestemming is vastgelegd in",
        "corrected_note": (
            "{n} van deze verstrekkingen is later gecorrigeerd; u ziet de gecorrigeerde gegevens."
        ),
        "corrected_note_many": (
            "{n} van deze verstrekkingen zijn later gecorrigeerd; u ziet de gecorrigeerde gegevens."
        ),
        "retracted_note": (
            "{n} registratie is ingetrokken omdat zij ten onrechte was vastgelegd;"
            " die telt niet mee."
        ),
        "retracted_note_many": (
            "{n} registraties zijn ingetrokken omdat zij ten onrechte waren vastgelegd;"
            " die tellen niet mee."
        ),
        "all_retracted": "Alle registraties bij deze ontvanger zijn ingetrokken.",
        "all_items": "Alle verstrekkingen aan {name} ({n})",
        "date": "Datum",
        "status": "Status",
        "state_recorded": "verstrekt",
        "state_corrected": "gecorrigeerd op {date}",
        "state_retracted": "ingetrokken: {reason}",
        "withheld_note": ("Tot {date} niet in uw overzicht getoond, op last van {authority}."),
        "hidden_note": "Verborgen voor de betrokkene tot {date} (op last van {authority}).",
        "accesses": "Wie heeft uw gegevens in dit register ingezien?",
        "accesses_intro": (
            "Elke keer dat iemand uw gegevens in dit register bekijkt, leggen wij vast wanneer"
            " en waarom."
        ),
        "accesses_empty": "Niemand heeft uw gegevens in dit register ingezien.",
        "when": "Wanneer",
        "by": "Door",
        "why": "Reden",
        "by_officer": "medewerker privacyzaken",
        "by_subject": "uzelf, via uw persoonlijke link",
        "own_view": "uw eigen overzicht bekeken of gedownload",
        "by_system": "systeem",
        "no_reason": "geen reden opgegeven",
        "controllers": "Wie is verantwoordelijk voor uw gegevens?",
        "controllers_intro": (
            "Verwerkingsverantwoordelijke voor de verstrekkingen in dit overzicht:"
        ),
        "kvk": "KvK-nummer",
        "questions": "Vragen of een klacht?",
        "footer": (
            "Dit overzicht beantwoordt de vraag aan wie uw persoonsgegevens zijn verstrekt"
            " (artikel 15, eerste lid, onder c, AVG)."
        ),
        "page": "Pagina {page} van {pages}",
        "on": "op {date}",
        "from_to": "van {first} tot en met {last}",
        "once": "1 keer",
        "n_times": "{n} keer",
        "basis_citation": "art. 6 lid 1 onder {letter} AVG",
        "condition_citation": "art. 9 lid 2 onder {letter} AVG",
        "demo": "DEMO",
    },
    "en": {
        "title": "Overview of disclosures of your personal data",
        "for": "For",
        "reference": "your reference with us",
        "made_on": "Prepared on",
        "intro": (
            "This overview shows to whom we disclosed your personal data, when, which data and"
            " why. We record every disclosure with the legal basis it rests on; this overview"
            " comes straight from that register."
        ),
        "empty": "We have recorded no disclosures of your personal data to others.",
        "downloads": "Download this overview",
        "download_pdf": "PDF, to keep or print",
        "download_json": "JSON, machine-readable",
        "download_csv": "CSV, for a spreadsheet",
        "language": "Language",
        "summary": "In short",
        "summary_intro": "{count} disclosures to {recipients} recipients.",
        "summary_intro_one": "1 disclosure to 1 recipient.",
        "recipients": "Recipients of your data",
        "recipient": "Recipient",
        "category": "Kind of recipient",
        "period": "Period",
        "times": "How often",
        "data": "Which data",
        "purposes": "What for",
        "bases": "Legal basis",
        "special": "Special categories of data",
        "special_text": "{data}; allowed on the ground of: {conditions}",
        "criminal": "Criminal-record data",
        "criminal_text": "{data} (GDPR Art. 10)",
        "transfer": "Transfer outside the EEA",
        "transfer_text": "to {country}, with as safeguard: {safeguard}",
        "recipient_id": "Recipient's reference",
        "country": "Country",
        "consent": "Your consent is recorded in",
        "corrected_note": (
            "{n} of these disclosures was corrected later; you see the corrected data."
        ),
        "corrected_note_many": (
            "{n} of these disclosures were corrected later; you see the corrected data."
        ),
        "retracted_note": (
            "{n} record was retracted because it was recorded in error; it does not count."
        ),
        "retracted_note_many": (
            "{n} records were retracted because they were recorded in error; they do not count."
        ),
        "all_retracted": "Every record for this recipient was retracted.",
        "all_items": "All disclosures to {name} ({n})",
        "date": "Date",
        "status": "Status",
        "state_recorded": "disclosed",
        "state_corrected": "corrected on {date}",
        "state_retracted": "retracted: {reason}",
        "withheld_note": "Not shown in your overview until {date}, by order of {authority}.",
        "hidden_note": "Hidden from the person until {date} (by order of {authority}).",
        "accesses": "Who looked at your data in this register?",
        "accesses_intro": (
            "Every time someone looks at your data in this register, we record when and why."
        ),
        "accesses_empty": "Nobody has looked at your data in this register.",
        "when": "When",
        "by": "By",
        "why": "Reason",
        "by_officer": "privacy staff",
        "by_subject": "you, through your personal link",
        "own_view": "you viewed or downloaded your own overview",
        "by_system": "system",
        "no_reason": "no reason given",
        "controllers": "Who is responsible for your data?",
        "controllers_intro": "The controller of the disclosures in this overview:",
        "kvk": "Chamber of Commerce (KvK) number",
        "questions": "Questions or a complaint?",
        "footer": (
            "This overview answers the question to whom your personal data was disclosed"
            " (GDPR Article 15(1)(c))."
        ),
        "page": "Page {page} of {pages}",
        "on": "on {date}",
        "from_to": "from {first} to {last}",
        "once": "once",
        "n_times": "{n} times",
        "basis_citation": "GDPR Art. 6(1)({letter})",
        "condition_citation": "GDPR Art. 9(2)({letter})",
        "demo": "DEMO",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    template = TEXTS[lang][key]
    return template.format(**values) if values else template


def language(value: str | None) -> Lang:
    """`nl` unless English is asked for; anything else falls back to Dutch."""
    return "en" if value == "en" else "nl"


def long_date(value: date, lang: str) -> str:
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"


def local(value: datetime) -> datetime:
    return value.astimezone(AMSTERDAM)


def long_datetime(value: datetime, lang: str) -> str:
    moment = local(value)
    month = MONTHS[lang][moment.month - 1]
    return f"{moment.day} {month} {moment.year}, {moment.hour:02d}:{moment.minute:02d}"


def dashed(hex_id: str) -> str:
    """A UUID's 32 hex digits in the usual dashed form (cheaper than `str(UUID(...))`)."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def times(count: int, lang: str) -> str:
    return text(lang, "once") if count == 1 else text(lang, "n_times", n=count)


def period(first: datetime, last: datetime, lang: str) -> str:
    start, end = local(first).date(), local(last).date()
    if start == end:
        return text(lang, "on", date=long_date(start, lang))
    return text(lang, "from_to", first=long_date(start, lang), last=long_date(end, lang))


# -- configuration: controllers, privacy contact, supervisory authority -------------------------


@dataclass(frozen=True, slots=True)
class ControllerInfo:
    kvk: str
    name: str
    address: str | None
    demo: bool = False


@dataclass(frozen=True, slots=True)
class OverviewConfig:
    """What the overview says about the company: texts a deployment configures, not code."""

    controllers: Mapping[str, ControllerInfo]
    contact_name: Mapping[str, str]
    contact_email: str
    contact_address: str
    authority_name: Mapping[str, str]
    authority_url: str
    complaint: Mapping[str, str]

    def controller(self, kvk: str) -> ControllerInfo:
        """The configured controller; an unconfigured one is shown by its KvK number alone."""
        return self.controllers.get(kvk) or ControllerInfo(kvk=kvk, name="", address=None)

    def complaint_parts(self, lang: str) -> list[tuple[str, str | None]]:
        """The complaint text as (text, link) pieces: e-mail and website become links."""
        values = {
            "contact": (self.contact_name[lang], None),
            "email": (self.contact_email, f"mailto:{self.contact_email}"),
            "postal_address": (self.contact_address, None),
            "authority": (self.authority_name[lang], None),
            "authority_url": (self.authority_url, self.authority_url),
        }
        parts: list[tuple[str, str | None]] = []
        for literal, name, _spec, _conversion in string.Formatter().parse(self.complaint[lang]):
            if literal:
                parts.append((literal, None))
            if name:
                parts.append(values[name])
        return parts

    def complaint_text(self, lang: str) -> str:
        return "".join(piece for piece, _ in self.complaint_parts(lang))


PLACEHOLDERS = frozenset({"contact", "email", "postal_address", "authority", "authority_url"})


def load_config(path: Path | None) -> OverviewConfig:
    """LEDGER_OVERVIEW_FILE, or the default shipped in the package."""
    chosen = path or DEFAULT_CONFIG
    try:
        document = json.loads(chosen.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"LEDGER_OVERVIEW_FILE cannot be read: {error}") from None
    except ValueError as error:
        raise SettingsError(f"LEDGER_OVERVIEW_FILE is not JSON: {error}") from None
    try:
        return parse_config(document)
    except (KeyError, TypeError, ValueError) as error:
        raise SettingsError(f"LEDGER_OVERVIEW_FILE ({chosen}) is not valid: {error}") from None


def _languages(value: Any, where: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object with 'nl' and 'en'")
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise ValueError(f"{where}.{lang} must be a non-empty text")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _text_field(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a non-empty text")
    return value.strip()


def parse_config(document: Any) -> OverviewConfig:
    if not isinstance(document, Mapping):
        raise ValueError("the file must hold one JSON object")
    controllers: dict[str, ControllerInfo] = {}
    for index, entry in enumerate(document.get("controllers", [])):
        where = f"controllers[{index}]"
        kvk = _text_field(entry.get("kvk"), f"{where}.kvk")
        if not (len(kvk) == 8 and kvk.isdigit()):
            raise ValueError(f"{where}.kvk must be a KvK number of 8 digits")
        address = entry.get("address")
        controllers[kvk] = ControllerInfo(
            kvk=kvk,
            name=_text_field(entry.get("name"), f"{where}.name"),
            address=_text_field(address, f"{where}.address") if address is not None else None,
            demo=bool(entry.get("demo", False)),
        )
    contact = document["privacy_contact"]
    authority = document["supervisory_authority"]
    complaint = _languages(document["complaint"], "complaint")
    for lang, template in complaint.items():
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        if unknown := names - PLACEHOLDERS:
            raise ValueError(
                f"complaint.{lang} uses unknown placeholders {sorted(unknown)};"
                f" use {', '.join(sorted(PLACEHOLDERS))}"
            )
    url = _text_field(authority.get("url"), "supervisory_authority.url")
    if not url.startswith("https://"):
        raise ValueError("supervisory_authority.url must start with https://")
    return OverviewConfig(
        controllers=controllers,
        contact_name=_languages(contact.get("name"), "privacy_contact.name"),
        contact_email=_text_field(contact.get("email"), "privacy_contact.email"),
        contact_address=_text_field(
            contact.get("postal_address"), "privacy_contact.postal_address"
        ),
        authority_name=_languages(authority.get("name"), "supervisory_authority.name"),
        authority_url=url,
        complaint=complaint,
    )


# -- the overview as plain data ---------------------------------------------------------------


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
        return text(lang, "transfer_text", country=self.country, safeguard=self.safeguard.label)


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
    demo: bool = False
    texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.subject_tag is not None

    @property
    def summary(self) -> str:
        if self.count == 1 and len(self.groups) == 1:
            return text(self.lang, "summary_intro_one")
        return text(self.lang, "summary_intro", count=self.count, recipients=len(self.groups))

    def filename(self, extension: str) -> str:
        stem = "overzicht-verstrekkingen" if self.lang == "nl" else "disclosure-overview"
        return f"{stem}-{local(self.generated_at):%Y-%m-%d}.{extension}"


# The read-model columns an overview needs, in the order `_item` unpacks them. `occurred_at`
# comes from `occurred_local` (the stated time with its offset): parsing that is cheaper than
# the UTC column's type conversion, which adds up over thousands of rows.
_COLUMNS = (
    disclosures.c.disclosure_id,
    disclosures.c.controller,
    disclosures.c.recipient_key,
    disclosures.c.occurred_local,
    disclosures.c.data_categories,
    disclosures.c.legal_basis,
    disclosures.c.legal_provision,
    disclosures.c.special_category_condition,
    disclosures.c.consent_reference,
    disclosures.c.purpose,
    disclosures.c.transfer_country,
    disclosures.c.transfer_safeguard,
    disclosures.c.suppressed_until,
    disclosures.c.suppression_authority,
    disclosures.c.corrections,
    disclosures.c.retracted,
    disclosures.c.retraction_reason,
    case((disclosures.c.corrections > 0, disclosures.c.updated_at), else_=None).label("corrected"),
)
_RECIPIENT_COLUMNS = (
    disclosures.c.recipient_key,
    disclosures.c.recipient_category,
    disclosures.c.recipient_name,
    disclosures.c.recipient_id,
    disclosures.c.recipient_country,
)


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

    def sensitivity(self, code: str) -> str:
        category = self.vocabulary.data_categories.get(code)
        return "ordinary" if category is None else category.sensitivity


def today(ledger: Ledger) -> date:
    """Suppression dates are Dutch calendar dates."""
    return local(ledger.clock()).date()


def subject_tag(ledger: Ledger, subject_id: str) -> str | None:
    with ledger.database.read_engine.connect() as connection:
        key = ledger.vault.find(connection, subject_id)
    return None if key is None else key.tag


def build(
    ledger: Ledger,
    config: OverviewConfig,
    *,
    subject_id: str | None = None,
    tag: str | None = None,
    lang: str = "nl",
    audience: Audience = "subject",
) -> Overview:
    """The overview of one person, named by subject id (officer, CLI) or by tag (a link).

    For the person (`audience="subject"`) a disclosure still under suppression is left out
    entirely; the officer sees it, marked.
    """
    chosen = language(lang)
    labels = _Labels(ledger.vocabulary, chosen)
    now = ledger.clock()
    with ledger.database.read_engine.connect() as connection, connection.begin():
        if tag is None:
            assert subject_id is not None
            key = ledger.vault.find(connection, subject_id)
            tag = None if key is None else key.tag
            lookup = ledger.keys.subject_lookup(subject_id)
        else:
            lookups = ledger.vault.lookups_of_tags(connection, [tag])
            if not lookups:
                tag = None
            lookup = lookups[0] if lookups else b""
        rows: Sequence[Any] = []
        recipients: dict[str, Any] = {}
        name: str | None = None
        if tag is not None:
            rows = connection.execute(
                select(*_COLUMNS)
                .where(disclosures.c.subject_tag == tag)
                .order_by(disclosures.c.occurred_at.desc(), disclosures.c.position.desc())
            ).all()
            recipients = {
                row.recipient_key: row
                for row in connection.execute(
                    select(*_RECIPIENT_COLUMNS).where(disclosures.c.subject_tag == tag).distinct()
                )
            }
            subject_id, name = _identity(ledger, connection, tag, subject_id)
        logged = accesses(connection, lookup) if lookup else []
    items_by_key: dict[str, list[Item]] = {}
    cutoff = local(now).date()
    for row in rows:
        suppressed_until = row[12]
        hidden = suppressed_until is not None and cutoff < suppressed_until
        if hidden and audience == "subject":
            continue
        items_by_key.setdefault(row[2], []).append(_item(row, labels, hidden))
    groups = [_group(recipients[key], items, labels) for key, items in items_by_key.items()]
    groups.sort(key=lambda g: (g.last_at or g.items[0].occurred_at, g.name), reverse=True)
    controllers = sorted({item.controller for group in groups for item in group.items})
    controller_infos = tuple(config.controller(kvk) for kvk in controllers)
    return Overview(
        lang=chosen,
        audience=audience,
        generated_at=now,
        subject_tag=tag,
        subject_ref=subject_id,
        subject_name=name,
        controllers=controller_infos,
        groups=tuple(groups),
        accesses=tuple(_access(entry, chosen) for entry in logged),
        config=config,
        count=sum(group.count for group in groups),
        demo=any(info.demo for info in controller_infos),
        texts=TEXTS[chosen],
    )


def _identity(
    ledger: Ledger, connection: Connection, tag: str, subject_id: str | None
) -> tuple[str | None, str | None]:
    """The person's reference and name, opened from their most recent disclosures.

    Not every posting names the person, so the newest few are tried until one does.
    """
    key = ledger.vault.keys_by_tag(connection, [tag]).get(tag)
    if key is None:
        return subject_id, None
    rows = connection.execute(
        select(disclosures.c.disclosure_id, disclosures.c.sealed)
        .where(disclosures.c.subject_tag == tag)
        .order_by(disclosures.c.position.desc())
        .limit(NAME_LOOKBACK)
    )
    for row in rows:
        try:
            secret = ledger.vault.open(key, UUID(hex=row.disclosure_id), row.sealed)
        except VaultError:
            continue
        subject_id = subject_id or secret.get("subject_id")
        if secret.get("subject_name"):
            return subject_id, secret["subject_name"]
    return subject_id, None


def _item(row: Sequence[Any], labels: _Labels, hidden: bool) -> Item:
    """One row of `_COLUMNS` as the person reads it; unpacked, not by attribute, for speed."""
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
    ) = row
    lang = labels.lang
    state: Literal["recorded", "corrected", "retracted"]
    if retracted:
        state = "retracted"
        state_text = text(lang, "state_retracted", reason=retraction_reason or "")
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
    )


def _ranked(values: Iterable[Any]) -> tuple[Any, ...]:
    """Distinct values, the most frequent first, ties in order of first appearance."""
    counts = Counter(values)
    return tuple(value for value, _ in counts.most_common())


def _group(row: Any, items: list[Item], labels: _Labels) -> Group:
    lang = labels.lang
    counted = [item for item in items if item.state != "retracted"] or items
    live = [item for item in items if item.state != "retracted"]
    categories = {c.code: c for item in counted for c in item.data_categories}
    ordered = tuple(sorted(categories.values(), key=lambda c: c.label.casefold()))
    corrected = sum(item.state == "corrected" for item in items)
    retracted = len(items) - len(live)
    notes = []
    if not live:
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
        purposes=_ranked(item.purpose for item in counted),
        bases=_ranked(item.basis for item in counted),
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
    )


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


# -- JSON ---------------------------------------------------------------------------------------


def to_json(overview: Overview) -> dict[str, Any]:
    """The person's portable copy; its schema is `ledger/web/static/overview.schema.json`."""
    lang = overview.lang
    config = overview.config
    return {
        "format": FORMAT,
        "language": lang,
        "generated_at": overview.generated_at.isoformat(),
        "subject": {"reference": overview.subject_ref, "name": overview.subject_name},
        "summary": {"disclosures": overview.count, "recipients": len(overview.groups)},
        "recipients": [
            {
                "recipient": {
                    "name": group.name,
                    "id": group.recipient_id,
                    "country": group.country,
                    "category": group.category.as_json(),
                },
                "count": group.count,
                "first_at": group.first_at.isoformat() if group.first_at else None,
                "last_at": group.last_at.isoformat() if group.last_at else None,
                "data_categories": [c.as_json() for c in group.data_categories],
                "purposes": list(group.purposes),
                "legal_bases": [_basis_json(basis) for basis in group.bases],
                "special_category_conditions": [
                    _condition_json(condition) for condition in group.conditions
                ],
                "disclosures": [_item_json(item) for item in group.items],
            }
            for group in overview.groups
        ],
        "accesses": [
            {"at": entry.at.isoformat(), "by": entry.by, "purpose": entry.purpose}
            for entry in overview.accesses
        ],
        "controllers": [
            {"kvk": info.kvk, "name": info.name, "address": info.address}
            for info in overview.controllers
        ],
        "privacy_contact": {
            "name": config.contact_name[lang],
            "email": config.contact_email,
            "postal_address": config.contact_address,
        },
        "supervisory_authority": {
            "name": config.authority_name[lang],
            "url": config.authority_url,
        },
    }


def _basis_json(basis: Basis) -> dict[str, Any]:
    return {
        **basis.basis.as_json(),
        "citation": basis.citation,
        "provision": basis.provision,
        "text": basis.words,
    }


def _condition_json(condition: Condition) -> dict[str, Any]:
    return {**condition.condition.as_json(), "citation": condition.citation}


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "occurred_at": item.occurred_local,
        "controller": item.controller,
        "data_categories": [c.as_json() for c in item.data_categories],
        "legal_basis": _basis_json(item.basis),
        "special_category_condition": (_condition_json(item.condition) if item.condition else None),
        "consent_reference": item.consent_reference,
        "purpose": item.purpose,
        "transfer": (
            {"country": item.transfer.country, "safeguard": item.transfer.safeguard.as_json()}
            if item.transfer
            else None
        ),
        "state": item.state,
        "corrected_at": item.corrected_at.isoformat() if item.corrected_at else None,
        "retraction_reason": item.retraction_reason,
        "withheld_until": item.withheld_until.isoformat() if item.withheld_until else None,
    }


def render_json(overview: Overview, proof: Mapping[str, Any] | None = None) -> str:
    """The portable copy; with `proof`, the bundle that `ledger verify-bundle` checks offline."""
    document = to_json(overview)
    if proof is not None:
        document["proof"] = proof
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# -- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "occurred_at",
    "recipient_name",
    "recipient_id",
    "recipient_country",
    "recipient_category",
    "recipient_category_label",
    "data_categories",
    "data_category_labels",
    "legal_basis",
    "legal_basis_text",
    "special_category_condition",
    "special_category_condition_label",
    "purpose",
    "transfer_country",
    "transfer_safeguard",
    "controller",
    "state",
    "state_text",
    "withheld_until",
    "id",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(overview: Overview) -> str:
    """One row per disclosure, newest first per recipient; codes and labels side by side.

    Lists are separated by '; '. A value that a spreadsheet would run as a formula is prefixed
    with an apostrophe. It starts with a byte-order mark, so spreadsheets read it as UTF-8.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in overview.groups:
        for item in group.items:
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        item.occurred_local,
                        group.name,
                        group.recipient_id,
                        group.country,
                        group.category.code,
                        group.category.label,
                        "; ".join(c.code for c in item.data_categories),
                        "; ".join(c.label for c in item.data_categories),
                        item.basis.basis.code,
                        item.basis.words,
                        item.condition.condition.code if item.condition else None,
                        item.condition.condition.label if item.condition else None,
                        item.purpose,
                        item.transfer.country if item.transfer else None,
                        item.transfer.safeguard.label if item.transfer else None,
                        item.controller,
                        item.state,
                        item.state_text,
                        item.withheld_until.isoformat() if item.withheld_until else None,
                        item.id,
                    )
                ]
            )
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------------

PDF_MARGIN = 15.0
PDF_WIDTH = 210.0 - 2 * PDF_MARGIN
INK = (33, 37, 41)
MUTED = (90, 98, 106)
ACCENT = (0, 84, 122)
RULE = (200, 205, 210)


def render_pdf(overview: Overview) -> bytes:
    """The same content as the HTML page, as real (selectable, searchable) text.

    fpdf2 is imported here, not at module level: the web pages and the CLI's other formats
    should not pay for loading it.
    """
    from fpdf import FPDF, FontFace
    from fpdf.enums import XPos, YPos

    lang = overview.lang
    t = overview.texts

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.set_text_color(*MUTED)
            self.cell(
                0,
                5,
                text(lang, "page", page=self.page_no(), pages="{nb}"),
                align="R",
            )

    pdf = Document(format="A4", unit="mm")
    pdf.set_margins(PDF_MARGIN, PDF_MARGIN, PDF_MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_lang(lang)
    pdf.set_title(t["title"])
    pdf.set_subject(t["title"])
    pdf.set_creator("Disclosure Ledger")
    pdf.set_creation_date(overview.generated_at)
    pdf.alias_nb_pages()
    pdf.add_page()

    def heading(value: str, size: float, *, level: int, space: float = 3) -> None:
        if pdf.get_y() > 250:
            pdf.add_page()
        pdf.ln(space)
        pdf.start_section(value[:120], level=level)
        pdf.set_font("DejaVu", "B", size)
        pdf.set_text_color(*(ACCENT if level == 0 else INK))
        pdf.multi_cell(0, size * 0.5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.ln(1)

    def paragraph(value: str, *, size: float = 10, muted: bool = False) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.set_text_color(*(MUTED if muted else INK))
        pdf.multi_cell(0, size * 0.5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.ln(1.5)

    def rows_table(
        widths: tuple[float, ...],
        headings: tuple[str, ...],
        rows: list[tuple[str, ...]],
        *,
        size: float,
    ) -> None:
        """A long table, drawn row by row: fpdf2's `table()` breaks every cell's lines twice,
        which for 2,000 disclosures took seconds; here only a cell too wide for one line is
        broken, and a row that does not fit starts a page with the headings again."""
        pad, line = 1.0, size * 0.48
        right = pdf.l_margin + sum(widths)
        wrapped: dict[tuple[str, float, bool], list[str]] = {}

        def wrap(value: str, width: float, bold: bool) -> list[str]:
            # Rows repeat the same purposes and data lists: break each text once.
            found = wrapped.get((value, width, bold))
            if found is None:
                found = wrapped[(value, width, bold)] = _wrap(
                    value, width - 2 * pad, pdf.get_string_width
                )
            return found

        def draw(cells: tuple[str, ...], *, bold: bool) -> None:
            pdf.set_font("DejaVu", "B" if bold else "", size)
            broken = [wrap(v, w, bold) for w, v in zip(widths, cells, strict=True)]
            height = max(len(lines) for lines in broken) * line + 2 * pad
            if pdf.get_y() + height > pdf.page_break_trigger:
                pdf.add_page()
                if not bold:
                    draw(headings, bold=True)
                    pdf.set_font("DejaVu", "", size)
            top, x = pdf.get_y(), pdf.l_margin
            for width, lines in zip(widths, broken, strict=True):
                for number, text_line in enumerate(lines):
                    pdf.set_xy(x + pad, top + pad + number * line)
                    pdf.cell(width - 2 * pad, line, text_line)
                x += width
            pdf.set_draw_color(*(INK if bold else RULE))
            pdf.set_line_width(0.3 if bold else 0.15)
            pdf.line(pdf.l_margin, top + height, right, top + height)
            pdf.set_xy(pdf.l_margin, top + height)

        draw(headings, bold=True)
        for cells in rows:
            draw(cells, bold=False)
        pdf.ln(3)

    def facts(rows: list[tuple[str, str]]) -> None:
        pdf.set_font("DejaVu", "", 9.5)
        with pdf.table(
            col_widths=(42, PDF_WIDTH - 42),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=5,
            padding=1.2,
            text_align="LEFT",
            v_align="TOP",
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD"))
                row.cell(value)
        pdf.ln(2)

    pdf.set_font("DejaVu", "B", 17)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8, t["title"], align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    if overview.demo:
        paragraph(f"[{t['demo']}]", muted=True)
    who = overview.subject_name or ""
    if overview.subject_ref:
        who += f" ({t['reference']}: {overview.subject_ref})" if who else overview.subject_ref
    paragraph(f"{t['for']}: {who}")
    paragraph(f"{t['made_on']}: {long_datetime(overview.generated_at, lang)}", size=9, muted=True)
    paragraph(t["intro"])

    heading(t["summary"], 13, level=0)
    if not overview.groups:
        paragraph(t["empty"])
    else:
        paragraph(overview.summary)
        pdf.set_font("DejaVu", "", 9.5)
        with pdf.table(
            col_widths=(58, 50, 50, 22),
            headings_style=FontFace(emphasis="BOLD"),
            borders_layout="HORIZONTAL_LINES",
            line_height=5,
            padding=1.2,
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
            v_align="TOP",
        ) as table:
            head = table.row()
            for label in (t["recipient"], t["category"], t["period"], t["times"]):
                head.cell(label)
            for group in overview.groups:
                row = table.row()
                row.cell(group.name)
                row.cell(group.category.label)
                row.cell(group.period)
                row.cell(str(group.count))
        pdf.ln(2)

        heading(t["recipients"], 13, level=0)
        for group in overview.groups:
            title = group.name
            if group.category.label != group.name:
                title += f" — {group.category.label}"
            heading(title, 11, level=1, space=2)
            for note in group.notes:
                paragraph(note, size=9, muted=True)
            facts(_group_facts(group, t, lang))
            pdf.set_font("DejaVu", "B", 9)
            pdf.multi_cell(
                0,
                4.5,
                text(lang, "all_items", name=group.name, n=len(group.items)),
                align="L",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            rows_table(
                (31, 70, 52, 27),
                (t["date"], t["data"], t["purposes"], t["status"]),
                [
                    (
                        item.when,
                        item.data_text,
                        item.purpose + (f" ({item.note})" if item.note else ""),
                        item.state_text,
                    )
                    for item in group.items
                ],
                size=8.5,
            )
            pdf.ln(3)

    heading(t["accesses"], 13, level=0)
    paragraph(t["accesses_intro"])
    if not overview.accesses:
        paragraph(t["accesses_empty"])
    else:
        rows_table(
            (45, 55, 80),
            (t["when"], t["by"], t["why"]),
            [(entry.when, entry.by_label, entry.purpose_text) for entry in overview.accesses],
            size=9,
        )
        pdf.ln(2)

    heading(t["controllers"], 13, level=0)
    if overview.controllers:
        paragraph(t["controllers_intro"])
        for info in overview.controllers:
            line = f"{t['kvk']} {info.kvk}"
            line = f"{info.name}, {line}" if info.name else line
            paragraph(line + (f", {info.address}" if info.address else ""))

    heading(t["questions"], 13, level=0)
    pdf.set_font("DejaVu", "", 10)
    for piece, link in overview.config.complaint_parts(lang):
        if link:
            pdf.set_text_color(*ACCENT)
            pdf.write(5, piece, link=link)
            pdf.set_text_color(*INK)
        else:
            pdf.write(5, piece)
    pdf.ln(8)
    paragraph(t["footer"], size=8.5, muted=True)
    return bytes(pdf.output())


def _wrap(value: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break text into lines no wider than `width`, at spaces; a word too long on its own is
    broken where it must be."""
    lines: list[str] = []
    current = ""
    for word in value.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    lines.append(current)
    return lines


def _group_facts(group: Group, t: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    """The label/value lines of one recipient, in the order the HTML page shows them."""
    rows = [(t["category"], group.category.label)]
    if group.recipient_id:
        rows.append((t["recipient_id"], group.recipient_id))
    if group.country:
        rows.append((t["country"], group.country))
    rows += [
        (t["data"], group.data_text),
        (t["purposes"], "\n".join(group.purposes)),
        (t["bases"], "\n".join(f"{b.words} ({b.citation})" for b in group.bases)),
    ]
    if group.special:
        rows.append((t["special"], special_text(group, lang)))
    if group.criminal:
        rows.append(
            (
                t["criminal"],
                text(lang, "criminal_text", data=", ".join(c.label for c in group.criminal)),
            )
        )
    if group.transfers:
        rows.append((t["transfer"], "\n".join(tr.words(lang) for tr in group.transfers)))
    if group.consent_references:
        rows.append((t["consent"], ", ".join(group.consent_references)))
    rows += [(t["period"], group.period), (t["times"], group.times)]
    return rows


def special_text(group: Group, lang: str) -> str:
    conditions = "; ".join(f"{c.condition.label} ({c.citation})" for c in group.conditions) or "—"
    return text(
        lang, "special_text", data=", ".join(c.label for c in group.special), conditions=conditions
    )
