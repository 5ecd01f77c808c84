"""Autocomplete for the fields where people type names: occupations, communes, skills,
départements and regions (public: reference data only). Each answer is a list of
``{"code", "label", "detail"}``, one entry per concept, best first."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify, request

from matcher.analytics.snapshot import snapshot
from matcher.analytics.territory import GeoContext
from matcher.engine import Engine
from webapp import names
from webapp.api.routes import bp
from webapp.auth import public
from webapp.engine_ext import get_engine
from webapp.names import Choice
from webapp.params import BadParameter, text_param, top_param

DEFAULT_SUGGESTIONS = 8
MAX_SUGGESTIONS = 20


def _answer(find: Callable[[Engine, str, int], list[Choice]]) -> Response:
    text = text_param(request.args, "q", max_length=200)
    if not text:
        raise BadParameter("q", "requis : le début du nom")
    top = min(top_param(request.args, default=DEFAULT_SUGGESTIONS), MAX_SUGGESTIONS)
    return jsonify([choice.to_dict() for choice in find(get_engine(), text, top)])


def occupation_popularity(engine: Engine) -> dict[str, int]:
    """Offers by ROME code in the index (suggestions of equal closeness: most offers first)."""
    return dict(snapshot(engine).occupations())


@bp.get("/suggestions/metiers")
@public
def occupations() -> Response:
    """ROME occupations for a name being typed (``q``), one per occupation; ``top`` ≤ 20."""
    return _answer(lambda engine, text, top: names.occupation_suggestions(
        engine.taxonomy, text, top, occupation_popularity(engine)))


@bp.get("/suggestions/communes")
@public
def communes() -> Response:
    """Communes for a name, postcode or INSEE code being typed (``q``); ``top`` ≤ 20."""
    return _answer(lambda engine, text, top: names.commune_suggestions(
        engine.gazetteer, text, top))


@bp.get("/suggestions/competences")
@public
def skills() -> Response:
    """Skills (ROME, ESCO) for a name being typed (``q``), one per wording; ``top`` ≤ 20."""
    return _answer(lambda engine, text, top: names.skill_suggestions(engine.taxonomy, text, top))


@bp.get("/suggestions/departements")
@public
def departments() -> Response:
    """Départements for a name or code being typed (``q``); ``top`` ≤ 20."""
    return _answer(lambda engine, text, top: names.area_suggestions(
        engine.gazetteer.departments(), text, top))


@bp.get("/suggestions/regions")
@public
def regions() -> Response:
    """Regions for a name or code being typed (``q``); ``top`` ≤ 20."""
    return _answer(lambda engine, text, top: names.area_suggestions(
        region_names(engine), text, top))


def region_names(engine: Engine) -> dict[str, str]:
    """Region code → name, from the analytics snapshot's geography."""
    geo: GeoContext = snapshot(engine).geo
    return geo.region_names()
