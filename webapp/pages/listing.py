"""What the pages that list offers share: the pool of ranked offers narrowed by the board's
filters and cut into pages, the seeker's saved offers, and the field a bad parameter names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app, request

from matcher.engine import Engine
from matcher.results import Match
from webapp.board import BoardFilters, Page, narrow, newest_offer_day, page_of
from webapp.db import db
from webapp.models import Role, User
from webapp.names import NameNotResolved
from webapp.params import BadParameter
from webapp.repositories import saved
from webapp.summaries import offer_results


def results_pool() -> int:
    """How many ranked offers a result list is made from (``RESULTS_POOL``)."""
    return int(current_app.config["RESULTS_POOL"])


def per_page() -> int:
    """How many results a page shows (``RESULTS_PER_PAGE``)."""
    return int(current_app.config["RESULTS_PER_PAGE"])


def offer_page(engine: Engine, matches: Sequence[Match], filters: BoardFilters) -> Page:
    """The page asked for of the ranked offers, once narrowed and sorted by ``filters``."""
    rows = narrow(offer_results(engine, matches), filters, newest_offer_day(engine))
    return page_of(rows, filters.page, per_page())


def saved_offer_ids(user: User | None) -> set[str]:
    """The offers a seeker saved (empty for anyone else)."""
    if user is None or user.role is not Role.SEEKER:
        return set()
    return set(saved.saved_ids(db(), user))


#: The fields of the pages' forms, as their labels say (a page names the field, not the
#: parameter; the API's messages name the parameter).
FIELD_LABELS = {
    "titles": "Métier ou mot-clé", "skills": "Compétences", "commune": "Commune",
    "radius": "Distance", "contract": "Type de contrat", "tri": "Tri",
    "temps": "Temps de travail", "experience": "Expérience", "depuis": "Date de publication",
    "page": "Page", "widen": "Élargir aux métiers proches", "distance": "Distance",
    "niveau": "Proximité avec l'offre", "metier": "Métier", "metier_code": "Métier",
    "lieu": "Commune, département ou région", "code": "Commune, département ou région",
    "territoire": "Territoire", "rayon": "Rayon", "departement": "Département",
    "region": "Région", "nouveau_metier": "Autre métier", "nouvelle": "Nouvelle compétence",
}


def error_context(error: BadParameter) -> dict[str, Any]:
    """What a page shows for a bad parameter: the message (naming the field by its label),
    the field to mark invalid and focus, and the "Vouliez-vous dire … ?" choices of a name
    that was not resolved."""
    field = getattr(error, "parameter", None)
    label = FIELD_LABELS.get(field or "")
    context: dict[str, Any] = {"error": f"{label} : {error.reason}" if label
                               else error.description, "error_field": field, "choices": [],
                               "choices_text": None, "ambiguous": False}
    if isinstance(error, NameNotResolved):
        context["choices"] = error.choices
        context["choices_text"] = error.text
        context["ambiguous"] = error.ambiguous
    return context


def current_path() -> str:
    """The path and query of this request (the "back to the results" target)."""
    return request.full_path.rstrip("?")
