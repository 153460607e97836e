"""Every sentence and label the person reads, per language, and how dates and counts are said."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

from ledger.domain.suppression import AMSTERDAM

LANGUAGES = ("nl", "en")
Lang = Literal["nl", "en"]

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
        "withheld_summary": (
            "Daarnaast {n} verstrekkingen die de betrokkene nog niet ziet; zij tellen hierboven"
            " niet mee en zijn hieronder gemarkeerd."
        ),
        "withheld_summary_one": (
            "Daarnaast 1 verstrekking die de betrokkene nog niet ziet; zij telt hierboven"
            " niet mee en is hieronder gemarkeerd."
        ),
        "withheld_group": "{n} verstrekkingen hier ziet de betrokkene nog niet.",
        "withheld_group_one": "1 verstrekking hier ziet de betrokkene nog niet.",
        "withheld_mark": "+{n} verborgen",
        "extensions": "Uw verzoek om inzage: de termijn is verlengd",
        "extension_text": (
            "Wij hebben de termijn om uw verzoek van {received} te beantwoorden verlengd tot"
            " {due} (art. 12, derde lid, AVG). De reden: {reason}"
        ),
        "notified": "Wie hebben wij verteld dat uw gegevens zijn gewijzigd?",
        "notified_intro": (
            "U vroeg ons welke ontvangers wij hebben laten weten dat wij uw gegevens hebben"
            " gerectificeerd, gewist of de verwerking ervan hebben beperkt (artikel 19 AVG)."
        ),
        "notified_cause": "Wijziging",
        "notified_recipient": "Ontvanger",
        "notified_data": "Gegevens",
        "notified_state": "Bericht",
        "restriction": "Beperking van de verwerking",
        "restriction_text": (
            "De verwerking van uw gegevens is beperkt van {since} tot en met {until}"
            " (artikel 18 AVG). In die tijd verstrekken wij uw gegevens alleen nog met uw"
            " toestemming, voor een rechtsvordering, ter bescherming van de rechten van een"
            " ander of om gewichtige redenen van algemeen belang (artikel 18, tweede lid, AVG)."
        ),
        "restriction_reason": "De reden: {reason}",
        "ground_text": (
            "Tijdens de beperking van de verwerking, op grond van: {ground}"
            " (art. 18, tweede lid, AVG)"
        ),
        "cause_rectification": "rectificatie",
        "cause_erasure": "wissing",
        "cause_restriction": "beperking van de verwerking",
        "notice_to_send": "wordt nog verstuurd",
        "notice_sent": "verstuurd op {date}",
        "notice_impossible": "niet mogelijk",
        "notice_disproportionate": "zou onevenredig veel inspanning vergen",
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
        "withheld_summary": (
            "Besides, {n} disclosures the person does not see yet; they are not counted above"
            " and are marked below."
        ),
        "withheld_summary_one": (
            "Besides, 1 disclosure the person does not see yet; it is not counted above and is"
            " marked below."
        ),
        "withheld_group": "The person does not see {n} of the disclosures here yet.",
        "withheld_group_one": "The person does not see 1 of the disclosures here yet.",
        "withheld_mark": "+{n} hidden",
        "extensions": "Your access request: the deadline was extended",
        "extension_text": (
            "We extended the deadline to answer your request of {received} to {due}"
            " (GDPR Article 12(3)). The reason: {reason}"
        ),
        "notified": "Whom did we tell that your data changed?",
        "notified_intro": (
            "You asked us which recipients we told that we rectified or erased your data or"
            " restricted its processing (Art. 19 GDPR)."
        ),
        "notified_cause": "Change",
        "notified_recipient": "Recipient",
        "notified_data": "Data",
        "notified_state": "Message",
        "restriction": "Restriction of processing",
        "restriction_text": (
            "Processing of your data is restricted from {since} until {until} inclusive (GDPR"
            " Art. 18). Meanwhile we disclose your data only with your consent, for legal claims,"
            " to protect the rights of another person or for reasons of important public"
            " interest (GDPR Art. 18(2))."
        ),
        "restriction_reason": "The reason: {reason}",
        "ground_text": (
            "During the restriction of processing, on the ground of: {ground} (GDPR Art. 18(2))"
        ),
        "cause_rectification": "rectification",
        "cause_erasure": "erasure",
        "cause_restriction": "restriction of processing",
        "notice_to_send": "still to be sent",
        "notice_sent": "sent on {date}",
        "notice_impossible": "not possible",
        "notice_disproportionate": "would involve disproportionate effort",
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
