"""Realistic, clearly marked demo disclosures: a payroll month of a staffing company.

Used by `ledger demo`, `make run` and the benchmarks. Every demo disclosure comes from source
system `demo` and its purpose starts with "[DEMO]".
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ledger.domain.values import DisclosureFacts, Recipient, Source, Subject, Transfer

DEMO_CONTROLLERS = ("90000001", "90000002")
# The example register of processing activities, for the demo controllers; in the source tree
# only (an installed package has no examples/).
EXAMPLE_REGISTER = Path(__file__).resolve().parent.parent / "examples" / "register.example.toml"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

INLENERS = [
    ("Bouwbedrijf De Vries B.V.", "90001234"),
    ("Logistiek Centrum Venlo B.V.", "90002345"),
    ("Zorggroep Oost B.V.", "90003456"),
    ("Kassenbouw Westland B.V.", "90004567"),
    ("Distributiecentrum Tilburg B.V.", "90005678"),
    ("Horeca Groep Utrecht B.V.", "90006789"),
]

# (weight, recipient, categories, basis, condition, provision, purpose)
MIX: list[tuple[int, Recipient, tuple[str, ...], str, str | None, str | None, str]] = [
    (
        40,
        Recipient("belastingdienst", "Belastingdienst", "00000001003214345000", "NL"),
        ("naam", "bsn", "geboortedatum", "salaris", "sociale_premies"),
        "legal_obligation",
        None,
        "Wet op de loonbelasting 1964, art. 28",
        "Loonaangifte over de maand",
    ),
    (
        20,
        Recipient("pensioenfonds", "Stichting Pensioenfonds StiPP", "41216593", "NL"),
        ("naam", "bsn", "geboortedatum", "salaris"),
        "legal_obligation",
        None,
        "Wet verplichte deelneming in een bedrijfstakpensioenfonds 2000, art. 2",
        "Pensioenopbouw in de uitzendregeling",
    ),
    (
        15,
        Recipient("inlener", "", None, "NL"),
        ("naam", "functie", "beschikbaarheid", "vca"),
        "contract",
        None,
        None,
        "Planning van uw inzet bij de opdrachtgever",
    ),
    (
        10,
        Recipient("uwv", "UWV", "00000001003214345001", "NL"),
        ("naam", "bsn", "verzuim"),
        "legal_obligation",
        "employment_social_security",
        "Ziektewet, art. 38",
        "Ziekmelding aan UWV",
    ),
    (
        8,
        Recipient("arbodienst", "ArboNed B.V.", "30193658", "NL"),
        ("naam", "contactgegevens", "verzuim"),
        "legal_obligation",
        "occupational_medicine",
        "Arbeidsomstandighedenwet, art. 14",
        "Verzuimbegeleiding door de bedrijfsarts",
    ),
    (
        4,
        Recipient("opleidingsinstituut", "Veiligheidsinstituut Nederland", None, "NL"),
        ("naam", "geboortedatum", "contactgegevens"),
        "contract",
        None,
        None,
        "Inschrijving voor het VCA-examen",
    ),
    (
        2,
        Recipient("deurwaarder", "Gerechtsdeurwaarderskantoor Jansen", None, "NL"),
        ("naam", "salaris"),
        "legal_obligation",
        None,
        "Wetboek van Burgerlijke Rechtsvordering, art. 475a",
        "Beslag op loon: opgave van het loon",
    ),
    (
        1,
        Recipient("financiele_dienstverlener", "Payroll Services Ltd", None, "GB"),
        ("naam", "bankrekening", "salaris"),
        "contract",
        None,
        None,
        "Uitbetaling van het loon via de verwerker",
    ),
]


def demo_disclosures(
    count: int,
    *,
    subjects: int = 5_000,
    seed: int = 2026,
    month_start: datetime | None = None,
    prefix: str = "demo",
) -> Iterator[DisclosureFacts]:
    """`count` disclosures about `subjects` people, spread over one payroll month."""
    rng = random.Random(seed)
    start = month_start or datetime(2026, 10, 1, 8, 0, tzinfo=AMSTERDAM)
    weights = [entry[0] for entry in MIX]
    for number in range(count):
        person = rng.randrange(subjects)
        _, recipient, categories, basis, condition, provision, purpose = rng.choices(MIX, weights)[
            0
        ]
        if recipient.category == "inlener":
            name, kvk = INLENERS[person % len(INLENERS)]
            recipient = Recipient("inlener", name, kvk, "NL")
        transfer = Transfer("GB", "adequacy_decision") if recipient.country == "GB" else None
        occurred = start + timedelta(minutes=rng.randrange(60 * 24 * 28))
        yield DisclosureFacts(
            controller=DEMO_CONTROLLERS[person % len(DEMO_CONTROLLERS)],
            subject=Subject(
                id=f"DEMO-{person:06d}",
                kind="employee",
                name=f"Demo Persoon {person}",
                email=f"demo.{person}@example.org",
            ),
            recipient=recipient,
            data_categories=categories,
            legal_basis=basis,
            special_category_condition=condition,
            legal_provision=provision,
            purpose=f"[DEMO] {purpose}",
            occurred_at=occurred.astimezone(AMSTERDAM),
            transfer=transfer,
            source=Source(system=prefix, reference=f"{prefix}-{seed}-{number:08d}"),
        )
