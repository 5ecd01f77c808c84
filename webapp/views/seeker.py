"""The home page and the seeker page: offers for a demo profile or for a typed query."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from matcher.engine import Engine
from webapp.engine_ext import get_engine
from webapp.params import BadParameter, bool_param, top_param
from webapp.queries import is_empty, seeker_query
from webapp.summaries import Result, offer_results
from webapp.views.common import profile_choices

bp = Blueprint("seeker", __name__)


@bp.get("/")
def home() -> str:
    """The three roles and what each can do."""
    return render_template("home.html")


@bp.get("/chercheur")
def search() -> tuple[str, int]:
    """Ranked offers for the chosen profile (``profil``) or for the typed wishes."""
    engine = get_engine()
    args = request.args
    context: dict[str, Any] = {"profiles": profile_choices(engine), "args": args,
                               "results": None, "error": None, "mode": None}
    status = 200
    try:
        if args.get("profil", "").strip():
            context.update(_profile_results(engine))
        elif any(args.get(name, "").strip() for name in ("titles", "skills", "commune")):
            context.update(_query_results(engine))
    except BadParameter as error:
        context["error"] = error.description
        status = 400
    if context["mode"] == "profile" and context.get("missing"):
        status = 404
    return render_template("seeker.html", **context), status


def _profile_results(engine: Engine) -> dict[str, Any]:
    """Offers for a demo profile; ``missing`` when the id is unknown."""
    profile_id = request.args["profil"].strip()
    profile = engine.profiles.get(profile_id)
    if profile is None:
        return {"mode": "profile", "missing": profile_id,
                "error": f"Profil inconnu : {profile_id}"}
    widen = bool_param(request.args, "widen")
    top = top_param(request.args)
    results: list[Result] = offer_results(
        engine, engine.offers_for_profile(profile, top_k=top, widen=widen))
    return {"mode": "profile", "profile": profile, "results": results}


def _query_results(engine: Engine) -> dict[str, Any]:
    """Offers for the wishes typed in the form."""
    query = seeker_query(engine, request.args)
    if is_empty(query):
        raise BadParameter("titles", "indiquez au moins un métier, une compétence ou une commune")
    top = top_param(request.args)
    results = offer_results(engine, engine.search_offers(query, top_k=top))
    commune = engine.gazetteer.commune(query.commune) if query.commune else None
    return {"mode": "query", "query": query, "results": results,
            "commune": commune.name if commune else None}
