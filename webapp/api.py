"""The JSON API, version 1, under ``/api/v1``.

Result lists are ``Match.to_dict()`` (``id``, ``score``, ``explanation``) plus the summary
fields of the offer or the (pseudonymous) candidate. Errors are ``{"error": "..."}`` with 400
(the message names the parameter) or 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indexer.models import Offer, Profile, SkillTag
from matcher.engine import Engine
from webapp.engine_ext import get_engine
from webapp.params import BadParameter, bool_param, kinds_param, text_param, top_param
from webapp.queries import is_empty, seeker_query
from webapp.summaries import candidate_results, offer_results, to_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class SkillInput(BaseModel):
    """A skill to add: a taxonomy code (optional) and a label."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    label: str = Field(min_length=1, max_length=200)


class PreviewRequest(BaseModel):
    """The body of ``POST /profiles/<id>/preview``."""

    model_config = ConfigDict(extra="forbid")

    add_skills: list[SkillInput] = Field(default_factory=list, max_length=100)
    remove_skills: list[str] = Field(default_factory=list, max_length=100)


def _profile(engine: Engine, profile_id: str) -> Profile:
    profile = engine.profiles.get(profile_id)
    if profile is None:
        abort(404, f"profil inconnu : {profile_id}")
    return profile


def _offer(engine: Engine, offer_id: str) -> Offer:
    offer = engine.offers.get(offer_id)
    if offer is None:
        abort(404, f"offre inconnue : {offer_id}")
    return offer


@bp.get("/profiles/<profile_id>/offers")
def offers_for_profile(profile_id: str) -> Response:
    """Offers for a seeker; ``top`` (≤ 100) and ``widen`` (0|1, taxonomy widening)."""
    engine = get_engine()
    top, widen = top_param(request.args), bool_param(request.args, "widen")
    profile = _profile(engine, profile_id)
    matches = engine.offers_for_profile(profile, top_k=top, widen=widen)
    return jsonify(to_json(offer_results(engine, matches)))


@bp.get("/offers/<offer_id>/candidates")
def candidates_for_offer(offer_id: str) -> Response:
    """Candidates for an offer, pseudonymous: never a name, contact or protected attribute."""
    engine = get_engine()
    top = top_param(request.args)
    offer = _offer(engine, offer_id)
    return jsonify(to_json(candidate_results(engine, engine.candidates_for_offer(offer, top))))


@bp.get("/search")
def search() -> Response:
    """Offers for free text: ``text``, ``commune`` (code or name), ``radius`` (km),
    ``contract`` (CDI,CDD,…), ``top``; ``titles`` and ``skills`` (comma-separated) too."""
    engine = get_engine()
    top = top_param(request.args)
    query = seeker_query(engine, request.args)
    if is_empty(query):
        raise BadParameter("text", "requis (ou titles, skills, commune)")
    return jsonify(to_json(offer_results(engine, engine.search_offers(query, top_k=top))))


@bp.post("/profiles/<profile_id>/preview")
def preview(profile_id: str) -> Response:
    """Offers before and after adding/removing skill tags; ``entered`` and ``left`` ids."""
    engine = get_engine()
    top = top_param(request.args, default=int(current_app.config["PREVIEW_TOP"]))
    body = _preview_request()
    profile = _profile(engine, profile_id)
    add = [SkillTag(code=skill.code, label=skill.label, source="conseiller")
           for skill in body.add_skills]
    result = engine.preview_tags(profile, add=add, remove=body.remove_skills, top_k=top)
    payload: dict[str, Any] = {
        "before": to_json(offer_results(engine, result.before)),
        "after": to_json(offer_results(engine, result.after)),
        "entered": list(result.entered),
        "left": list(result.left),
    }
    return jsonify(payload)


def _preview_request() -> PreviewRequest:
    """The validated JSON body; a 400 naming the faulty field otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadParameter("body", "objet JSON attendu "
                                   '({"add_skills": [...], "remove_skills": [...]})')
    try:
        return PreviewRequest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadParameter(name, first["msg"]) from None


@bp.get("/taxonomy/suggest")
def suggest() -> Response:
    """Taxonomy concepts whose label is close to ``q``: ``kinds`` (occupation,appellation,item),
    ``top``. Used by the counsellor page's autocomplete."""
    engine = get_engine()
    text = text_param(request.args, "q", max_length=200)
    if not text:
        raise BadParameter("q", "requis")
    kinds, top = kinds_param(request.args), top_param(request.args)
    matches = engine.taxonomy.search(text, kinds=kinds, limit=top)
    return jsonify([{"kind": m.kind, "code": m.code, "label": m.label,
                     "rome_code": m.rome_code, "score": round(m.score, 4)} for m in matches])
