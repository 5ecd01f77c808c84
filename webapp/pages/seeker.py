"""The home page, the public offer search, and the seeker's own pages (offers, tags).

The free-text offer search is public on purpose: offers are public job postings, and a visitor
can look for work before having an account. Everything about a seeker needs their account.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from matcher.engine import Engine
from webapp.auth import own_profile, public, require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.models import Role
from webapp.params import BadParameter, bool_param, top_param
from webapp.queries import is_empty, seeker_query
from webapp.repositories import claims, ownership, tags
from webapp.summaries import offer_results, tag_rows
from webapp.throttling import Throttle

bp = Blueprint("seeker", __name__)


@bp.get("/")
@public
def home() -> str:
    """The roles and what each can do."""
    return render_template("home.html")


@bp.get("/recherche")
@public
def search() -> tuple[str, int]:
    """Ranked offers for the wishes typed in the form (public)."""
    engine = get_engine()
    args = request.args
    context: dict[str, Any] = {"args": args, "results": None, "error": None}
    status = 200
    if any(args.get(name, "").strip() for name in ("titles", "skills", "commune", "text")):
        try:
            context.update(_query_results(engine))
        except BadParameter as error:
            context["error"] = error.description
            status = 400
    return render_template("search.html", **context), status


def _query_results(engine: Engine) -> dict[str, Any]:
    query = seeker_query(engine, request.args)
    if is_empty(query):
        raise BadParameter("titles", "indiquez au moins un métier, une compétence ou une commune")
    top = top_param(request.args)
    results = offer_results(engine, engine.search_offers(query, top_k=top))
    commune = engine.gazetteer.commune(query.commune) if query.commune else None
    return {"query": query, "results": results, "commune": commune.name if commune else None}


@bp.get("/chercheur")
@roles_required(Role.SEEKER)
def my_offers() -> tuple[str, int]:
    """The offers that fit the signed-in seeker's profile, explained."""
    engine, user = get_engine(), require_user()
    profile = own_profile(engine, user)
    context: dict[str, Any] = {"profile": profile, "results": None, "error": None,
                               "widen": False}
    if profile is None:
        return render_template("seeker.html", **context), 200
    try:
        widen = bool_param(request.args, "widen")
        top = top_param(request.args)
    except BadParameter as error:
        context["error"] = error.description
        return render_template("seeker.html", **context), 400
    context["widen"] = widen
    context["results"] = offer_results(engine, engine.offers_for_profile(profile, top, widen))
    context["diagnosis"] = engine.diagnose_list(profile, len(context["results"]))
    return render_template("seeker.html", **context), 200


@bp.get("/chercheur/profil")
@roles_required(Role.SEEKER)
def my_profile() -> str:
    """The seeker's current tags, who changed them, and the history of changes."""
    engine, user = get_engine(), require_user()
    profile = own_profile(engine, user)
    entries = tags.history(db(), profile.id) if profile else []
    counsellors = ownership.counsellors_of(db(), profile.id) if profile else []
    return render_template("seeker_profile.html", profile=profile, entries=entries,
                           rows=tag_rows(engine, profile, entries) if profile else [],
                           counsellors=counsellors)


@bp.post("/chercheur/rattacher")
@roles_required(Role.SEEKER)
def claim() -> tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse:
    """Link the account to its profile with the one-time code the seeker's counsellor gave
    them (throttled like the login form)."""
    user, session = require_user(), db()
    config = current_app.config
    limiter = Throttle(int(config["LOGIN_MAX_FAILURES"]),
                       int(config["LOGIN_ADDRESS_MAX_FAILURES"]), config["LOGIN_WINDOW"])
    context: dict[str, Any] = {"profile": None, "results": None, "widen": False}
    verdict = limiter.reserve(session, f"claim:{user.id}", request.remote_addr)
    if not verdict.allowed:
        context["error"] = f"Trop d'essais de code. Réessayez dans {verdict.wait_text}."
        return (render_template("seeker.html", **context), 429,
                {"Retry-After": str(verdict.retry_after_s)})
    try:
        profile_id = claims.redeem(session, user, request.form.get("code", "")[:100])
    except claims.ClaimError as error:
        session.rollback()
        context["error"] = str(error)
        return render_template("seeker.html", **context), 400
    session.commit()
    limiter.succeeded(session, f"claim:{user.id}", request.remote_addr)
    flash(f"Votre compte est relié à votre profil ({profile_id}).", "info")
    return redirect(url_for("seeker.my_offers"))
