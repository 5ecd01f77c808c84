"""The employer page: pick an offer, see ranked candidates by pseudonym only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from webapp.engine_ext import get_engine
from webapp.params import BadParameter, top_param
from webapp.summaries import candidate_results
from webapp.views.common import offer_choices

bp = Blueprint("employer", __name__)


@bp.get("/employeur")
def candidates() -> tuple[str, int]:
    """Ranked candidates for the offer ``offre`` (pseudonym, occupations, skills, commune)."""
    engine = get_engine()
    offer_id = request.args.get("offre", "").strip()
    context: dict[str, Any] = {"offers": offer_choices(engine), "offer_id": offer_id,
                               "offer": None, "results": None, "error": None}
    if not offer_id:
        return render_template("employer.html", **context), 200
    offer = engine.offers.get(offer_id)
    if offer is None:
        context["error"] = f"Offre inconnue : {offer_id}"
        return render_template("employer.html", **context), 404
    try:
        top = top_param(request.args)
    except BadParameter as error:
        context["error"] = error.description
        return render_template("employer.html", **context), 400
    context["offer"] = offer
    context["results"] = candidate_results(engine, engine.candidates_for_offer(offer, top_k=top))
    return render_template("employer.html", **context), 200
