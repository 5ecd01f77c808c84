"""The offer detail page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from webapp.engine_ext import get_engine
from webapp.summaries import offer_summary

bp = Blueprint("offers", __name__)


@bp.get("/offres/<offer_id>")
def detail(offer_id: str) -> str:
    """One offer; its description is shown as text (autoescaped), never as HTML."""
    engine = get_engine()
    offer = engine.offers.get(offer_id)
    if offer is None:
        abort(404, f"Aucune offre n'a l'identifiant « {offer_id} ».")
    return render_template("offer.html", offer=offer, summary=offer_summary(engine, offer))
