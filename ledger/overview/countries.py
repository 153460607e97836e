"""Country names for the person: "Polen", "Poland", "Polska" instead of "PL".

A small table of the EU/EEA and the countries a Dutch employer most often deals with, in the
overview's languages; any other code reads as its English name when known, else as the code.
No library: Python has no country names, and `pycountry` would add an LGPL dependency with
gettext catalogues for a few dozen names.
"""

from __future__ import annotations

from collections.abc import Mapping

# code: (nl, en, pl)
_NAMES: Mapping[str, tuple[str, str, str]] = {
    "AT": ("Oostenrijk", "Austria", "Austria"),
    "BE": ("België", "Belgium", "Belgia"),
    "BG": ("Bulgarije", "Bulgaria", "Bułgaria"),
    "CY": ("Cyprus", "Cyprus", "Cypr"),
    "CZ": ("Tsjechië", "Czechia", "Czechy"),
    "DE": ("Duitsland", "Germany", "Niemcy"),
    "DK": ("Denemarken", "Denmark", "Dania"),
    "EE": ("Estland", "Estonia", "Estonia"),
    "ES": ("Spanje", "Spain", "Hiszpania"),
    "FI": ("Finland", "Finland", "Finlandia"),
    "FR": ("Frankrijk", "France", "Francja"),
    "GR": ("Griekenland", "Greece", "Grecja"),
    "HR": ("Kroatië", "Croatia", "Chorwacja"),
    "HU": ("Hongarije", "Hungary", "Węgry"),
    "IE": ("Ierland", "Ireland", "Irlandia"),
    "IT": ("Italië", "Italy", "Włochy"),
    "LT": ("Litouwen", "Lithuania", "Litwa"),
    "LU": ("Luxemburg", "Luxembourg", "Luksemburg"),
    "LV": ("Letland", "Latvia", "Łotwa"),
    "MT": ("Malta", "Malta", "Malta"),
    "NL": ("Nederland", "the Netherlands", "Holandia"),
    "PL": ("Polen", "Poland", "Polska"),
    "PT": ("Portugal", "Portugal", "Portugalia"),
    "RO": ("Roemenië", "Romania", "Rumunia"),
    "SE": ("Zweden", "Sweden", "Szwecja"),
    "SI": ("Slovenië", "Slovenia", "Słowenia"),
    "SK": ("Slowakije", "Slovakia", "Słowacja"),
    "IS": ("IJsland", "Iceland", "Islandia"),
    "LI": ("Liechtenstein", "Liechtenstein", "Liechtenstein"),
    "NO": ("Noorwegen", "Norway", "Norwegia"),
    "CH": ("Zwitserland", "Switzerland", "Szwajcaria"),
    "GB": ("het Verenigd Koninkrijk", "the United Kingdom", "Wielka Brytania"),
    "US": ("de Verenigde Staten", "the United States", "Stany Zjednoczone"),
    "CA": ("Canada", "Canada", "Kanada"),
    "AU": ("Australië", "Australia", "Australia"),
    "NZ": ("Nieuw-Zeeland", "New Zealand", "Nowa Zelandia"),
    "JP": ("Japan", "Japan", "Japonia"),
    "KR": ("Zuid-Korea", "South Korea", "Korea Południowa"),
    "IN": ("India", "India", "Indie"),
    "CN": ("China", "China", "Chiny"),
    "SG": ("Singapore", "Singapore", "Singapur"),
    "IL": ("Israël", "Israel", "Izrael"),
    "TR": ("Turkije", "Turkey", "Turcja"),
    "MA": ("Marokko", "Morocco", "Maroko"),
    "UA": ("Oekraïne", "Ukraine", "Ukraina"),
    "MD": ("Moldavië", "Moldova", "Mołdawia"),
    "RS": ("Servië", "Serbia", "Serbia"),
    "BR": ("Brazilië", "Brazil", "Brazylia"),
    "AR": ("Argentinië", "Argentina", "Argentyna"),
    "UY": ("Uruguay", "Uruguay", "Urugwaj"),
    "ZA": ("Zuid-Afrika", "South Africa", "Republika Południowej Afryki"),
    "PH": ("Filipijnen", "the Philippines", "Filipiny"),
}
_ORDER = ("nl", "en", "pl")


def country_name(code: str, lang: str) -> str:
    """The country's name in `lang`; in English for a language the table lacks; the code
    itself for a country the table lacks."""
    names = _NAMES.get(code.upper())
    if names is None:
        return code
    return names[_ORDER.index(lang)] if lang in _ORDER else names[1]


def known_codes() -> frozenset[str]:
    return frozenset(_NAMES)
