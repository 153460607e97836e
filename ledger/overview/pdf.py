"""The overview as PDF: the same content as the page, as real (selectable) text (fpdf2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ledger.overview.config import ASSETS, ControllerInfo
from ledger.overview.model import Group, Overview, special_text
from ledger.overview.texts import local, long_date, long_datetime, text

FONT = ASSETS / "DejaVuSans.ttf"
FONT_BOLD = ASSETS / "DejaVuSans-Bold.ttf"
PDF_MARGIN = 15.0
PDF_WIDTH = 210.0 - 2 * PDF_MARGIN
INK = (33, 37, 41)
MUTED = (90, 98, 106)
ACCENT = (0, 84, 122)
RULE = (200, 205, 210)
# The space a heading needs below it for its first lines (a table's headings and first rows):
# a heading with less room left on the page starts the next page instead of ending this one.
KEEP_WITH_NEXT = 32.0
# The few words only the PDF says (its letterhead), per language.
PDF_TEXTS: Mapping[str, Mapping[str, str]] = {
    "nl": {"privacy": "Vragen over uw gegevens"},
    "en": {"privacy": "Questions about your data"},
    "pl": {"privacy": "Pytania o Twoje dane"},
}


def senders(overview: Overview) -> tuple[ControllerInfo, ...]:
    """Who sends the overview: the controllers of the person's disclosures that the
    configuration names, else the configuration's first controller that is not a demo one."""
    named = tuple(info for info in overview.controllers if info.name)
    if named:
        return named
    configured = [info for info in overview.config.controllers.values() if not info.demo]
    return tuple(configured[:1])


def running_header(overview: Overview) -> str:
    """The line at the top of every page from the second: whose overview, their reference,
    the day it was made."""
    parts = [overview.subject_name or ""]
    if overview.subject_ref:
        parts.append(f"{overview.texts['reference']}: {overview.subject_ref}")
    parts.append(long_date(local(overview.generated_at).date(), overview.lang))  # as on page 1
    return " — ".join(part for part in parts if part)


def render_pdf(overview: Overview) -> bytes:
    """The same content as the HTML page, as real (selectable, searchable) text.

    fpdf2 is imported here, not at module level: the web pages and the CLI's other formats
    should not pay for loading it.
    """
    from fpdf import FPDF, FontFace
    from fpdf.enums import XPos, YPos

    lang = overview.lang
    t = overview.texts

    header_line = running_header(overview)

    class Document(FPDF):
        def header(self) -> None:
            if self.page_no() < 2:
                return
            self.set_font("DejaVu", size=8)
            self.set_text_color(*MUTED)
            self.set_xy(PDF_MARGIN, 7)
            self.cell(PDF_WIDTH, 5, header_line, align="L")
            self.set_draw_color(*RULE)
            self.set_line_width(0.15)
            self.line(PDF_MARGIN, 12.5, PDF_MARGIN + PDF_WIDTH, 12.5)
            self.set_text_color(*INK)
            self.set_xy(PDF_MARGIN, PDF_MARGIN)

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

    def heading(
        value: str, size: float, *, level: int, space: float = 3, keep: float = KEEP_WITH_NEXT
    ) -> None:
        """A heading, on the next page when fewer than `keep` mm would follow it on this one."""
        pdf.set_font("DejaVu", "B", size)
        lines = len(_wrap(value, PDF_WIDTH, pdf.get_string_width))
        if pdf.get_y() + space + lines * size * 0.5 + 1 + keep > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(space)
        pdf.start_section(value[:120], level=level)
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

    letterhead(pdf, overview, XPos, YPos)
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
    for line in overview.context:
        paragraph(line)

    if overview.restrictions:
        heading(t["restriction"], 13, level=0)
        for restriction in overview.restrictions:
            paragraph(restriction.text)

    heading(t["summary"], 13, level=0)
    if not overview.summary_groups:
        paragraph(t["empty"])
        paragraph(t["empty_meaning"])
    else:
        paragraph(overview.summary)
        pdf.set_font("DejaVu", "", 9.5)
        with pdf.table(
            col_widths=(45, 70, 65),
            headings_style=FontFace(emphasis="BOLD"),
            borders_layout="HORIZONTAL_LINES",
            line_height=5,
            padding=1.2,
            text_align=("LEFT", "LEFT", "LEFT"),
            v_align="TOP",
        ) as table:
            head = table.row()
            for label in (t["recipient"], t["data"], t["bases"]):
                head.cell(label)
            for group in overview.summary_groups:
                row = table.row()
                row.cell(group.name)
                row.cell(f"{group.line_what}\n{group.line_why}".strip())
                row.cell("\n".join(f"{words} ({cited})" for words, cited in group.basis_lines))
        pdf.ln(2)

    heading(t["rights"], 13, level=0)
    paragraph(t["rights_intro"])
    for right in overview.rights:
        paragraph(f"• {right}")
    paragraph(f"{t['mail_us']}: {overview.config.contact_email}")

    if overview.groups:
        heading(t["recipients"], 13, level=0, keep=2 * KEEP_WITH_NEXT)
        paragraph(t["intro"])
        for group in overview.groups:
            title = group.name
            if group.category.label != group.name:
                title += f" — {group.category.label}"
            heading(title, 11, level=1, space=2)
            for note in group.notes:
                paragraph(note, size=9, muted=True)
            facts(_group_facts(group, t, lang))
            if pdf.get_y() + 4.5 + KEEP_WITH_NEXT / 2 > pdf.page_break_trigger:
                pdf.add_page()  # the line that names the table stays with its first rows
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
                        item.purpose
                        + (f" ({item.note})" if item.note else "")
                        + (f" ({item.ground_text})" if item.ground_text else ""),
                        item.state_text,
                    )
                    for item in group.items
                ],
                size=8.5,
            )
            pdf.ln(3)

    if overview.extensions:
        heading(t["extensions"], 13, level=0)
        for extension in overview.extensions:
            paragraph(extension.text)
    if overview.notified:
        heading(t["notified"], 13, level=0)
        paragraph(t["notified_intro"])
        rows_table(
            (28, 28, 50, 40, 34),
            (
                t["when"],
                t["notified_cause"],
                t["notified_recipient"],
                t["notified_data"],
                t["notified_state"],
            ),
            [
                (
                    entry.when,
                    entry.cause_label,
                    f"{entry.recipient} ({entry.category.label})",
                    entry.data_text,
                    entry.state_text,
                )
                for entry in overview.notified
            ],
            size=8.5,
        )
        pdf.ln(2)

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


def letterhead(pdf: Any, overview: Overview, x: Any, y: Any) -> None:
    """Page 1's letterhead: who sends this (name and address) and where to ask, then a rule."""
    lang = overview.lang
    config = overview.config
    if overview.sender:
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_text_color(*INK)
        line = f"{overview.texts['from']} {overview.sender}"
        pdf.multi_cell(0, 5.5, line, align="L", new_x=x.LMARGIN, new_y=y.NEXT)
    addresses = dict.fromkeys(info.address for info in senders(overview) if info.address)
    for address in addresses:
        pdf.set_font("DejaVu", "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.5, address, align="L", new_x=x.LMARGIN, new_y=y.NEXT)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*MUTED)
    words = PDF_TEXTS.get(lang, PDF_TEXTS["en"])["privacy"]
    contact = config.contact_name.get(lang) or next(iter(config.contact_name.values()))
    pdf.multi_cell(
        0,
        4.5,
        f"{words}: {contact}, {config.contact_email}, {config.contact_address}",
        align="L",
        new_x=x.LMARGIN,
        new_y=y.NEXT,
    )
    pdf.ln(2)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(PDF_MARGIN, pdf.get_y(), PDF_MARGIN + PDF_WIDTH, pdf.get_y())
    pdf.set_text_color(*INK)
    pdf.ln(5)


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
    if group.recipient_id_text:
        rows.append((t["recipient_id"], group.recipient_id_text))
    if group.country_name:
        rows.append((t["country"], group.country_name))
    rows += [
        (t["data"], group.data_text),
        (t["purposes"], "\n".join(group.purposes)),
        (t["bases"], "\n".join(f"{words} ({cited})" for words, cited in group.basis_lines)),
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
