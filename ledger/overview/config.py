"""What the overview says about the company: controllers, privacy contact, supervisory authority.

A deployment configures these in a JSON file (LEDGER_OVERVIEW_FILE); the default ships here.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.overview.texts import add_language, spoken
from ledger.settings import SettingsError

# The site serves these files too (under /static/); the overview's renderers read them here.
ASSETS = Path(__file__).resolve().parent.parent / "web" / "static"
DEFAULT_CONFIG = ASSETS / "overview.json"


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
    # The languages this deployment added to the overview's own (nl, en, pl).
    added_languages: tuple[str, ...] = ()

    def controller(self, kvk: str) -> ControllerInfo:
        """The configured controller; an unconfigured one is shown by its KvK number alone."""
        return self.controllers.get(kvk) or ControllerInfo(kvk=kvk, name="", address=None)

    @staticmethod
    def said(texts: Mapping[str, str], lang: str) -> str:
        """A configured text in `lang`, else in English."""
        return texts.get(lang) or texts["en"]

    def complaint_parts(self, lang: str) -> list[tuple[str, str | None]]:
        """The complaint text as (text, link) pieces: e-mail and website become links."""
        values = {
            "contact": (self.said(self.contact_name, lang), None),
            "email": (self.contact_email, f"mailto:{self.contact_email}"),
            "postal_address": (self.contact_address, None),
            "authority": (self.said(self.authority_name, lang), None),
            "authority_url": (self.authority_url, self.authority_url),
        }
        parts: list[tuple[str, str | None]] = []
        template = self.said(self.complaint, lang)
        for literal, name, _spec, _conversion in string.Formatter().parse(template):
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


# The languages every configured text must have; another language the overview speaks (Polish,
# or one the deployment adds) falls back to the English text when the file does not give it.
REQUIRED_LANGUAGES = ("nl", "en")


def _languages(value: Any, where: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object with 'nl' and 'en'")
    for lang in spoken():
        given = value.get(lang)
        if lang not in REQUIRED_LANGUAGES and given is None:
            continue
        if not isinstance(given, str) or not given.strip():
            raise ValueError(f"{where}.{lang} must be a non-empty text")
    return {lang: (value.get(lang) or value["en"]).strip() for lang in spoken()}


def _text_field(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a non-empty text")
    return value.strip()


def parse_config(document: Any) -> OverviewConfig:
    if not isinstance(document, Mapping):
        raise ValueError("the file must hold one JSON object")
    # First the deployment's own languages: the texts below may then be given in them too.
    languages = document.get("languages", {})
    if not isinstance(languages, Mapping):
        raise ValueError("languages must be an object: per language code its name, months, texts")
    for code, pack in languages.items():
        if not isinstance(pack, Mapping):
            raise ValueError(f"languages.{code} must be an object with months and texts")
        add_language(str(code), pack.get("texts"), pack.get("months"))
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
        added_languages=tuple(str(code) for code in languages),
    )
