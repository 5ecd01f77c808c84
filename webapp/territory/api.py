"""The territory and career API, under ``/api/v1/territoire`` (see docs/territory.md).

Access: ``/metiers``, ``/potentiel`` and ``/retour-emploi`` are public (aggregates only);
``/reconversion/<profile_id>`` is for the seeker themself and their counsellors;
``/offres/<id>/vivier`` and ``/difficiles`` are for counsellors.

Errors are ``{"error": "..."}``: 400 for a malformed parameter, 404 for an unknown occupation,
territory, profile or offer, or an empty index. Never a 500 for bad input.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from matcher.analytics.errors import AnalyticsError
from matcher.analytics.pool import candidate_pool, hard_to_fill
from matcher.analytics.potential import DEFAULT_WEEKS, recruitment_potential
from matcher.analytics.reconversion import suggest
from matcher.analytics.return_to_work import return_to_work
from webapp.auth import profile_for, public, require_user, roles_required
from webapp.engine_ext import get_engine
from webapp.models import Role
from webapp.params import BadParameter, text_param, top_param
from webapp.territory.common import current_snapshot, data_note, occupations_on_offer, outcomes_file
from webapp.territory.params import occupation_param, territory_param

bp = Blueprint("api_territory", __name__, url_prefix="/api/v1/territoire")

MAX_WEEKS = 52


@bp.errorhandler(AnalyticsError)
def _analytics_error(error: AnalyticsError) -> tuple[Response, int]:
    return jsonify(error=error.message), error.status


def _weeks() -> int:
    raw = text_param(request.args, "semaines", 5)
    if not raw:
        return DEFAULT_WEEKS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WEEKS:
        raise BadParameter("semaines", f"entier entre 1 et {MAX_WEEKS} attendu")
    return int(raw)


def _occupation() -> str:
    """The ROME code of ``metier`` (a code or a name; ``metier_code`` from an autocomplete)."""
    occupation = occupation_param(request.args, get_engine().taxonomy)
    if occupation is None:
        raise BadParameter("metier", "indiquez un métier : un nom ou un code ROME")
    return occupation.code


@bp.get("/metiers")
@public
def occupations() -> Response:
    """The occupations present in the indexed offers, with their offer counts."""
    snap = current_snapshot()
    return jsonify([{"code": c, "label": label, "offers": n}
                    for c, label, n in occupations_on_offer(snap)])


@bp.get("/potentiel")
@public
def potential() -> Response:
    """Recruitment potential: ``metier`` (a name or a ROME code) and a territory (``commune``
    + ``rayon``, ``departement`` or ``region``: names or codes); ``semaines`` (1–52, default
    12)."""
    engine, snap = get_engine(), current_snapshot()
    weeks = _weeks()
    territory = territory_param(request.args, snap.geo)
    result = recruitment_potential(snap, engine.taxonomy, _occupation(), territory, weeks)
    return jsonify({**result.to_dict(), "data": data_note(snap)})


@bp.get("/reconversion/<profile_id>")
@roles_required(Role.COUNSELLOR, Role.SEEKER)
def reconversion(profile_id: str) -> Response:
    """Reconversion suggestions for a seeker (their own, or one assigned to the counsellor;
    any other is 404); ``top`` (default 10)."""
    engine, snap = get_engine(), current_snapshot()
    top = top_param(request.args)
    profile = profile_for(engine, require_user(), profile_id)
    result = suggest(snap, engine.taxonomy, profile, top,
                     engine.settings.matching.distance_half_life_km)
    return jsonify({**result.to_dict(), "data": data_note(snap)})


@bp.get("/offres/<offer_id>/vivier")
@roles_required(Role.COUNSELLOR)
def pool(offer_id: str) -> Response:
    """The local candidate pool of an offer: strong matches, their shape, skills they lack."""
    engine = get_engine()
    offer = engine.offers.get(offer_id)
    if offer is None:
        abort(404, f"offre inconnue : {offer_id}")
    return jsonify(candidate_pool(engine, offer).to_dict())


@bp.get("/difficiles")
@roles_required(Role.COUNSELLOR)
def hard_offers() -> Response:
    """Offers of a territory with too few strong candidates, fewest first; ``metier``
    (optional) restricts to one occupation; ``top`` (default 10)."""
    engine, snap = get_engine(), current_snapshot()
    top = top_param(request.args)
    territory = territory_param(request.args, snap.geo)
    occupation = occupation_param(request.args, engine.taxonomy)
    code = occupation.code if occupation else None
    offers = [o.offer for o in snap.offers_in(territory, code)]
    if not offers:
        abort(404, f"aucune offre indexée dans ce territoire ({territory.label})"
                   + (f" pour le métier {code}" if code else ""))
    result = hard_to_fill(engine, offers, top)
    return jsonify({"territory": territory.to_dict(), "occupation": code, **result.to_dict()})


@bp.get("/retour-emploi")
@public
def time_to_work() -> Response:
    """Time to return to work (Kaplan–Meier) for ``metier`` in a territory; answers
    ``available: false`` and why when no outcome data is configured."""
    snap = current_snapshot()
    code = _occupation()
    territory = territory_param(request.args, snap.geo)
    result = return_to_work(outcomes_file(), snap, code, territory)
    return jsonify({"occupation": code, "territory": territory.to_dict(), **result.to_dict()})
