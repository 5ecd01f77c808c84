"""The employer pages: their own offers, each offer's ranked candidates (by pseudonym), and
contact requests, whose contact details appear only once the seeker accepted."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from indexer.models import Offer
from matcher.engine import Engine
from webapp import pseudonyms
from webapp.auth import offer_for, require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.models import ContactStatus, Role, User
from webapp.params import MAX_TOP, BadParameter, top_param
from webapp.repositories import contacts, ownership
from webapp.summaries import candidate_results, contact_details

bp = Blueprint("employer", __name__, url_prefix="/employeur")


def own_offer_choices(engine: Engine, user: User) -> list[tuple[str, str]]:
    """(id, label) of the employer's offers still in the index."""
    choices = []
    for offer_id in ownership.offers_of(db(), user):
        offer = engine.offers.get(offer_id)
        if offer is not None:
            choices.append((offer_id, f"{offer.title} ({offer_id})"))
    return choices


@bp.get("")
@roles_required(Role.EMPLOYER)
def candidates() -> tuple[str, int]:
    """Ranked candidates for one of the employer's offers (``offre``); another's: 404."""
    engine, user = get_engine(), require_user()
    offer_id = request.args.get("offre", "").strip()
    context: dict[str, Any] = {"offers": own_offer_choices(engine, user), "offer_id": offer_id,
                               "offer": None, "results": None, "error": None, "status": {}}
    if not offer_id:
        return render_template("employer.html", **context), 200
    offer = offer_for(engine, user, offer_id)
    try:
        top = top_param(request.args)
    except BadParameter as error:
        context["error"] = error.description
        return render_template("employer.html", **context), 400
    context["offer"] = offer
    context["results"] = candidate_results(engine, engine.candidates_for_offer(offer, top_k=top),
                                           user)
    context["status"] = _statuses(engine, user, offer)
    return render_template("employer.html", **context), 200


def _statuses(engine: Engine, user: User, offer: Offer) -> dict[str, ContactStatus]:
    """Contact-request status by candidate pseudonym, for one offer."""
    return {pseudonyms.for_employer(user, row.profile_id): row.status
            for row in contacts.sent_by(db(), user, offer.id)
            if row.profile_id in engine.profiles}


def candidate_by_pseudonym(engine: Engine, offer: Offer, employer: User,
                           pseudonym: str) -> str | None:
    """The profile id behind ``employer``'s pseudonym, only among the offer's ranked
    candidates."""
    for match in engine.candidates_for_offer(offer, top_k=MAX_TOP):
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
    return redirect(url_for("employer.candidates", offre=offer.id))


@bp.get("/contacts")
@roles_required(Role.EMPLOYER)
def sent_requests() -> str:
    """The employer's requests; contact details only for the accepted ones."""
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
