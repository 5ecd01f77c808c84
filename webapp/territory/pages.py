"""Territory and career pages: recruitment potential, reconversion suggestions, employer
targeting, and time to return to work (when outcome data exists).

Access: the potential page is public (aggregate counts over public offers, no individual
data); reconversion is for counsellors (their assigned seekers) and for a seeker (their own
profile); employer targeting and adding a suggested occupation to a seeker's targets are for
counsellors. Bad input is answered on the page itself, in French, with 400 (malformed) or 404
(unknown), never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from matcher.analytics.errors import AnalyticsError
from matcher.analytics.occupations import resolve_occupation
from matcher.analytics.pool import HARD_TO_FILL_BELOW, STRONG_SCORE, candidate_pool, hard_to_fill
from matcher.analytics.potential import recruitment_potential
from matcher.analytics.reconversion import suggest
from matcher.analytics.return_to_work import return_to_work
from matcher.analytics.snapshot import Snapshot
from webapp.auth import profile_for, public, require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.models import Role
from webapp.pages.common import offer_choices
from webapp.params import BadParameter, text_param
from webapp.repositories import ownership, tags
from webapp.summaries import profile_choice_label
from webapp.territory.charts import department_bars_svg, weekly_series_svg
from webapp.territory.common import current_snapshot, data_note, occupations_on_offer, outcomes_file
from webapp.territory.params import KIND_LABELS, territory_given, territory_param

bp = Blueprint("territory", __name__)

HARD_TO_FILL_TOP = 20


def _form(snap: Snapshot) -> dict[str, Any]:
    """The values of the occupation + territory form, with sensible defaults."""
    args = request.args
    departments = [o.location.department for o in snap.offers if o.location.department]
    default_code = max(set(departments), key=departments.count) if departments else ""
    return {"metier": text_param(args, "metier", 10).upper(),
            "territoire": text_param(args, "territoire", 20) or "departement",
            "code": text_param(args, "code", 20) or default_code,
            "rayon": text_param(args, "rayon", 10) or "30",
            "kinds": [(k.value, label) for k, label in KIND_LABELS.items()],
            "occupations": occupations_on_offer(snap)}


def _status(error: Exception) -> int:
    return error.status if isinstance(error, AnalyticsError) else 400


@bp.get("/territoire")
@public
def potential() -> tuple[str, int]:
    """Recruitment potential of an occupation in a territory, with its charts."""
    engine, snap = get_engine(), current_snapshot()
    context: dict[str, Any] = {"form": _form(snap), "result": None, "error": None,
                               "data": data_note(snap), "rtw": None}
    if not request.args.get("metier", "").strip():
        return render_template("territory.html", **context), 200
    try:
        territory = territory_param(request.args, snap.geo)
        result = recruitment_potential(snap, engine.taxonomy, context["form"]["metier"],
                                       territory)
    except (AnalyticsError, BadParameter) as error:
        context["error"] = error.message if isinstance(error, AnalyticsError) \
            else error.description
        return render_template("territory.html", **context), _status(error)
    context.update(
        result=result,
        offers=[o for o in (engine.offers.get(i) for i in result.offer_ids[:15]) if o],
        series_svg=weekly_series_svg(result.weeks),
        departments_svg=department_bars_svg(result.by_department),
        rtw=return_to_work(outcomes_file(), snap, result.occupation, territory),
    )
    return render_template("territory.html", **context), 200


def _visible_profiles() -> list[tuple[str, str]]:
    """(id, label) of the seekers the user may see: a counsellor's assigned seekers, or a
    seeker's own profile."""
    engine, user = get_engine(), require_user()
    ids = ownership.assigned_profiles(db(), user) if user.role is Role.COUNSELLOR \
        else [pid for pid in [ownership.profile_of(db(), user)] if pid]
    return [(pid, profile_choice_label(p)) for pid in ids
            if (p := engine.profiles.get(pid)) is not None]


@bp.get("/territoire/reconversion")
@roles_required(Role.COUNSELLOR, Role.SEEKER)
def reconversion() -> tuple[str, int]:
    """Reconversion suggestions for a seeker (``profil``); another seeker's profile is 404."""
    engine, snap, user = get_engine(), current_snapshot(), require_user()
    choices = _visible_profiles()
    profile_id = text_param(request.args, "profil", 100)
    if not profile_id and user.role is Role.SEEKER and choices:
        profile_id = choices[0][0]
    context: dict[str, Any] = {"profiles": choices, "profile_id": profile_id,
                               "result": None, "error": None, "data": data_note(snap),
                               "can_add": user.role is Role.COUNSELLOR}
    if not profile_id:
        return render_template("territory_reconversion.html", **context), 200
    profile = profile_for(engine, user, profile_id)
    try:
        context["result"] = suggest(snap, engine.taxonomy, profile, 10,
                                    engine.settings.matching.distance_half_life_km)
    except AnalyticsError as error:
        context["error"] = error.message
        return render_template("territory_reconversion.html", **context), error.status
    context["profile"] = profile
    return render_template("territory_reconversion.html", **context), 200


@bp.post("/territoire/reconversion/ajouter")
@roles_required(Role.COUNSELLOR)
def add_target() -> BaseResponse:
    """Add a suggested occupation to an assigned seeker's targets, through the audited tag
    edit (``webapp.repositories.tags.save``), with the counsellor's reason."""
    engine, user = get_engine(), require_user()
    profile = profile_for(engine, user, request.form.get("profil", "").strip())
    try:
        code, label = resolve_occupation(engine.taxonomy, request.form.get("metier", ""))
        new_tags = tags.tags_of(profile)
        if code in new_tags["rome_codes"]:
            raise tags.TagEditError(f"{label} ({code}) fait déjà partie des métiers visés.")
        new_tags["rome_codes"] = [*new_tags["rome_codes"], code]
        entry = tags.save(db(), engine, user, profile, new_tags,
                          request.form.get("raison", "") or f"Piste de reconversion : {label}",
                          lock_wait_s=index_lock_wait_s())
    except (AnalyticsError, tags.TagEditError) as error:
        flash(error.message if isinstance(error, AnalyticsError) else str(error), "error")
    else:
        flash(f"{label} ({code}) ajouté aux métiers visés (modification n° {entry.id}).",
              "info")
    return redirect(url_for("territory.reconversion", profil=profile.id))


@bp.get("/territoire/employeurs")
@roles_required(Role.COUNSELLOR)
def employers() -> tuple[str, int]:
    """An offer's candidate pool (``offre``), or the hard-to-fill offers of a territory
    (``code`` with ``territoire``, optionally ``metier``)."""
    engine, snap = get_engine(), current_snapshot()
    offer_id = text_param(request.args, "offre", 100)
    context: dict[str, Any] = {
        "offers": offer_choices(engine), "offer_id": offer_id, "form": _form(snap),
        "pool": None, "hard": None, "territory": None, "error": None, "data": data_note(snap),
        "strong_score": STRONG_SCORE, "below": HARD_TO_FILL_BELOW,
    }
    try:
        if offer_id:
            offer = engine.offers.get(offer_id)
            if offer is None:
                context["error"] = f"Offre inconnue : {offer_id}"
                return render_template("territory_employers.html", **context), 404
            context["offer"] = offer
            context["pool"] = candidate_pool(engine, offer)
        elif territory_given(request.args):
            territory = territory_param(request.args, snap.geo)
            code_text = context["form"]["metier"]
            code = resolve_occupation(engine.taxonomy, code_text)[0] if code_text else None
            offers = [o.offer for o in snap.offers_in(territory, code)]
            context["territory"] = territory
            if not offers:
                context["error"] = (f"Aucune offre indexée dans ce territoire ({territory.label})"
                                    + (f" pour le métier {code}." if code else "."))
                return render_template("territory_employers.html", **context), 404
            context["hard"] = hard_to_fill(engine, offers, HARD_TO_FILL_TOP)
            context["titles"] = {o.id: o for o in offers}
    except (AnalyticsError, BadParameter) as error:
        context["error"] = error.message if isinstance(error, AnalyticsError) \
            else error.description
        return render_template("territory_employers.html", **context), _status(error)
    return render_template("territory_employers.html", **context), 200
