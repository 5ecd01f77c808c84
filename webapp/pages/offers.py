"""The offer detail page (public: offers are public job postings)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from webapp.auth import current_user, public
from webapp.db import db
from webapp.engine_ext import get_engine
from webapp.models import Role
from webapp.repositories import ownership
from webapp.summaries import occupation_label, offer_summary

bp = Blueprint("offers", __name__)


@bp.get("/offres/<offer_id>")
@public
def detail(offer_id: str) -> str:
    """One offer; its description is shown as text (autoescaped), never as HTML."""
    engine = get_engine()
    offer = engine.offers.get(offer_id)
    if offer is None:
        abort(404, f"Aucune offre n'a l'identifiant « {offer_id} ».")
    user = current_user()
    owner = (user is not None and user.role is Role.EMPLOYER
             and ownership.owns_offer(db(), user, offer_id))
    occupation = occupation_label(engine, offer.rome_code) if offer.rome_code else None
    return render_template("offer.html", offer=offer, summary=offer_summary(engine, offer),
                           owner=owner, occupation=occupation)
