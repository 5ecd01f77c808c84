"""Reading and validating request parameters; a bad value is a 400 that names the parameter."""

from __future__ import annotations

import math
from collections.abc import Mapping

from werkzeug.exceptions import BadRequest

MAX_TOP = 100
DEFAULT_TOP = 10
CONTRACT_TYPES: dict[str, str] = {
    "CDI": "CDI",
    "CDD": "CDD",
    "MIS": "Intérim (mission)",
    "SAI": "Saisonnier",
    "LIB": "Profession libérale",
    "FRA": "Franchise",
    "DDI": "CDD d'insertion",
    "DIN": "CDI intérimaire",
    "CCE": "Profession commerciale",
}
TAXONOMY_KINDS = ("occupation", "appellation", "item", "esco_occupation", "esco_skill")
DEFAULT_KINDS = ("occupation", "appellation", "item")
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_TRUE = frozenset({"1", "true", "oui", "on", "yes"})
_FALSE = frozenset({"0", "false", "non", "off", "no", ""})


class BadParameter(BadRequest):
    """A request parameter with a missing or invalid value (HTTP 400)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(description=f"paramètre « {name} » : {reason}")
        self.parameter = name
        self.reason = reason


def text_param(args: Mapping[str, str], name: str, max_length: int = 500) -> str:
    """A stripped text value ('' when absent), at most ``max_length`` characters."""
    value = args.get(name, "").strip()
    if len(value) > max_length:
        raise BadParameter(name, f"{max_length} caractères au plus")
    return value


def top_param(args: Mapping[str, str], name: str = "top", default: int = DEFAULT_TOP) -> int:
    """How many results to return: a positive integer, capped at ``MAX_TOP``."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"nombre entier attendu, reçu {raw[:20]!r}") from None
    if value < 1:
        raise BadParameter(name, "doit être au moins 1")
    return min(value, MAX_TOP)


def float_param(args: Mapping[str, str], name: str, minimum: float,
                maximum: float) -> float | None:
    """An optional number in ``(minimum, maximum]``; a comma is accepted as decimal mark."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise BadParameter(name, f"nombre attendu, reçu {raw[:20]!r}") from None
    if not math.isfinite(value) or not minimum < value <= maximum:
        raise BadParameter(name, f"doit être compris entre {minimum:g} et {maximum:g}")
    return value


def bool_param(args: Mapping[str, str], name: str) -> bool:
    """A flag: 1/0, true/false, oui/non, on/off (absent means false)."""
    raw = args.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadParameter(name, "valeur attendue : 0 ou 1")


def split_list(raw: str) -> tuple[str, ...]:
    """Comma-, semicolon- or newline-separated values, stripped, empty ones dropped."""
    for separator in (";", "\n"):
        raw = raw.replace(separator, ",")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def list_values(args: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Every value of a parameter given several times (``contract=CDI&contract=CDD``) or
    comma-separated (``contract=CDI,CDD``)."""
    getlist = getattr(args, "getlist", None)
    raws = getlist(name) if callable(getlist) else [args.get(name, "")]
    return tuple(part for raw in raws for part in split_list(str(raw)[:500]))


def contract_param(args: Mapping[str, str], name: str = "contract") -> tuple[str, ...]:
    """Contract type codes (CDI, CDD, MIS…), repeated or comma-separated; unknown codes are
    a 400."""
    codes = tuple(dict.fromkeys(code.upper() for code in list_values(args, name)))
    unknown = [code for code in codes if code not in CONTRACT_TYPES]
    if unknown:
        raise BadParameter(name, f"type de contrat inconnu {unknown[0][:10]!r}; "
                                 f"attendus : {', '.join(CONTRACT_TYPES)}")
    return codes


def kinds_param(args: Mapping[str, str], name: str = "kinds") -> tuple[str, ...]:
    """Taxonomy concept kinds to search, comma-separated (all kinds when absent)."""
    kinds = split_list(args.get(name, ""))
    unknown = [kind for kind in kinds if kind not in TAXONOMY_KINDS]
    if unknown:
        raise BadParameter(name, f"type inconnu {unknown[0][:20]!r}; "
                                 f"attendus : {', '.join(TAXONOMY_KINDS)}")
    return kinds or DEFAULT_KINDS


def choice_param(args: Mapping[str, str], name: str, choices: Mapping[str, str],
                 default: str = "") -> str:
    """One of ``choices`` (its keys); absent → ``default``; anything else is a 400 that lists
    the accepted values."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise BadParameter(name, f"valeur inconnue {raw[:20]!r} ; attendues : "
                                 f"{', '.join(key for key in choices if key)}")
    return raw


def page_param(args: Mapping[str, str], name: str = "page") -> int:
    """A page number, from 1 (10,000 at most)."""
    return _positive_int(args, name, 1, 10_000)


def page_params(args: Mapping[str, str]) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to ``MAX_PER_PAGE``, default 20)."""
    page = _positive_int(args, "page", 1, 10_000)
    per_page = _positive_int(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    return page, per_page


def _positive_int(args: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"nombre entier attendu, reçu {raw[:20]!r}") from None
    if not 1 <= value <= maximum:
        raise BadParameter(name, f"doit être compris entre 1 et {maximum}")
    return value
