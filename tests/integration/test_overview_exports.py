"""The person's overview as files that open well: the CSV in a Dutch or Polish spreadsheet
(`;`, translated headers, UTF-8 with a byte-order mark, CRLF) and in English as the stable
machine form; the PDF with a letterhead, a running header from page 2 on, page numbers in the
language, and no heading left alone at the bottom of a page."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination

from ledger import overview
from ledger.app import Ledger
from ledger.domain.values import Recipient, Source
from ledger.overview import Overview, OverviewConfig
from ledger.overview.csv import CSV_COLUMNS, CSV_HEADERS
from ledger.overview.pdf import PDF_TEXTS, running_header
from ledger.overview.texts import local, long_date, long_datetime, text
from tests.builders import READER, a_disclosure, to_inlener
from tests.conftest import FixedClock


@pytest.fixture
def config() -> OverviewConfig:
    return overview.load_config(None)


def build(ledger: Ledger, config: OverviewConfig, lang: str = "nl") -> Overview:
    ledger.reading.overview_config = config
    return ledger.reading.overview(reader=READER, subject_id="E-00001", lang=lang)


def record_some(ledger: Ledger) -> None:
    ledger.recording.record(a_disclosure(1), actor="payroll")
    ledger.recording.record(to_inlener(1, purpose="Planning; week 44, café"), actor="planning")


def hirers(ledger: Ledger, count: int, per_hirer: int) -> None:
    """`count` hirers with `per_hirer` disclosures each: enough tables to break pages."""
    base = a_disclosure(1).occurred_at
    for number in range(count):
        recipient = Recipient("inlener", f"Inlener {number:02d} B.V.", f"{87650000 + number}", "NL")
        for turn in range(per_hirer):
            ledger.recording.record(
                to_inlener(
                    1,
                    recipient=recipient,
                    occurred_at=base - timedelta(days=turn + number),
                    source=Source("planning", f"plan-{number}-{turn}"),
                ),
                actor="planning",
            )


@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_the_dutch_and_polish_csv_use_semicolons_translated_headers_a_bom_and_crlf(
    ledger: Ledger, config: OverviewConfig, lang: str
) -> None:
    record_some(ledger)
    if lang not in overview.LANGUAGES:
        pytest.skip(f"{lang} is not an overview language on this branch yet")

    raw = overview.render_csv(build(ledger, config, lang)).encode("utf-8")

    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel reads accents
    text = raw.decode("utf-8-sig")
    first = text.split("\r\n", 1)[0]
    assert not first.lower().startswith("sep=")  # no Excel-only hint line
    assert first.startswith(CSV_HEADERS[lang]["occurred_at"] + ";")
    assert text.count("\r\n") == 3
    assert "\n" not in text.replace("\r\n", "")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    assert dialect.delimiter == ";"
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    assert rows[0] == [CSV_HEADERS[lang][column] for column in CSV_COLUMNS]
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    purposes = [row[CSV_COLUMNS.index("purpose")] for row in rows[1:]]
    assert "Planning; week 44, café" in purposes  # a `;` inside a cell is quoted, not split


def test_the_english_csv_stays_the_machine_form_with_commas_and_field_names(
    ledger: Ledger, config: OverviewConfig
) -> None:
    record_some(ledger)

    text = overview.render_csv(build(ledger, config, "en")).removeprefix("\ufeff")

    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    assert csv.Sniffer().sniff(text[:4096], delimiters=",;").delimiter == ","
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {row["recipient_name"] for row in rows} == {
        "Belastingdienst",
        "Bouwbedrijf De Vries B.V.",
    }


def test_every_language_has_a_csv_header_for_every_column_and_the_pdfs_own_words() -> None:
    for lang in {*overview.LANGUAGES, "pl"}:
        assert set(CSV_HEADERS[lang]) == set(CSV_COLUMNS), lang
        assert all(CSV_HEADERS[lang].values()), lang
        assert set(PDF_TEXTS[lang]) == set(PDF_TEXTS["nl"]), lang


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_dutch_csv_into_its_columns_with_the_accents(
    ledger: Ledger, config: OverviewConfig, tmp_path: Path
) -> None:
    record_some(ledger)
    source = tmp_path / "in" / "overzicht.csv"
    source.parent.mkdir()
    source.write_bytes(overview.render_csv(build(ledger, config, "nl")).encode("utf-8"))

    # Read as a Dutch spreadsheet reads it (59 is `;`, 34 is `"`, 76 is UTF-8), written back
    # with commas: every field must have landed in its own column.
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            "--infilter=CSV:59,34,76",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = (tmp_path / "out" / "overzicht.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(converted, newline="")))
    assert rows[0] == [CSV_HEADERS["nl"][column] for column in CSV_COLUMNS]
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    assert "Planning; week 44, café" in converted


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("lang", ["nl", "en", "pl"])
def test_the_pdf_has_a_letterhead_a_running_header_from_page_two_and_page_numbers(
    ledger: Ledger, config: OverviewConfig, lang: str
) -> None:
    hirers(ledger, 8, 12)
    view = build(ledger, config, lang)

    pages = pages_text(overview.render_pdf(view))

    assert len(pages) >= 3
    first = " ".join(pages[0].split())
    assert "Backoffice Plus B.V." in first  # the controller the configuration names first
    assert "Ptolemaeuslaan 52, 3528 BP Utrecht" in first
    assert "privacy@backofficeplus.nl" in first
    assert PDF_TEXTS[lang]["privacy"] in first
    header = running_header(view)
    assert "Jan Jansen 1" in header
    # The day page 1 says it was made on, in the Netherlands (not UTC's day).
    assert header.endswith(long_date(local(view.generated_at).date(), lang))
    assert long_datetime(view.generated_at, lang).startswith(header.rsplit(" — ", 1)[1])
    assert header not in pages[0]
    for number, page in enumerate(pages, start=1):
        if number > 1:
            assert page.lstrip().startswith(header), number
        assert text(lang, "page", page=number, pages=len(pages)) in page
    assert {"nl": "Pagina 2 van", "en": "Page 2 of", "pl": "Strona 2 z"}[lang] in pages[1]


def test_the_running_header_gives_the_dutch_day_even_late_in_the_evening_utc(
    ledger: Ledger, config: OverviewConfig, clock: FixedClock
) -> None:
    hirers(ledger, 8, 12)
    clock.now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December, 00:30 in Amsterdam

    pages = pages_text(overview.render_pdf(build(ledger, config)))

    assert "1 december 2026" in pages[0]
    assert (
        pages[1]
        .lstrip()
        .startswith("Jan Jansen 1 — uw referentie bij ons: E-00001 — 1 december 2026")
    )


def headings(reader: PdfReader) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def walk(entries: list[object]) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            elif isinstance(entry, Destination):
                found.append((str(entry.title), reader.get_destination_page_number(entry)))

    walk(list(reader.outline))
    return found


@pytest.mark.parametrize(
    ("count", "per_hirer", "lang"),
    [(6, 3, "nl"), (9, 5, "pl"), (12, 2, "en"), (14, 7, "nl"), (11, 4, "pl")],
)
def test_no_heading_of_the_pdf_is_left_alone_at_the_bottom_of_a_page(
    ledger: Ledger, config: OverviewConfig, count: int, per_hirer: int, lang: str
) -> None:
    hirers(ledger, count, per_hirer)
    view = build(ledger, config, lang)
    footer = text(lang, "page", page=1, pages=1).split("1")[0].strip()
    reader = PdfReader(io.BytesIO(overview.render_pdf(view)))
    texts = [page.extract_text() or "" for page in reader.pages]

    marks = headings(reader)
    assert len(marks) > count
    for title, page in marks:
        lines = [line.strip() for line in texts[page].splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith(footer)]
        at = next(i for i, line in enumerate(lines) if title.startswith(line) or line in title)
        # The heading, then at least two more lines of what it heads, on the same page.
        assert len(lines) - at >= 3, (title, page, lines[-4:])
