"""The overview as HTML: the part every page includes, and a file of its own with the
stylesheet inline. The web pages add their frame around `_overview.html`; the CLI writes the file
without the web package."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ledger.overview.config import ASSETS, OverviewConfig
from ledger.overview.model import Overview, special_text
from ledger.overview.texts import TEXTS, long_datetime

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = ASSETS / "ledger.css"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)


def complaint_html(config: OverviewConfig, lang: str, mailto: str | None = None) -> Markup:
    """The configured complaint text with its e-mail address and website as links; the e-mail
    link is `mailto` (prefilled with the person's reference) when given."""
    pieces = []
    for piece, link in config.complaint_parts(lang):
        if link and mailto and link.startswith("mailto:"):
            link = mailto
        if link:
            pieces.append(Markup('<a href="{}">{}</a>').format(link, piece))
        else:
            pieces.append(escape(piece))
    return Markup("").join(pieces)


def context(
    view: Overview,
    *,
    downloads: Mapping[str, str] | None = None,
    languages: Mapping[str, str] | None = None,
    officer: bool = False,
    history_prefix: str = "",
    history_suffix: str = "",
) -> dict[str, Any]:
    """What `_overview.html` needs, wherever it is included."""
    return {
        "view": view,
        "t": view.texts,
        "complaint": complaint_html(view.config, view.lang, view.mailto),
        "special_text": special_text,
        "long_datetime": long_datetime,
        "downloads": downloads or {},
        "languages": languages or {},
        "language_names": {code: TEXTS[code]["language_name"] for code in TEXTS},
        "officer": officer,
        "history_prefix": history_prefix,
        "history_suffix": history_suffix,
    }


def render_html(view: Overview) -> str:
    """The overview as a file to keep or send: one document, its stylesheet inline."""
    # Our own stylesheet, shipped in the package: trusted, and it must not be escaped.
    css = Markup(STYLESHEET.read_text(encoding="utf-8"))  # noqa: S704
    template = _environment.get_template("overview_document.html")
    return template.render(inline_css=css, **context(view))
