"""The offer page (public: offers are public job postings), and what a seeker does from it:
keep the offer, apply through the platform.

The page says when the offer was published, its salary, working time and requirements, how
to apply, and shows a small map; ``retour`` (a path of this site) is the results page it was
opened from, with its filters, and ``pres`` (an INSEE code) the commune the reader searched
around, drawn on the map.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from indexer.distance import haversine_km
from indexer.geo import Commune
from indexer.models import Offer
from matcher.engine import Engine
from webapp.auth import current_user, own_profile, public, require_user, roles_required, safe_next
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.formatting import km, of
from webapp.maps import place_map_svg
from webapp.models import ContactRequest, Role, User
from webapp.repositories import contacts, ownership, saved
from webapp.summaries import occupation_label, offer_summary, place_label

bp = Blueprint("offers", __name__)
logger = logging.getLogger(__name__)


def _offer(engine: Engine, offer_id: str) -> Offer:
    offer = engine.offers.get(offer_id)
    if offer is None:
        abort(404, f"Aucune offre n'a la référence « {offer_id[:60]} » : elle a peut-être été "
                   "pourvue ou retirée.")
    return offer


def offer_commune(engine: Engine, offer: Offer) -> Commune | None:
    """Where the offer is: its commune from the gazetteer, else its own point and label."""
    place = offer.place
    if place is None:
        return None
    commune = engine.gazetteer.commune(place.commune) if place.commune else None
    if commune is not None:
        return commune
    if place.point is None:
        return None
    return Commune(code="", name=place_label(place) or "Lieu de l'offre", department=None,
                   region=None, postcodes=(), population=None, point=place.point)


def reader_commune(engine: Engine, user: User | None) -> Commune | None:
    """The commune the reader searched around (``pres``), else a seeker's own commune."""
    code = request.args.get("pres", "").strip()[:10]
    if code:
        return engine.gazetteer.commune(code.upper())
    if user is not None and user.role is Role.SEEKER:
        profile = own_profile(engine, user)
        if profile is not None and profile.place is not None and profile.place.commune:
            return engine.gazetteer.commune(profile.place.commune)
    return None


@bp.get("/offres/<offer_id>")
@public
def detail(offer_id: str) -> str:
    """One offer; its description is shown as text (autoescaped), never as HTML."""
    engine = get_engine()
    offer = _offer(engine, offer_id)
    user = current_user()
    employer = ownership.owner_of(db(), offer.id)
    here, home = offer_commune(engine, offer), reader_commune(engine, user)
    distance = (haversine_km(here.point, home.point) if here and home and here.point
                and home.point else None)
    context: dict[str, Any] = {
        "offer": offer, "summary": offer_summary(engine, offer),
        "occupation": occupation_label(engine, offer.rome_code) if offer.rome_code else None,
        "owner": user is not None and employer is not None and employer.id == user.id,
        "on_platform": employer is not None, "back": safe_next(request.args.get("retour")),
        "here": here, "home": home, "distance": distance,
        "map": place_map_svg(engine.gazetteer, here, home, distance,
                             _map_title(here, home, distance)),
        "is_saved": False, "application": None, "has_profile": False,
    }
    if user is not None and user.role is Role.SEEKER:
        profile = own_profile(engine, user)
        context.update(is_saved=offer.id in saved.saved_ids(db(), user),
                       has_profile=profile is not None,
                       application=_application(employer, offer.id, profile.id)
                       if profile is not None and employer is not None else None)
    return render_template("offer.html", **context)


def _map_title(here: Commune | None, home: Commune | None, distance: float | None) -> str:
    if here is None:
        return "Carte"
    title = f"Carte : l'offre est à {here.name}"
    if home is not None and distance is not None and home.code != here.code:
        title += f", à {km(distance)} {of(home.name)}"
    return title + "."


def _application(employer: User, offer_id: str, profile_id: str) -> ContactRequest | None:
    for row in contacts.sent_by(db(), employer, offer_id):
        if row.profile_id == profile_id:
            return row
    return None


@bp.post("/offres/<offer_id>/enregistrer")
@roles_required(Role.SEEKER)
def save(offer_id: str) -> BaseResponse:
    """Keep the offer in the seeker's list (``action=retirer`` removes it); back to ``next``
    (the page the button was on, at the same offer) or to the offer."""
    engine, user = get_engine(), require_user()
    offer = _offer(engine, offer_id)
    if request.form.get("action") == "retirer":
        saved.forget(db(), user, offer.id)
        flash(f"« {offer.title} » est retirée de vos offres enregistrées.", "info")
    else:
        saved.save(db(), user, offer.id)
        flash(f"« {offer.title} » est enregistrée : retrouvez-la dans « Offres enregistrées ».",
              "info")
    db().commit()
    return redirect(safe_next(request.form.get("next"))
                    or url_for("offers.detail", offer_id=offer.id))


@bp.post("/offres/<offer_id>/candidater")
@roles_required(Role.SEEKER)
def apply(offer_id: str) -> BaseResponse:
    """Apply through the platform: the employer who published the offer here receives the
    seeker's name and contact details, by the seeker's choice (a consent is recorded), with
    their message. An offer published elsewhere cannot be applied to here (404)."""
    engine, user = get_engine(), require_user()
    offer = _offer(engine, offer_id)
    profile = own_profile(engine, user)
    employer = ownership.owner_of(db(), offer.id)
    if profile is None:
        abort(409, "Votre compte n'est relié à aucun profil : saisissez d'abord le code de "
                   "rattachement que vous a remis votre conseiller.")
    if employer is None:
        abort(404, "Cette offre n'est pas publiée sur la plateforme par son employeur.")
    _row, changed = contacts.apply(db(), user, employer, offer.id, profile.id,
                                   request.form.get("message", ""))
    db().commit()
    logger.info("seeker %s applied to offer %s", user.id, offer.id)
    flash("Votre candidature est envoyée : l'employeur reçoit vos nom et coordonnées et "
          "votre message." if changed else "Vous avez déjà transmis vos coordonnées à cet "
          "employeur pour cette offre.", "info")
    back = safe_next(request.form.get("retour"))
    return redirect(url_for("offers.detail", offer_id=offer.id, retour=back)
                    + "#candidater")
