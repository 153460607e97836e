"""The Art. 30 report as plain data and files: every activity of the register with its current
version, and how many disclosures actually went out under it, per recipient category and month
(retracted ones not counted), plus those recorded without an activity. Dutch or English; HTML
is the officer's page, this module makes the CSV and the PDF.

Built from values (`build_report`): the application reads the register and the counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ledger.domain.activity import ActivityVersion
from ledger.domain.vocabulary import Vocabulary
from ledger.overview.config import ASSETS
from ledger.overview.csv import _cell
from ledger.overview.texts import Lang, language, local

TEXTS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "title": "Register van verwerkingsactiviteiten (art. 30 AVG)",
        "intro": "Elke verwerkingsactiviteit met haar huidige versie, en hoeveel verstrekkingen er"
        " werkelijk onder zijn vastgelegd, per soort ontvanger en maand (ingetrokken"
        " verstrekkingen tellen niet mee).",
        "period": "Periode",
        "all_months": "alle maanden",
        "generated": "Gemaakt op",
        "version": "versie",
        "valid": "geldig",
        "from": "vanaf",
        "until": "tot en met",
        "purpose": "Doel",
        "legal_basis": "Grondslag",
        "condition": "Uitzondering art. 9",
        "data_categories": "Persoonsgegevens",
        "recipient_categories": "Soorten ontvangers",
        "controllers": "Verwerkingsverantwoordelijken (KvK)",
        "retention": "Bewaartermijn",
        "by_category": "naar categorie",
        "transfers": "Doorgifte buiten de EER",
        "security": "Beveiliging",
        "uri": "URI",
        "month": "Maand",
        "recipient_category": "Soort ontvanger",
        "counted_version": "Versie",
        "count": "Aantal",
        "total": "Totaal",
        "none": "geen",
        "no_disclosures": "Geen verstrekkingen in deze periode.",
        "without": "Verstrekkingen zonder verwerkingsactiviteit",
        "without_intro": "Vastgelegd zonder een activiteit van het register te noemen.",
        "page": "Pagina {page} van {pages}",
    },
    "en": {
        "title": "Record of processing activities (GDPR Art. 30)",
        "intro": "Every processing activity with its current version, and how many disclosures"
        " were actually recorded under it, per recipient category and month (retracted"
        " disclosures are not counted).",
        "period": "Period",
        "all_months": "all months",
        "generated": "Made on",
        "version": "version",
        "valid": "valid",
        "from": "from",
        "until": "until",
        "purpose": "Purpose",
        "legal_basis": "Legal basis",
        "condition": "Art. 9 condition",
        "data_categories": "Personal data",
        "recipient_categories": "Recipient categories",
        "controllers": "Controllers (KvK)",
        "retention": "Retention",
        "by_category": "by category",
        "transfers": "Transfers outside the EEA",
        "security": "Security",
        "uri": "URI",
        "month": "Month",
        "recipient_category": "Recipient category",
        "counted_version": "Version",
        "count": "Count",
        "total": "Total",
        "none": "none",
        "no_disclosures": "No disclosures in this period.",
        "without": "Disclosures without a processing activity",
        "without_intro": "Recorded without naming an activity of the register.",
        "page": "Page {page} of {pages}",
    },
}

CSV_COLUMNS = (
    "activity",
    "activity_name",
    "current_version",
    "activity_uri",
    "month",
    "recipient_category",
    "recipient_category_label",
    "activity_version",
    "count",
)


@dataclass(frozen=True, slots=True)
class CountRow:
    """Disclosures of one month to one recipient category under one version (0: none)."""

    month: str
    recipient_category: str
    recipient_label: str
    version: int
    count: int


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One activity as the report shows it: its current version in words, and its counts."""

    code: str
    uri: str
    version: int
    name: str
    purpose: str
    legal_basis: str
    legal_provision: str | None
    condition: str | None
    data_categories: tuple[str, ...]
    recipient_categories: tuple[str, ...]
    controllers: tuple[str, ...]
    retention: str | None
    transfers: tuple[str, ...]
    security: str
    valid_from: date
    valid_until: date | None
    rows: tuple[CountRow, ...]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


@dataclass(frozen=True, slots=True)
class RegisterReport:
    lang: Lang
    generated_at: datetime
    since_month: str | None
    until_month: str | None
    activities: tuple[ActivityEntry, ...]
    without: tuple[CountRow, ...]
    texts: Mapping[str, str]

    @property
    def without_total(self) -> int:
        return sum(row.count for row in self.without)

    @property
    def period(self) -> str:
        t = self.texts
        if self.since_month is None and self.until_month is None:
            return t["all_months"]
        return " ".join(
            part
            for part in (
                f"{t['from']} {self.since_month}" if self.since_month else "",
                f"{t['until']} {self.until_month}" if self.until_month else "",
            )
            if part
        )

    def filename(self, extension: str) -> str:
        stem = "register-art30" if self.lang == "nl" else "record-art30"
        return f"{stem}-{local(self.generated_at):%Y-%m-%d}.{extension}"


def build_report(
    versions: Sequence[ActivityVersion],
    counts: Iterable[tuple[str, int, str, str, int]],
    *,
    uri: Callable[[str], str],
    vocabulary: Vocabulary,
    lang: str,
    now: datetime,
    since_month: str | None = None,
    until_month: str | None = None,
) -> RegisterReport:
    """The report of the register's current versions and the counts (activity, version,
    recipient category, month, count; activity '' for none)."""
    # The register report speaks Dutch and English (the officer's and the public register);
    # a request in another language gets English.
    chosen: Lang = language(lang) if language(lang) in ("nl", "en") else "en"

    def label(kind: str, code: str) -> str:
        term = vocabulary.section(kind).get(code)
        return code if term is None else term.label(chosen)

    by_activity: dict[str, list[CountRow]] = {}
    for activity, version, category, month, count in counts:
        by_activity.setdefault(activity, []).append(
            CountRow(month, category, label("recipient_categories", category), version, count)
        )
    entries = []
    for found in versions:
        entries.append(
            ActivityEntry(
                code=found.code,
                uri=uri(found.code),
                version=found.version,
                name=found.name.get(chosen) or found.name.get("nl", found.code),
                purpose=found.purpose.get(chosen) or found.purpose.get("nl", ""),
                legal_basis=label("legal_bases", found.legal_basis),
                legal_provision=found.legal_provision,
                condition=(
                    label("special_conditions", found.special_category_condition)
                    if found.special_category_condition
                    else None
                ),
                data_categories=tuple(
                    label("data_categories", code) for code in found.data_categories
                ),
                recipient_categories=tuple(
                    label("recipient_categories", code) for code in found.recipient_categories
                ),
                controllers=found.controllers,
                retention=found.retention,
                transfers=tuple(
                    f"{country} ({label('safeguards', safeguard)})"
                    for country, safeguard in found.transfers
                ),
                security=(
                    found.security_measures.get(chosen) or found.security_measures.get("nl") or ""
                ),
                valid_from=found.valid_from,
                valid_until=found.valid_until,
                rows=tuple(by_activity.get(found.code, ())),
            )
        )
    return RegisterReport(
        lang=chosen,
        generated_at=now,
        since_month=since_month,
        until_month=until_month,
        activities=tuple(entries),
        without=tuple(by_activity.get("", ())),
        texts=TEXTS[chosen],
    )


def render_csv(report: RegisterReport) -> str:
    """One row per activity, month, recipient category and version counted; an activity
    without disclosures in the period is one row with count 0; disclosures without an activity
    have an empty activity. UTF-8 with a byte-order mark, formulas defused."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in report.activities:
        head = (entry.code, entry.name, str(entry.version), entry.uri)
        if not entry.rows:
            writer.writerow([_cell(value) for value in (*head, "", "", "", "", "0")])
        for row in entry.rows:
            writer.writerow([_cell(value) for value in (*head, *_row_cells(row))])
    for row in report.without:
        writer.writerow([_cell(value) for value in ("", "", "", "", *_row_cells(row))])
    return out.getvalue()


def _row_cells(row: CountRow) -> tuple[str, ...]:
    return (
        row.month,
        row.recipient_category,
        row.recipient_label,
        str(row.version) if row.version else "",
        str(row.count),
    )


def render_pdf(report: RegisterReport) -> bytes:
    """The report as a PDF of real text (fpdf2, the overview's fonts)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    t = report.texts

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(0, 5, t["page"].format(page=self.page_no(), pages="{nb}"), align="R")

    pdf = Document(format="A4", unit="mm")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(ASSETS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(ASSETS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(report.lang)
    pdf.set_title(t["title"])
    pdf.set_creator("Disclosure Ledger")
    pdf.set_creation_date(report.generated_at)
    pdf.alias_nb_pages()
    pdf.add_page()

    def write(value: str, *, size: float = 10, bold: bool = False) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def counts(rows: Sequence[CountRow]) -> None:
        if not rows:
            write(t["no_disclosures"], size=9)
            return
        pdf.set_font("DejaVu", "", 9)
        with pdf.table(
            col_widths=(20, 90, 20, 20),
            text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
            width=150,
            align="LEFT",
        ) as table:
            table.row((t["month"], t["recipient_category"], t["counted_version"], t["count"]))
            for row in rows:
                table.row(
                    (
                        row.month,
                        row.recipient_label,
                        str(row.version) if row.version else "",
                        str(row.count),
                    )
                )
            table.row(("", t["total"], "", str(sum(row.count for row in rows))))

    write(t["title"], size=15, bold=True)
    write(t["intro"], size=9)
    write(
        f"{t['period']}: {report.period}. {t['generated']}: "
        f"{local(report.generated_at):%Y-%m-%d %H:%M}",
        size=9,
    )
    for entry in report.activities:
        pdf.ln(4)
        pdf.start_section(entry.name[:120])
        write(f"{entry.name} ({entry.code}, {t['version']} {entry.version})", size=12, bold=True)
        lines = [
            (t["purpose"], entry.purpose),
            (
                t["legal_basis"],
                entry.legal_basis
                + (f" — {entry.legal_provision}" if entry.legal_provision else ""),
            ),
            (t["condition"], entry.condition or t["none"]),
            (t["data_categories"], ", ".join(entry.data_categories)),
            (t["recipient_categories"], ", ".join(entry.recipient_categories)),
            (t["controllers"], ", ".join(entry.controllers)),
            (t["retention"], entry.retention or t["by_category"]),
            (t["transfers"], ", ".join(entry.transfers) or t["none"]),
            (t["security"], entry.security or t["none"]),
            (
                t["valid"],
                f"{t['from']} {entry.valid_from.isoformat()}"
                + (f" {t['until']} {entry.valid_until.isoformat()}" if entry.valid_until else ""),
            ),
            (t["uri"], entry.uri),
        ]
        for name, value in lines:
            write(f"{name}: {value}", size=9)
        pdf.ln(1)
        counts(entry.rows)
    pdf.ln(4)
    write(t["without"], size=12, bold=True)
    write(t["without_intro"], size=9)
    counts(report.without)
    return bytes(pdf.output())
