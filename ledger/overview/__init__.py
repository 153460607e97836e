"""The person's overview: built as plain data (`model`), said in their language (`texts`), and
rendered as HTML, PDF, JSON or CSV, one module each."""

from ledger.overview.config import OverviewConfig, load_config
from ledger.overview.csv import render_csv
from ledger.overview.html import render_html
from ledger.overview.json import render_json, to_json
from ledger.overview.model import ActivityText, Overview, PersonRecord, build, special_text
from ledger.overview.pdf import render_pdf
from ledger.overview.texts import LANGUAGES, language, long_datetime

__all__ = [
    "LANGUAGES",
    "ActivityText",
    "Overview",
    "OverviewConfig",
    "PersonRecord",
    "build",
    "language",
    "load_config",
    "long_datetime",
    "render_csv",
    "render_html",
    "render_json",
    "render_pdf",
    "special_text",
    "to_json",
]
