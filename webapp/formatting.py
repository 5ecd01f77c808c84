"""How numbers, distances, durations, dates and match levels read on the pages: in French
words ("0,5", "à 5 km", "1 an et demi", "publiée il y a 3 jours"), never as raw floats.

Every function here is a Jinja filter or global (registered by :func:`register`).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from matcher.results import Match

DISPLAY_TIMEZONE = "Europe/Paris"
NBSP = "\u00a0"
NNBSP = "\u202f"  # thousands separator (narrow no-break space), as in "12 416"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
MATCH_LEVELS = ("très proche", "proche", "piste à explorer")
_EXPERIENCE_LABEL = re.compile(r"(\d+(?:[.,]\d+)?)\s*(an\(s\)|ans|an|mois)(?![a-z])", re.IGNORECASE)
_SALARY = re.compile(r"^(mensuel|annuel|horaire)\s+de\s*(?:([\d\s]+(?:,\d+)?)\s*euros?)?"
                     r"(?:\s*à\s*([\d\s]+(?:,\d+)?)\s*euros?)?", re.IGNORECASE)


def number(value: float | int | None, digits: int = 1) -> str:
    """A number in French: 0.5 → '0,5', 2.0 → '2', 12416 → '12 416'; None → '—'.
    At most ``digits`` decimals, trailing zeros dropped."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    rounded = round(float(value), digits)
    if rounded == int(rounded):
        whole = f"{int(rounded):,d}".replace(",", NNBSP)
        return whole
    text = f"{rounded:,.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(",", NNBSP).replace(".", ",")


def km(distance: float | None) -> str:
    """A distance: '0,4 km', '5 km', '28 km' (one decimal below 10 km only);
    None → 'distance inconnue'."""
    if distance is None:
        return "distance inconnue"
    digits = 1 if distance < 10 else 0
    return f"{number(distance, digits)}{NBSP}km"


def away(distance: float | None) -> str:
    """Where something is from the reader: 'à 5 km', "à moins d'un kilomètre",
    'distance inconnue'."""
    if distance is None:
        return "distance inconnue"
    if distance < 1:
        return "à moins d'un kilomètre"
    return f"à {km(distance)}"


def years(value: float | None) -> str:
    """Years of experience in words: 0 → 'aucune', 0.5 → '6 mois', 1 → '1 an',
    1.5 → '1 an et demi', 2 → '2 ans', 3.2 → '3 ans'; None → 'non précisée'."""
    if value is None:
        return "non précisée"
    if value <= 0:
        return "aucune"
    if value < 1:
        months = max(1, round(value * 12))
        return f"{months} mois"
    whole = int(value)
    fraction = value - whole
    if fraction >= 0.75:
        whole, fraction = whole + 1, 0.0
    unit = "an" if whole == 1 else "ans"
    return f"{whole} {unit} et demi" if fraction >= 0.25 else f"{whole} {unit}"


def experience_label(label: str | None) -> str | None:
    """An offer's experience wording made readable: '2 An(s)' → '2 ans', 'Expérience exigée
    de 1 An(s)' → 'Expérience exigée de 1 an', '6 Mois' → '6 mois', '18 Mois' → '1 an et demi';
    'Débutant accepté' unchanged; None stays None."""
    if not label:
        return None
    return _EXPERIENCE_LABEL.sub(_duration_words, label.strip())


def _duration_words(match: re.Match[str]) -> str:
    amount = float(match.group(1).replace(",", "."))
    if match.group(2).lower() == "mois":
        return years(amount / 12) if amount >= 12 else f"{number(amount, 0)} mois"
    return years(amount)


def required_years(label: str | None) -> float | None:
    """The years of experience an offer's wording asks for ('Expérience exigée de 2 An(s)'
    → 2, '6 Mois' → 0.5), or None when it names no duration."""
    match = _EXPERIENCE_LABEL.search(label or "")
    if match is None:
        return None
    amount = float(match.group(1).replace(",", "."))
    return amount / 12 if match.group(2).lower() == "mois" else amount


def salary(text: str | None) -> str | None:
    """France Travail's salary wording in plain French: 'Mensuel de 2500,00 Euros à 5000,00
    Euros' → 'de 2 500 à 5 000 € par mois'; a wording without amount → None; other wordings
    unchanged."""
    if not text or not text.strip():
        return None
    match = _SALARY.match(text.strip())
    if match is None:
        return text.strip()
    period, low, high = match.group(1).lower(), match.group(2), match.group(3)
    if not low:
        return None
    per = {"mensuel": "par mois", "annuel": "par an", "horaire": "de l'heure"}[period]
    low_text = number(_amount(low), 2)
    if high:
        return f"de {low_text} à {number(_amount(high), 2)}{NBSP}€ {per}"
    return f"{low_text}{NBSP}€ {per}"


def _amount(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


def _paris(moment: datetime) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(DISPLAY_TIMEZONE))
    except ZoneInfoNotFoundError:
        return moment


def date_time(moment: Any) -> str:
    """A time in Paris time, as '28/11/2026 à 17:20'."""
    if moment is None:
        return ""
    return f"{_paris(moment):%d/%m/%Y à %H:%M}"


def day(moment: datetime | date | None) -> str:
    """A day in words: '12 mai 2025'."""
    if moment is None:
        return "date inconnue"
    if isinstance(moment, datetime):
        moment = _paris(moment).date()
    first = "1er" if moment.day == 1 else str(moment.day)
    return f"{first} {MONTHS[moment.month - 1]} {moment.year}"


def count(value: int, singular: str, plural: str | None = None) -> str:
    """'1 offre', '12 offres', '0 offre' (French: 0 and 1 take the singular)."""
    word = singular if abs(value) < 2 else (plural or singular + "s")
    return f"{number(value, 0)} {word}"


def percent(value: float | None) -> str:
    """A share as a French percentage: 0.824 → '82 %'; None → 'non calculable'."""
    if value is None:
        return "non calculable"
    return f"{round(min(max(value, 0.0), 1.0) * 100):d}{NBSP}%"


def match_level(match: Match) -> str | None:
    """The calibrated match level of a result ('très proche', 'proche', 'piste à explorer'),
    as the matcher gives it (:attr:`matcher.results.Match.level`); never derived from the raw
    score here."""
    return match.level if match.level in MATCH_LEVELS else None


def level_class(level: str | None) -> str:
    """A CSS class name for a match level."""
    return {"très proche": "level-high", "proche": "level-mid",
            "piste à explorer": "level-low"}.get(level or "", "")


_ELIDED = re.compile(r"^[aeiouyhâàéèêëîïôöûüœAEIOUYHÂÀÉÈÊËÎÏÔÖÛÜŒ]")


def of(name: str) -> str:
    """'de' before a name, elided before a vowel or an h: 'd'Aubenas', 'de Privas'."""
    return f"d'{name}" if _ELIDED.match(name) else f"de {name}"


_ROME_IN_BRACKETS = re.compile(r"\s*\([A-N]\d{4}\)")


def without_codes(text: str) -> str:
    """The text without the ROME codes in brackets the matcher adds after occupation names
    (for the API and the command line): 'même métier : Vendeur (D1214)' → 'même métier :
    Vendeur'. Pages name occupations, never by code."""
    return _ROME_IN_BRACKETS.sub("", text)


def upper_first(text: str) -> str:
    """The text with its first letter in capitals, the rest unchanged (unlike
    ``capitalize``, which lowers every other letter)."""
    return text[:1].upper() + text[1:]


def register(app: Flask) -> None:
    """Make every formatter a Jinja filter (and ``match_level`` a global too)."""
    filters = {"number": number, "km": km, "away": away, "years": years,
               "experience": experience_label, "salary": salary, "date": date_time, "day": day,
               "percent": percent, "match_level": match_level, "level_class": level_class,
               "upper_first": upper_first, "of": of, "without_codes": without_codes}
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals.update(match_level=match_level, count=count)
