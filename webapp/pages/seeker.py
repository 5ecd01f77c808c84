"""The home page, the public offer search, and the seeker's own pages (offers and search
wishes, saved offers, tags).

The free-text offer search is public on purpose: offers are public job postings, and a visitor
can look for work before having an account. Everything about a seeker needs their account.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from indexer.geo import Commune
from indexer.models import Profile
from matcher.engine import Engine, SeekerQuery
from matcher.list_diagnosis import THIN_LIST
from webapp.auth import current_user, own_profile, public, require_user, roles_required, safe_next
from webapp.board import RADII, board_filters
from webapp.db import db
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.models import ContactStatus, Role
from webapp.pages.listing import error_context, offer_page, results_pool, saved_offer_ids
from webapp.params import BadParameter, bool_param, choice_param, contract_param
from webapp.queries import is_empty, seeker_query
from webapp.repositories import claims, contacts, ownership, saved, tags
from webapp.repositories.tags import TagChange
from webapp.summaries import occupation_label, offer_summary, tag_rows
from webapp.tag_diff import differences
from webapp.throttling import Throttle

bp = Blueprint("seeker", __name__)
logger = logging.getLogger(__name__)


@bp.get("/")
@public
def home() -> str:
    """The home page: for a visitor, the search and what each role can do; for a signed-in
    account, the shortcuts of its own role (never a link to another role's pages)."""
    user = current_user()
    context: dict[str, Any] = {"user": user}
    if user is not None and user.role is Role.SEEKER:
        profile_id = ownership.profile_of(db(), user)
        requests = contacts.received_by(db(), profile_id) if profile_id else []
        context.update(has_profile=profile_id is not None,
                       saved_count=len(saved.saved_ids(db(), user)),
                       pending=sum(r.status is ContactStatus.PENDING for r in requests))
    elif user is not None and user.role is Role.EMPLOYER:
        context.update(offer_count=len(ownership.offers_of(db(), user)),
                       pending=sum(row.status is ContactStatus.PENDING
                                   for row in contacts.sent_by(db(), user)))
    elif user is not None and user.role is Role.COUNSELLOR:
        context.update(seeker_count=len(ownership.assigned_profiles(db(), user)))
    return render_template("home.html", **context)


SEARCH_FIELDS = ("titles", "skills", "commune", "text")


@bp.get("/recherche")
@public
def search() -> tuple[str, int]:
    """Ranked offers for what was typed (public): ``titles``, ``skills``, ``text``,
    ``commune`` (+ ``commune_code`` from the autocomplete), ``radius``, ``contract``
    (repeated), and the board's ``tri``, ``temps``, ``experience``, ``depuis``, ``page``."""
    engine, args = get_engine(), request.args
    context: dict[str, Any] = {"args": args, "page": None, "error": None, "choices": [],
                               "error_field": None, "radii": {"": "Pas de limite", **RADII},
                               "saved": saved_offer_ids(current_user())}
    if not any(args.get(name, "").strip() for name in SEARCH_FIELDS):
        return render_template("search.html", **context), 200
    try:
        query = seeker_query(engine, args)
        if is_empty(query):
            raise BadParameter("titles",
                               "indiquez au moins un métier, une compétence ou une commune")
        filters = board_filters(args)
    except BadParameter as error:
        context.update(error_context(error))
        return render_template("search.html", **context), error.code or 400
    commune = engine.gazetteer.commune(query.commune) if query.commune else None
    context.update(query=query, filters=filters, commune=commune,
                   page=offer_page(engine, engine.search_offers(query, results_pool()),
                                   filters),
                   what=describe_query(query))
    return render_template("search.html", **context), 200


def describe_query(query: SeekerQuery) -> str:
    """What was searched, in words: the titles, the text and the skills typed."""
    parts = [*query.titles, *([query.text] if query.text else []),
             *(tag.label for tag in query.skills)]
    return ", ".join(parts)


@bp.get("/chercheur")
@roles_required(Role.SEEKER)
def my_offers() -> tuple[str, int]:
    """The offers that fit the signed-in seeker's profile, explained, with the board's
    filters and pages, and their search wishes (radius, contracts) to change."""
    return _my_offers_page()


def _my_offers_page(error: BadParameter | None = None) -> tuple[str, int]:
    engine, user = get_engine(), require_user()
    profile = own_profile(engine, user)
    context: dict[str, Any] = {"profile": profile, "page": None, "error": None,
                               "error_field": None, "widen": False, "radii": RADII,
                               "saved": saved_offer_ids(user), "args": request.args}
    if profile is None:
        return render_template("seeker.html", **context), 200
    try:
        if error is not None:
            raise error
        widen = bool_param(request.args, "widen")
        filters = board_filters(request.args)
    except BadParameter as bad:
        context.update(error_context(bad), commune=commune_of(engine, profile))
        return render_template("seeker.html", **context), bad.code or 400
    matches = engine.offers_for_profile(profile, results_pool(), widen)
    page = offer_page(engine, matches, filters)
    diagnosis = (engine.diagnose_list(profile, page.total, [m.id for m in matches])
                 if page.total < THIN_LIST else None)
    context.update(widen=widen, filters=filters, commune=commune_of(engine, profile),
                   page=page, diagnosis=diagnosis)
    return render_template("seeker.html", **context), 200


def commune_of(engine: Engine, profile: Profile) -> Commune | None:
    """The commune a seeker lives in, when known."""
    if profile.place is None or not profile.place.commune:
        return None
    return engine.gazetteer.commune(profile.place.commune)


@bp.post("/chercheur/criteres")
@roles_required(Role.SEEKER)
def save_wishes() -> tuple[str, int] | BaseResponse:
    """The seeker changes their own search wishes from their results page: ``rayon`` (km)
    and ``contract`` (repeated). Written to the index like a counsellor's edit, and recorded
    in their profile's history as their own."""
    engine, user = get_engine(), require_user()
    profile = own_profile(engine, user)
    if profile is None:
        abort(404, "Votre compte n'est relié à aucun profil.")
    try:
        radius = choice_param(request.form, "rayon", RADII)
        contract_types = list(contract_param(request.form))
    except BadParameter as error:
        return _my_offers_page(error)
    wishes = {"radius_km": float(radius) if radius else profile.radius_km,
              "contract_types": contract_types}
    new_tags = TagChange(wishes=wishes).apply(tags.tags_of(profile))
    try:
        tags.save(db(), engine, user, profile, new_tags, WISHES_REASON,
                  lock_wait_s=index_lock_wait_s())
    except tags.TagEditError:
        flash("Vos critères n'ont pas changé.", "info")
    else:  # an index busy too long is a 503 with Retry-After (webapp.errors), nothing saved
        flash("Vos critères sont enregistrés : vos offres sont recalculées.", "info")
    return redirect(safe_next(request.form.get("next")) or url_for("seeker.my_offers"))


WISHES_REASON = "Critères de recherche modifiés par le demandeur depuis ses offres"


@bp.get("/chercheur/enregistrees")
@roles_required(Role.SEEKER)
def saved_offers() -> str:
    """The offers the seeker saved, most recently saved first (withdrawn ones said so)."""
    engine, user = get_engine(), require_user()
    rows = []
    for offer_id in saved.saved_ids(db(), user):
        offer = engine.offers.get(offer_id)
        rows.append({"id": offer_id, "offer": offer,
                     "summary": offer_summary(engine, offer) if offer is not None else None})
    return render_template("saved_offers.html", rows=rows)


@bp.get("/chercheur/profil")
@roles_required(Role.SEEKER)
def my_profile() -> str:
    """The seeker's current tags, who changed them, and the history of changes."""
    engine, user = get_engine(), require_user()
    profile = own_profile(engine, user)
    entries = tags.history(db(), profile.id) if profile else []
    counsellors = ownership.counsellors_of(db(), profile.id) if profile else []
    label = functools.partial(occupation_label, engine)
    return render_template("seeker_profile.html", profile=profile, entries=entries,
                           rows=tag_rows(engine, profile, entries) if profile else [],
                           counsellors=counsellors, occupation_label=label,
                           diffs={e.id: differences(e.before, e.after, label) for e in entries})


@bp.post("/chercheur/rattacher")
@roles_required(Role.SEEKER)
def claim() -> tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse:
    """Link the account to its profile with the one-time code the seeker's counsellor gave
    them (throttled like the login form)."""
    user, session = require_user(), db()
    config = current_app.config
    limiter = Throttle(int(config["LOGIN_MAX_FAILURES"]),
                       int(config["LOGIN_ADDRESS_MAX_FAILURES"]), config["LOGIN_WINDOW"])
    context: dict[str, Any] = {"profile": None, "page": None, "widen": False}
    verdict = limiter.reserve(session, f"claim:{user.id}", request.remote_addr)
    if not verdict.allowed:
        context["error"] = f"Trop d'essais de code. Réessayez dans {verdict.wait_text}."
        return (render_template("seeker.html", **context), 429,
                {"Retry-After": str(verdict.retry_after_s)})
    try:
        claims.redeem(session, user, request.form.get("code", "")[:100])
    except claims.ClaimError as error:
        session.rollback()
        context["error"] = str(error)
        return render_template("seeker.html", **context), 400
    session.commit()
    limiter.succeeded(session, f"claim:{user.id}", request.remote_addr)
    logger.info("account %s linked to its profile", user.id)
    flash("Votre compte est relié à votre profil : voici les offres qui vous correspondent.",
          "info")
    return redirect(url_for("seeker.my_offers"))
