"""The employer pages: a dashboard of their own offers (strong candidates, requests by
status), each offer's ranked candidates (by pseudonym; filtered, paginated, with what would
widen the pool), and contact requests, whose contact details appear only once the seeker
accepted (or applied)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from indexer.models import Offer
from matcher.analytics.pool import POOL_DEPTH, candidate_pool
from matcher.analytics.snapshot import snapshot
from matcher.analytics.widening import pool_widenings
from matcher.engine import Engine
from matcher.results import Match
from webapp import pseudonyms
from webapp.auth import offer_for, require_user, roles_required, safe_next
from webapp.board import page_of
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.formatting import MATCH_LEVELS, match_level
from webapp.models import ContactRequest, ContactStatus, Role, User
from webapp.pages.listing import error_context, per_page
from webapp.params import BadParameter, choice_param, page_param
from webapp.repositories import contacts, ownership
from webapp.summaries import candidate_results, contact_details, offer_summary

bp = Blueprint("employer", __name__, url_prefix="/employeur")


CANDIDATE_POOL = POOL_DEPTH
DISTANCES = {"": "Toutes distances", "10": "À 10 km au plus", "20": "À 20 km au plus",
             "30": "À 30 km au plus", "60": "À 60 km au plus"}
EXPERIENCE = {"": "Toute expérience", "1": "Un an au moins", "2": "Deux ans au moins",
              "5": "Cinq ans au moins"}
LEVELS = {"": "Tous les niveaux", **{level: level.capitalize() for level in MATCH_LEVELS}}


@dataclass(frozen=True, slots=True)
class CandidateFilters:
    """What narrows an offer's candidates: distance at most, experience at least, level."""

    distance: str = ""
    experience: str = ""
    level: str = ""
    page: int = 1

    def keeps(self, match: Match, summary: dict[str, Any]) -> bool:
        """True when the candidate passes every filter."""
        distance = match.explanation.distance_km
        if self.distance and (distance is None or distance > float(self.distance)):
            return False
        years = summary.get("experience_years")
        if self.experience and (years is None or years < float(self.experience)):
            return False
        return not self.level or match_level(match) == self.level

    def args(self) -> dict[str, str]:
        """The filters as URL parameters."""
        return {name: value for name, value in (("distance", self.distance),
                                                ("experience", self.experience),
                                                ("niveau", self.level)) if value}


def candidate_filters(args: Mapping[str, str]) -> CandidateFilters:
    """``distance``, ``experience``, ``niveau``, ``page``; a bad value is a 400 naming it."""
    return CandidateFilters(distance=choice_param(args, "distance", DISTANCES),
                            experience=choice_param(args, "experience", EXPERIENCE),
                            level=choice_param(args, "niveau", LEVELS),
                            page=page_param(args))


def dashboard_rows(engine: Engine, user: User) -> list[dict[str, Any]]:
    """Each of the employer's offers still in the index, newest first: its summary, strong
    candidates (the pool's count, see :mod:`matcher.analytics.pool`), and requests by status."""
    counts = contacts.counts_by_offer(db(), user)
    offers = [offer for offer in map(engine.offers.get, ownership.offers_of(db(), user))
              if offer is not None]
    offers.sort(key=lambda offer: -(offer.created_at.timestamp() if offer.created_at else 0.0))
    return [{"offer": offer, "summary": offer_summary(engine, offer),
             "pool": candidate_pool(engine, offer), "requests": counts.get(offer.id, {})}
            for offer in offers]


@bp.get("")
@roles_required(Role.EMPLOYER)
def candidates() -> tuple[str, int]:
    """The employer's dashboard (their offers, strong candidates, requests), or, with
    ``offre`` (one of theirs; another's: 404), that offer's ranked candidates, filtered by
    ``distance``, ``experience`` and ``niveau``, ten a page, and what would widen the pool."""
    engine, user = get_engine(), require_user()
    offer_id = request.args.get("offre", "").strip()
    if not offer_id:
        return render_template("employer_dashboard.html",
                               rows=dashboard_rows(engine, user)), 200
    offer = offer_for(engine, user, offer_id)
    context: dict[str, Any] = {"offer": offer, "summary": offer_summary(engine, offer),
                               "page": None, "error": None, "error_field": None,
                               "distances": DISTANCES, "experiences": EXPERIENCE,
                               "levels": LEVELS, "args": request.args}
    try:
        filters = candidate_filters(request.args)
    except BadParameter as error:
        context.update(error_context(error))
        return render_template("employer.html", **context), error.code or 400
    results = candidate_results(engine, engine.candidates_for_offer(offer, CANDIDATE_POOL),
                                user)
    radius = engine.settings.matching.candidate_radius_km or 60.0
    context.update(
        filters=filters, total=len(results), radius=radius,
        has_levels=any(match_level(match) for match, _ in results),
        page=page_of([row for row in results if filters.keeps(*row)], filters.page,
                     per_page()),
        status=_statuses(engine, user, offer),
        widening=pool_widenings(snapshot(engine), engine.taxonomy, offer, radius))
    return render_template("employer.html", **context), 200


def _statuses(engine: Engine, user: User, offer: Offer) -> dict[str, ContactRequest]:
    """Contact request (or application) by candidate pseudonym, for one offer."""
    return {pseudonyms.for_employer(user, row.profile_id): row
            for row in contacts.sent_by(db(), user, offer.id)
            if row.profile_id in engine.profiles}


def candidate_by_pseudonym(engine: Engine, offer: Offer, employer: User,
                           pseudonym: str) -> str | None:
    """The profile id behind ``employer``'s pseudonym, only among the offer's ranked
    candidates."""
    for match in engine.candidates_for_offer(offer, top_k=CANDIDATE_POOL):
        if match.id in engine.profiles and pseudonyms.for_employer(employer,
                                                                    match.id) == pseudonym:
            return match.id
    return None


@bp.post("/contacts")
@roles_required(Role.EMPLOYER)
def request_contact() -> BaseResponse:
    """Ask a candidate of one's offer for contact; the seeker decides."""
    engine, user = get_engine(), require_user()
    offer = offer_for(engine, user, request.form.get("offre", "").strip())
    profile_id = candidate_by_pseudonym(engine, offer, user,
                                        request.form.get("candidat", "").strip()[:40])
    if profile_id is None:
        abort(404, "Candidat inconnu pour cette offre.")
    contacts.request_contact(db(), user, offer.id, profile_id, request.form.get("message", ""))
    db().commit()
    flash("Demande de contact envoyée. Le candidat choisira de vous transmettre ou non "
          "ses coordonnées.", "info")
    return redirect(safe_next(request.form.get("next"))
                    or url_for("employer.candidates", offre=offer.id))


@bp.get("/contacts")
@roles_required(Role.EMPLOYER)
def sent_requests() -> str:
    """The employer's requests and the applications received; contact details only for the
    accepted ones."""
    engine, user = get_engine(), require_user()
    rows = []
    for row in contacts.sent_by(db(), user):
        profile = engine.profiles.get(row.profile_id)
        offer = engine.offers.get(row.offer_id)
        rows.append({"row": row, "offer": offer,
                     "pseudonym": pseudonyms.for_employer(user, row.profile_id) if profile
                     else "(profil retiré)",
                     "details": contact_details(profile)
                     if profile is not None and row.status is ContactStatus.ACCEPTED else None})
    return render_template("employer_contacts.html", rows=rows)
