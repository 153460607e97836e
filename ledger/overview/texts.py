"""Every sentence and label the person reads, per language, and how dates and counts are said."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from ledger.domain.suppression import AMSTERDAM

# The languages the overview ships with; a deployment adds more in its LEDGER_OVERVIEW_FILE
# (`add_language`, called by `ledger.overview.config`), then `spoken()` lists them too.
LANGUAGES = ("nl", "en", "pl")
Lang = str
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

MONTHS: dict[str, tuple[str, ...]] = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
    # Polish dates use the genitive: "3 marca 2026", "od marca 2025 do lutego 2026".
    "pl": (
        "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
        "września", "października", "listopada", "grudnia",
    ),
}  # fmt: skip

# Every sentence the person reads, per language; the HTML page, the PDF, the JSON and the CSV
# share them. Dutch at B1 level with "u"; Polish with the neutral "Ty" form ("Twoje dane"),
# used throughout. `tests/unit/test_languages.py` fails when a key lacks a language.
TEXTS: dict[str, Mapping[str, str]] = {
    "nl": {
        "title": "Aan wie hebben wij uw gegevens gegeven?",
        "from": "Van",
        "for": "Voor",
        "reference": "uw referentie bij ons",
        "made_on": "Opgesteld op",
        "context_request": (
            "U vroeg ons op {date} aan wie wij uw gegevens hebben gegeven. Dit is ons antwoord."
        ),
        "context_request_reference": "Het kenmerk van uw vraag is {reference}.",
        "context_general": (
            "U mag altijd weten aan wie wij uw gegevens geven. Daarom krijgt u dit overzicht."
        ),
        "context_period": (
            "Het overzicht gaat over de tijd van {since} tot vandaag. Sinds die dag schrijven"
            " wij elke keer op als wij uw gegevens aan een ander geven."
        ),
        "context_period_all": (
            "Het overzicht gaat over alles wat in ons register staat. Daarin schrijven wij"
            " elke keer op als wij uw gegevens aan een ander geven."
        ),
        "intro": (
            "Hieronder ziet u aan wie wij uw gegevens gaven, welke gegevens, wanneer en waarom."
            " Dit overzicht komt rechtstreeks uit ons register."
        ),
        "empty": "Wij hebben uw gegevens aan niemand gegeven.",
        "empty_meaning": (
            "Dat betekent: in ons register staat niet één keer dat wij uw gegevens aan een"
            " ander bedrijf of een instantie gaven. Denkt u dat dit niet klopt? Laat het ons"
            " weten."
        ),
        "downloads": "Dit overzicht downloaden",
        "download_pdf": "PDF, om te bewaren of af te drukken",
        "download_json": "JSON, voor een computerprogramma",
        "download_csv": "CSV, voor een spreadsheet",
        "language": "Taal",
        "summary": "Het antwoord in het kort",
        "summary_intro": "Wij gaven uw gegevens {times} aan {recipients}.",
        "summary_intro_one": "Wij gaven uw gegevens 1 keer aan 1 ontvanger.",
        "recipients_one": "1 ontvanger",
        "recipients_many": "{n} ontvangers",
        "how_once": "één keer, op {date}",
        "how_monthly": "elke maand, van {first} tot en met {last}",
        "how_same_day": "{n} keer op {date}",
        "how_many": "{n} keer tussen {first} en {last}",
        "line_what": "{how}: {data}",
        "line_why": "Waarvoor: {purpose}",
        "and": "en",
        "basis_sentence_legal_obligation": "Dit moet van de wet.",
        "basis_sentence_contract": "Dit is nodig voor uw werk via ons.",
        "basis_sentence_consent": "U gaf hiervoor toestemming.",
        "basis_sentence_vital_interests": (
            "Dit was nodig om uw leven of gezondheid, of die van een ander, te beschermen."
        ),
        "basis_sentence_public_task": "Dit was nodig voor een taak van de overheid.",
        "basis_sentence_legitimate_interests": (
            "Wij hebben hier een goede reden voor. Wij hebben die afgewogen tegen uw belang."
        ),
        "details": "Alles per ontvanger",
        "recipients": "Alles per ontvanger",
        "recipient": "Ontvanger",
        "category": "Soort ontvanger",
        "period": "Periode",
        "times": "Hoe vaak",
        "data": "Welke gegevens",
        "purposes": "Waarvoor",
        "bases": "Waarom dit mag",
        "special": "Gevoelige gegevens",
        "special_text": "{data}; dit mag omdat: {conditions}",
        "criminal": "Gegevens over strafbare feiten",
        "criminal_text": "{data} (art. 10 AVG)",
        "transfer": "Naar een land buiten Europa",
        "transfer_text": "naar {country}, beschermd door: {safeguard}",
        "recipient_id": "Nummer van de ontvanger",
        "id_kvk": "KvK-nummer {id}",
        "id_oin": "OIN (nummer van een overheidsorganisatie) {id}",
        "id_other": "Kenmerk {id}",
        "country": "Land",
        "consent": "Uw toestemming staat in",
        "corrected_note": (
            "{n} keer hebben wij later iets verbeterd. U ziet de verbeterde gegevens."
        ),
        "corrected_note_many": (
            "{n} keer hebben wij later iets verbeterd. U ziet de verbeterde gegevens."
        ),
        "retracted_note": (
            "{n} keer was per vergissing geregistreerd en heeft niet plaatsgevonden. Dat telt"
            " niet mee."
        ),
        "retracted_note_many": (
            "{n} keer was per vergissing geregistreerd en heeft niet plaatsgevonden. Dat telt"
            " niet mee."
        ),
        "all_retracted": (
            "Alles bij deze ontvanger was per vergissing geregistreerd: wij hebben deze"
            " ontvanger uw gegevens niet gegeven."
        ),
        "all_items": "Alle keren dat {name} uw gegevens kreeg ({n})",
        "date": "Datum",
        "status": "Status",
        "state_recorded": "gegeven",
        "state_corrected": "verbeterd op {date}",
        "state_retracted": (
            "Deze verstrekking is per vergissing geregistreerd en heeft niet plaatsgevonden."
        ),
        "state_retracted_reason": "Toelichting: {reason}",
        "withheld_note": "Tot {date} niet in uw overzicht getoond, op last van {authority}.",
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
        "extensions": "Uw vraag: wij hebben meer tijd genomen",
        "extension_text": (
            "Wij nemen meer tijd om uw vraag van {received} te beantwoorden: u krijgt antwoord"
            " uiterlijk op {due} (art. 12, derde lid, AVG). De reden: {reason}"
        ),
        "notified": "Wie hebben wij verteld dat uw gegevens zijn gewijzigd?",
        "notified_intro": (
            "U vroeg ons welke ontvangers wij hebben laten weten dat wij uw gegevens hebben"
            " verbeterd, gewist of minder gebruikt (artikel 19 AVG)."
        ),
        "notified_cause": "Wijziging",
        "notified_recipient": "Ontvanger",
        "notified_data": "Gegevens",
        "notified_state": "Bericht",
        "restriction": "Wij gebruiken uw gegevens nu minder",
        "restriction_text": (
            "Van {since} tot en met {until} gebruiken wij uw gegevens zo weinig mogelijk"
            " (artikel 18 AVG). Wij geven ze dan alleen aan een ander als u toestemming geeft,"
            " voor een rechtszaak, om de rechten van een ander te beschermen of om een"
            " belangrijke reden van algemeen belang (artikel 18, tweede lid, AVG)."
        ),
        "restriction_reason": "De reden: {reason}",
        "ground_text": (
            "Terwijl wij uw gegevens minder gebruikten, mocht dit omdat: {ground}"
            " (art. 18, tweede lid, AVG)"
        ),
        "cause_rectification": "verbeterd",
        "cause_erasure": "gewist",
        "cause_restriction": "minder gebruikt (beperking)",
        "notice_to_send": "wordt nog verstuurd",
        "notice_sent": "verstuurd op {date}",
        "notice_impossible": "niet mogelijk",
        "notice_disproportionate": "zou te veel moeite kosten",
        "accesses": "Wie heeft uw gegevens in dit register bekeken?",
        "accesses_intro": (
            "Elke keer dat iemand uw gegevens in dit register bekijkt, schrijven wij op wanneer"
            " en waarom."
        ),
        "accesses_empty": "Niemand heeft uw gegevens in dit register bekeken.",
        "when": "Wanneer",
        "by": "Door",
        "why": "Reden",
        "by_officer": "medewerker privacyzaken",
        "by_subject": "uzelf, via uw persoonlijke link",
        "own_view": "uw eigen overzicht bekeken of gedownload",
        "by_system": "systeem",
        "no_reason": "geen reden opgegeven",
        "controllers": "Wie is verantwoordelijk voor uw gegevens?",
        "controllers_intro": "Verantwoordelijk voor wat in dit overzicht staat:",
        "kvk": "KvK-nummer",
        "rights": "Klopt er iets niet?",
        "rights_intro": (
            "Dit zijn uw rechten. Stuur ons een e-mail; wij antwoorden binnen een maand."
        ),
        "right_access": "Inzien: u mag vragen welke gegevens wij van u hebben.",
        "right_rectification": "Verbeteren: klopt een gegeven niet? Dan verbeteren wij het.",
        "right_objection": (
            "Bezwaar maken: u mag bezwaar maken als wij uw gegevens voor ons eigen belang"
            " gebruiken."
        ),
        "right_erasure": (
            "Wissen: u mag vragen uw gegevens te wissen als wij ze niet meer nodig hebben."
        ),
        "right_complaint": (
            "Klagen: bent u het niet met ons eens? Dan kunt u klagen bij de {authority}."
        ),
        "mail_us": "Mail ons",
        "mail_subject": "Vraag over mijn gegevens, kenmerk {reference}",
        "mail_subject_plain": "Vraag over mijn gegevens",
        "mail_body": "Mijn kenmerk: {reference}\n\nMijn vraag:\n",
        "mail_body_plain": "Mijn vraag:\n",
        "questions": "Vragen of een klacht?",
        "footer": (
            "Dit overzicht beantwoordt de vraag aan wie uw persoonsgegevens zijn gegeven"
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
        "skip": "Naar de inhoud",
        "language_name": "Nederlands",
        "filename": "overzicht-verstrekkingen",
    },
    "en": {
        "title": "Who have we given your data to?",
        "from": "From",
        "for": "For",
        "reference": "your reference with us",
        "made_on": "Prepared on",
        "context_request": (
            "On {date} you asked us who we have given your data to. This is our answer."
        ),
        "context_request_reference": "The reference of your request is {reference}.",
        "context_general": (
            "You may always know who we give your data to. That is why you get this overview."
        ),
        "context_period": (
            "The overview covers the time from {since} until today. Since that day we write"
            " down every time we give your data to someone else."
        ),
        "context_period_all": (
            "The overview covers everything in our register. In it we write down every time we"
            " give your data to someone else."
        ),
        "intro": (
            "Below you see who we gave your data to, which data, when and why. This overview"
            " comes straight from our register."
        ),
        "empty": "We have not given your data to anyone.",
        "empty_meaning": (
            "This means: our register does not show a single time that we gave your data to"
            " another company or authority. Do you think this is wrong? Please tell us."
        ),
        "downloads": "Download this overview",
        "download_pdf": "PDF, to keep or print",
        "download_json": "JSON, for a computer program",
        "download_csv": "CSV, for a spreadsheet",
        "language": "Language",
        "summary": "The answer in short",
        "summary_intro": "We gave your data {times} to {recipients}.",
        "summary_intro_one": "We gave your data once to 1 recipient.",
        "recipients_one": "1 recipient",
        "recipients_many": "{n} recipients",
        "how_once": "once, on {date}",
        "how_monthly": "every month, from {first} to {last}",
        "how_same_day": "{n} times on {date}",
        "how_many": "{n} times between {first} and {last}",
        "line_what": "{how}: {data}",
        "line_why": "What for: {purpose}",
        "and": "and",
        "basis_sentence_legal_obligation": "The law requires this.",
        "basis_sentence_contract": "This is needed for your work through us.",
        "basis_sentence_consent": "You gave your consent for this.",
        "basis_sentence_vital_interests": (
            "This was needed to protect your life or health, or someone else's."
        ),
        "basis_sentence_public_task": "This was needed for a task of the government.",
        "basis_sentence_legitimate_interests": (
            "We have a good reason for this. We weighed it against your interests."
        ),
        "details": "Everything per recipient",
        "recipients": "Everything per recipient",
        "recipient": "Recipient",
        "category": "Kind of recipient",
        "period": "Period",
        "times": "How often",
        "data": "Which data",
        "purposes": "What for",
        "bases": "Why this is allowed",
        "special": "Sensitive data",
        "special_text": "{data}; this is allowed because: {conditions}",
        "criminal": "Data about criminal offences",
        "criminal_text": "{data} (GDPR Art. 10)",
        "transfer": "To a country outside Europe",
        "transfer_text": "to {country}, protected by: {safeguard}",
        "recipient_id": "Number of the recipient",
        "id_kvk": "Chamber of Commerce (KvK) number {id}",
        "id_oin": "OIN (number of a Dutch government body) {id}",
        "id_other": "Reference {id}",
        "country": "Country",
        "consent": "Your consent is recorded in",
        "corrected_note": "{n} time we corrected something later. You see the corrected data.",
        "corrected_note_many": (
            "{n} times we corrected something later. You see the corrected data."
        ),
        "retracted_note": (
            "{n} time was registered by mistake and did not happen. It does not count."
        ),
        "retracted_note_many": (
            "{n} times were registered by mistake and did not happen. They do not count."
        ),
        "all_retracted": (
            "Everything for this recipient was registered by mistake: we did not give this"
            " recipient your data."
        ),
        "all_items": "Every time {name} received your data ({n})",
        "date": "Date",
        "status": "Status",
        "state_recorded": "given",
        "state_corrected": "corrected on {date}",
        "state_retracted": "This disclosure was registered by mistake and did not happen.",
        "state_retracted_reason": "Explanation: {reason}",
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
        "extensions": "Your request: we took more time",
        "extension_text": (
            "We take more time to answer your request of {received}: you get our answer by"
            " {due} at the latest (GDPR Article 12(3)). The reason: {reason}"
        ),
        "notified": "Whom did we tell that your data changed?",
        "notified_intro": (
            "You asked us which recipients we told that we corrected or erased your data or"
            " use it less (Art. 19 GDPR)."
        ),
        "notified_cause": "Change",
        "notified_recipient": "Recipient",
        "notified_data": "Data",
        "notified_state": "Message",
        "restriction": "We now use your data less",
        "restriction_text": (
            "From {since} until {until} inclusive we use your data as little as possible (GDPR"
            " Art. 18). We then give it to someone else only with your consent, for a court"
            " case, to protect the rights of another person or for an important reason of"
            " public interest (GDPR Art. 18(2))."
        ),
        "restriction_reason": "The reason: {reason}",
        "ground_text": (
            "While we used your data less, this was allowed because: {ground} (GDPR Art. 18(2))"
        ),
        "cause_rectification": "corrected",
        "cause_erasure": "erased",
        "cause_restriction": "used less (restriction)",
        "notice_to_send": "still to be sent",
        "notice_sent": "sent on {date}",
        "notice_impossible": "not possible",
        "notice_disproportionate": "would take too much effort",
        "accesses": "Who looked at your data in this register?",
        "accesses_intro": (
            "Every time someone looks at your data in this register, we write down when and why."
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
        "controllers_intro": "Responsible for what this overview shows:",
        "kvk": "Chamber of Commerce (KvK) number",
        "rights": "Is something wrong?",
        "rights_intro": "These are your rights. Send us an e-mail; we answer within a month.",
        "right_access": "Access: you may ask which data we hold about you.",
        "right_rectification": "Correction: is some of your data wrong? Then we correct it.",
        "right_objection": (
            "Objection: you may object when we use your data for our own interest."
        ),
        "right_erasure": "Erasure: you may ask us to erase your data when we no longer need it.",
        "right_complaint": (
            "Complaint: do you disagree with us? Then you can complain to the {authority}."
        ),
        "mail_us": "E-mail us",
        "mail_subject": "Question about my data, reference {reference}",
        "mail_subject_plain": "Question about my data",
        "mail_body": "My reference: {reference}\n\nMy question:\n",
        "mail_body_plain": "My question:\n",
        "questions": "Questions or a complaint?",
        "footer": (
            "This overview answers the question to whom your personal data was given"
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
        "skip": "Skip to content",
        "language_name": "English",
        "filename": "disclosure-overview",
    },
    "pl": {
        "title": "Komu przekazaliśmy Twoje dane?",
        "from": "Od",
        "for": "Dla",
        "reference": "Twój numer u nas",
        "made_on": "Sporządzono",
        "context_request": (
            "W dniu {date} otrzymaliśmy Twoje pytanie, komu przekazaliśmy Twoje dane. Oto nasza"
            " odpowiedź."
        ),
        "context_request_reference": "Numer Twojej sprawy: {reference}.",
        "context_general": (
            "Zawsze masz prawo wiedzieć, komu przekazujemy Twoje dane. Dlatego otrzymujesz to"
            " zestawienie."
        ),
        "context_period": (
            "Zestawienie obejmuje okres od {since} do dziś. Od tego dnia zapisujemy każde"
            " przekazanie Twoich danych innej firmie lub instytucji."
        ),
        "context_period_all": (
            "Zestawienie obejmuje wszystko, co jest w naszym rejestrze. Zapisujemy w nim każde"
            " przekazanie Twoich danych innej firmie lub instytucji."
        ),
        "intro": (
            "Poniżej widzisz, komu przekazaliśmy Twoje dane, jakie dane, kiedy i dlaczego. To"
            " zestawienie pochodzi bezpośrednio z naszego rejestru."
        ),
        "empty": "Nie przekazaliśmy Twoich danych nikomu.",
        "empty_meaning": (
            "To znaczy: w naszym rejestrze nie ma ani jednego przekazania Twoich danych innej"
            " firmie lub instytucji. Uważasz, że to się nie zgadza? Napisz do nas."
        ),
        "downloads": "Pobierz to zestawienie",
        "download_pdf": "PDF, do zachowania lub wydruku",
        "download_json": "JSON, dla programu komputerowego",
        "download_csv": "CSV, do arkusza kalkulacyjnego",
        "language": "Język",
        "summary": "Odpowiedź w skrócie",
        "summary_intro": "Przekazaliśmy Twoje dane {recipients}, łącznie {times}.",
        "summary_intro_one": "Przekazaliśmy Twoje dane 1 odbiorcy, 1 raz.",
        "recipients_one": "1 odbiorcy",
        "recipients_many": "{n} odbiorcom",
        "how_once": "jeden raz, w dniu {date}",
        "how_monthly": "co miesiąc, od {first} do {last}",
        "how_same_day": "{n} razy w dniu {date}",
        "how_many": "{n} razy, od {first} do {last}",
        "line_what": "{how}: {data}",
        "line_why": "Cel: {purpose}",
        "and": "i",
        "basis_sentence_legal_obligation": "Wymaga tego prawo.",
        "basis_sentence_contract": "Jest to potrzebne do Twojej pracy za naszym pośrednictwem.",
        "basis_sentence_consent": "Zrobiliśmy to za Twoją zgodą.",
        "basis_sentence_vital_interests": (
            "Było to konieczne, aby chronić Twoje życie lub zdrowie albo życie lub zdrowie"
            " innej osoby."
        ),
        "basis_sentence_public_task": "Było to potrzebne do wykonania zadania urzędu.",
        "basis_sentence_legitimate_interests": (
            "Mamy do tego ważny powód. Porównaliśmy go z Twoimi interesami."
        ),
        "details": "Wszystko według odbiorców",
        "recipients": "Wszystko według odbiorców",
        "recipient": "Odbiorca",
        "category": "Rodzaj odbiorcy",
        "period": "Okres",
        "times": "Ile razy",
        "data": "Jakie dane",
        "purposes": "W jakim celu",
        "bases": "Dlaczego to dozwolone",
        "special": "Dane wrażliwe",
        "special_text": "{data}; jest to dozwolone, ponieważ: {conditions}",
        "criminal": "Dane o przestępstwach",
        "criminal_text": "{data} (art. 10 RODO)",
        "transfer": "Do kraju poza Europą",
        "transfer_text": "do kraju: {country}, zabezpieczenie: {safeguard}",
        "recipient_id": "Numer odbiorcy",
        "id_kvk": "Numer w holenderskim rejestrze handlowym (KvK) {id}",
        "id_oin": "OIN (numer holenderskiej instytucji publicznej) {id}",
        "id_other": "Numer {id}",
        "country": "Kraj",
        "consent": "Twoja zgoda jest zapisana w",
        "corrected_note": "{n} raz później coś poprawiliśmy. Widzisz poprawione dane.",
        "corrected_note_many": "{n} razy później coś poprawiliśmy. Widzisz poprawione dane.",
        "retracted_note": (
            "{n} przekazanie zostało zarejestrowane przez pomyłkę i nie miało miejsca. Nie"
            " liczy się."
        ),
        "retracted_note_many": (
            "Przekazania ({n}) zostały zarejestrowane przez pomyłkę i nie miały miejsca. Nie"
            " liczą się."
        ),
        "all_retracted": (
            "Wszystko u tego odbiorcy zostało zarejestrowane przez pomyłkę: nie przekazaliśmy"
            " mu Twoich danych."
        ),
        "all_items": "Każde przekazanie Twoich danych do: {name} ({n})",
        "date": "Data",
        "status": "Stan",
        "state_recorded": "przekazano",
        "state_corrected": "poprawiono {date}",
        "state_retracted": (
            "To przekazanie zostało zarejestrowane przez pomyłkę i nie miało miejsca."
        ),
        "state_retracted_reason": "Wyjaśnienie: {reason}",
        "withheld_note": "Nie pokazujemy tego do {date}, na polecenie: {authority}.",
        "hidden_note": "Ukryte przed osobą do {date} (na polecenie: {authority}).",
        "withheld_summary": (
            "Ponadto przekazania, których osoba jeszcze nie widzi ({n}); nie liczą się powyżej i"
            " są oznaczone poniżej."
        ),
        "withheld_summary_one": (
            "Ponadto 1 przekazanie, którego osoba jeszcze nie widzi; nie liczy się powyżej i"
            " jest oznaczone poniżej."
        ),
        "withheld_group": "Osoba nie widzi jeszcze {n} z tych przekazań.",
        "withheld_group_one": "Osoba nie widzi jeszcze 1 z tych przekazań.",
        "withheld_mark": "+{n} ukryte",
        "extensions": "Twoje pytanie: potrzebujemy więcej czasu",
        "extension_text": (
            "Potrzebujemy więcej czasu na odpowiedź na Twoje pytanie z {received}: odpowiedź"
            " otrzymasz najpóźniej {due} (art. 12 ust. 3 RODO). Powód: {reason}"
        ),
        "notified": "Komu powiedzieliśmy, że Twoje dane się zmieniły?",
        "notified_intro": (
            "Na Twoją prośbę podajemy, których odbiorców poinformowaliśmy, że poprawiliśmy lub"
            " usunęliśmy Twoje dane albo ograniczyliśmy ich wykorzystanie (art. 19 RODO)."
        ),
        "notified_cause": "Zmiana",
        "notified_recipient": "Odbiorca",
        "notified_data": "Dane",
        "notified_state": "Wiadomość",
        "restriction": "Teraz ograniczamy wykorzystanie Twoich danych",
        "restriction_text": (
            "Od {since} do {until} włącznie wykorzystujemy Twoje dane jak najmniej (art. 18"
            " RODO). Przekazujemy je wtedy innym tylko za Twoją zgodą, w sprawie sądowej, aby"
            " chronić prawa innej osoby lub z ważnego powodu interesu publicznego (art. 18"
            " ust. 2 RODO)."
        ),
        "restriction_reason": "Powód: {reason}",
        "ground_text": (
            "W czasie ograniczenia było to dozwolone, ponieważ: {ground} (art. 18 ust. 2 RODO)"
        ),
        "cause_rectification": "poprawione",
        "cause_erasure": "usunięte",
        "cause_restriction": "ograniczone wykorzystanie",
        "notice_to_send": "zostanie wysłana",
        "notice_sent": "wysłano {date}",
        "notice_impossible": "niemożliwe",
        "notice_disproportionate": "wymagałoby zbyt wiele wysiłku",
        "accesses": "Kto oglądał Twoje dane w tym rejestrze?",
        "accesses_intro": (
            "Za każdym razem, gdy ktoś ogląda Twoje dane w tym rejestrze, zapisujemy kiedy i"
            " dlaczego."
        ),
        "accesses_empty": "Nikt nie oglądał Twoich danych w tym rejestrze.",
        "when": "Kiedy",
        "by": "Kto",
        "why": "Powód",
        "by_officer": "pracownik ds. ochrony danych",
        "by_subject": "Ty, przez swój osobisty link",
        "own_view": "oglądanie lub pobranie własnego zestawienia",
        "by_system": "system",
        "no_reason": "nie podano powodu",
        "controllers": "Kto odpowiada za Twoje dane?",
        "controllers_intro": "Za to, co pokazuje to zestawienie, odpowiada:",
        "kvk": "Numer w holenderskim rejestrze handlowym (KvK)",
        "rights": "Coś się nie zgadza?",
        "rights_intro": "Oto Twoje prawa. Napisz do nas e-mail; odpowiemy w ciągu miesiąca.",
        "right_access": "Dostęp: możesz zapytać, jakie Twoje dane mamy.",
        "right_rectification": "Poprawienie: jakieś dane są błędne? Wtedy je poprawimy.",
        "right_objection": (
            "Sprzeciw: możesz się sprzeciwić, gdy wykorzystujemy Twoje dane we własnym interesie."
        ),
        "right_erasure": (
            "Usunięcie: możesz poprosić o usunięcie Twoich danych, gdy nie są nam już potrzebne."
        ),
        "right_complaint": (
            "Skarga: nie zgadzasz się z nami? Możesz złożyć skargę do urzędu: {authority}."
        ),
        "mail_us": "Napisz do nas",
        "mail_subject": "Pytanie o moje dane, numer {reference}",
        "mail_subject_plain": "Pytanie o moje dane",
        "mail_body": "Mój numer: {reference}\n\nMoje pytanie:\n",
        "mail_body_plain": "Moje pytanie:\n",
        "questions": "Pytania lub skarga?",
        "footer": (
            "To zestawienie odpowiada na pytanie, komu przekazano Twoje dane osobowe (art. 15"
            " ust. 1 lit. c RODO)."
        ),
        "page": "Strona {page} z {pages}",
        "on": "{date}",
        "from_to": "od {first} do {last}",
        "once": "1 raz",
        "n_times": "{n} razy",
        "basis_citation": "art. 6 ust. 1 lit. {letter} RODO",
        "condition_citation": "art. 9 ust. 2 lit. {letter} RODO",
        "demo": "DEMO",
        "skip": "Przejdź do treści",
        "language_name": "Polski",
        "filename": "zestawienie-przekazan",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    template = TEXTS[lang][key]
    return template.format(**values) if values else template


def language(value: str | None) -> Lang:
    """The language asked for when the overview speaks it; anything else falls back to Dutch."""
    return value if value is not None and value in TEXTS else "nl"


def spoken() -> tuple[str, ...]:
    """Every language the overview speaks: its own and those the deployment added."""
    return tuple(TEXTS)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def add_language(code: str, texts: object, months: object) -> None:
    """Teach the overview a deployment's language: every text key of the English texts with
    the same placeholders, and twelve month names. ValueError names every key at fault."""
    if not LANGUAGE_CODE.fullmatch(code) or code in LANGUAGES:
        raise ValueError(
            f"languages.{code}: a language to add needs a new code of 2 or 3 lower-case letters"
            f" (ISO 639), not one of {', '.join(LANGUAGES)}"
        )
    problems = []
    if not isinstance(texts, Mapping):
        raise ValueError(f"languages.{code}.texts must be an object of texts by key")
    english = TEXTS["en"]
    if missing := sorted(set(english) - set(texts)):
        problems.append(f"languages.{code}.texts lacks {', '.join(missing)}")
    if unknown := sorted(set(texts) - set(english)):
        problems.append(f"languages.{code}.texts has unknown keys {', '.join(unknown)}")
    for key, value in texts.items():
        if key not in english:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"languages.{code}.texts.{key} must be a non-empty text")
        elif placeholders(value) != placeholders(english[key]):
            wanted = ", ".join(sorted(placeholders(english[key]))) or "none"
            problems.append(f"languages.{code}.texts.{key} must use the placeholders {wanted}")
    if not (
        isinstance(months, list)
        and len(months) == 12
        and all(isinstance(m, str) and m.strip() for m in months)
    ):
        problems.append(f"languages.{code}.months must be the twelve month names")
    if problems:
        raise ValueError("; ".join(problems))
    assert isinstance(months, list)
    TEXTS[code] = {key: str(value) for key, value in texts.items()}
    MONTHS[code] = tuple(str(month) for month in months)


def joined(words: Sequence[str], lang: str) -> str:
    """Words joined as a sentence says them: "a, b en c", "a, b and c", "a, b i c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {text(lang, 'and')} {words[-1]}"


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Salarisgegevens" -> "salarisgegevens", but
    "BSN", "VCA-certificaat"'s "VCA" or "UWV (...)" keep their capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def capitalised(sentence: str) -> str:
    """The sentence with a capital first letter; Dutch "één" becomes "Eén"."""
    if sentence.startswith("één"):
        return "Eén" + sentence[3:]
    return sentence[:1].upper() + sentence[1:]


def month_year(value: date, lang: str) -> str:
    return f"{MONTHS[lang][value.month - 1]} {value.year}"


def how_often(moments: Sequence[datetime], lang: str) -> str:
    """How often, in words: once on a day, every month over a span of months, n times on one
    day, or n times between two days. `moments` are the disclosures that happened."""
    days = sorted(local(moment).date() for moment in moments)
    if not days:
        return text(lang, "n_times", n=0)
    first, last = days[0], days[-1]
    if len(days) == 1:
        return text(lang, "how_once", date=long_date(first, lang))
    if first == last:
        return text(lang, "how_same_day", n=len(days), date=long_date(first, lang))
    months = {(day.year, day.month) for day in days}
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if len(days) >= 3 and len(months) == span == len(days):
        return text(lang, "how_monthly", first=month_year(first, lang), last=month_year(last, lang))
    return text(
        lang, "how_many", n=len(days), first=long_date(first, lang), last=long_date(last, lang)
    )


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
