"""Territory and career pages: recruitment potential, reconversion suggestions, hard-to-fill
offers, and time to return to work (when outcome data exists).

Access: the potential page is public (aggregate counts over public offers, no individual
data); reconversion is for counsellors (their assigned seekers) and for a seeker (their own
profile); the hard-to-fill offers (and each offer's candidate pool) and adding a suggested
occupation to a seeker's targets are for counsellors. Occupations and places are typed by
name (or code), with "Vouliez-vous dire … ?" choices when a name is unknown or shared. Bad
input is answered on the page itself, in French, with 400 (malformed) or 404 (unknown),
never a 500.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from matcher.analytics.errors import AnalyticsError
from matcher.analytics.occupations import resolve_occupation
from matcher.analytics.pool import HARD_TO_FILL_BELOW, candidate_pool, hard_to_fill
from matcher.analytics.potential import recruitment_potential
from matcher.analytics.reconversion import suggest
from matcher.analytics.return_to_work import return_to_work
from matcher.analytics.snapshot import Snapshot
from matcher.analytics.territory import Territory
from webapp.auth import profile_for, public, require_user, roles_required
from webapp.db import db
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.models import Role
from webapp.names import Choice
from webapp.pages.common import offer_choices
from webapp.pages.listing import error_context
from webapp.params import BadParameter, text_param
from webapp.repositories import ownership, tags
from webapp.summaries import commune_name, occupation_label, place_label, profile_choice_label
from webapp.territory.charts import department_bars_svg, weekly_series_svg
from webapp.territory.common import current_snapshot, data_note, outcomes_file
from webapp.territory.params import (
    KIND_LABELS,
    MAX_NAME,
    occupation_param,
    territory_given,
    territory_param,
)

bp = Blueprint("territory", __name__)

HARD_TO_FILL_TOP = 20


def _form(snap: Snapshot) -> dict[str, Any]:
    """The values of the occupation + territory form as typed, with sensible defaults (the
    département with the most offers)."""
    args = request.args
    departments = [o.location.department for o in snap.offers if o.location.department]
    default_code = max(set(departments), key=departments.count) if departments else ""
    typed_place = text_param(args, "lieu", MAX_NAME)
    code = text_param(args, "code", 20)
    kind = text_param(args, "territoire", 20) or "departement"
    if not typed_place and not code and kind == "departement" and default_code:
        code, typed_place = default_code, snap.geo.department_name(default_code)
    return {"metier": text_param(args, "metier", MAX_NAME),
            "metier_code": text_param(args, "metier_code", 10),
            "territoire": kind, "lieu": typed_place or code, "code": code,
            "rayon": text_param(args, "rayon", 10) or "30",
            "kinds": [(k.value, label) for k, label in KIND_LABELS.items()]}


def _named(form: dict[str, Any], occupation: Choice | None, territory: Territory | None
           ) -> dict[str, Any]:
    """The form showing the names of what was resolved (not the codes typed)."""
    named = dict(form)
    if occupation is not None:
        named.update(metier=occupation.label, metier_code=occupation.code)
    if territory is not None:
        named.update(lieu=territory.name, code=territory.code,
                     territoire=territory.kind.value)
    return named


def _status(error: Exception) -> int:
    return error.status if isinstance(error, AnalyticsError) else int(getattr(error, "code",
                                                                              400) or 400)


def _error(context: dict[str, Any], error: Exception) -> None:
    if isinstance(error, BadParameter):
        context.update(error_context(error))
    elif isinstance(error, AnalyticsError):
        context["error"] = error.message


@bp.get("/territoire")
@public
def potential() -> tuple[str, int]:
    """Recruitment potential of an occupation in a territory, with its charts."""
    engine, snap = get_engine(), current_snapshot()
    context: dict[str, Any] = {"form": _form(snap), "result": None, "error": None,
                               "error_field": None, "choices": [], "data": data_note(snap),
                               "rtw": None, "args": request.args}
    if not request.args.get("metier", "").strip():
        return render_template("territory.html", **context), 200
    try:
        occupation = occupation_param(request.args, engine.taxonomy, snap.occupations())
        territory = territory_param(request.args, snap.geo)
        assert occupation is not None
        result = recruitment_potential(snap, engine.taxonomy, occupation.code, territory)
    except (AnalyticsError, BadParameter) as error:
        _error(context, error)
        return render_template("territory.html", **context), _status(error)
    context.update(
        form=_named(context["form"], occupation, territory),
        result=result,
        offers=[o for o in (engine.offers.get(i) for i in result.offer_ids[:15]) if o],
        place_of=lambda offer: commune_name(engine, offer.place) or place_label(offer.place),
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
            raise tags.TagEditError(f"« {label} » fait déjà partie des métiers visés.")
        new_tags["rome_codes"] = [*new_tags["rome_codes"], code]
        entry = tags.save(db(), engine, user, profile, new_tags,
                          request.form.get("raison", "") or f"Piste de reconversion : {label}",
                          lock_wait_s=index_lock_wait_s())
    except (AnalyticsError, tags.TagEditError) as error:
        flash(error.message if isinstance(error, AnalyticsError) else str(error), "error")
    else:
        flash(f"« {label} » est ajouté aux métiers visés (modification n° {entry.id}).",
              "info")
    return redirect(url_for("territory.reconversion", profil=profile.id))


@bp.get("/territoire/employeurs")
@roles_required(Role.COUNSELLOR)
def employers() -> tuple[str, int]:
    """The hard-to-fill offers of a territory (``territoire`` with ``lieu``/``code``,
    optionally ``metier``), or one offer's candidate pool (``offre``)."""
    engine, snap = get_engine(), current_snapshot()
    offer_id = text_param(request.args, "offre", 100)
    context: dict[str, Any] = {
        "offers": offer_choices(engine, (o.offer for o in snap.offers)),
        "offer_id": offer_id, "form": _form(snap),
        "pool": None, "hard": None, "territory": None, "error": None, "error_field": None,
        "choices": [], "data": data_note(snap), "below": HARD_TO_FILL_BELOW,
        "args": request.args, "occupation": None,
    }
    try:
        if offer_id:
            offer = engine.offers.get(offer_id)
            if offer is None:
                context["error"] = "Offre inconnue : elle a peut-être été pourvue ou retirée."
                return render_template("territory_employers.html", **context), 404
            context["offer"] = offer
            context["pool"] = candidate_pool(engine, offer)
        elif territory_given(request.args):
            occupation = occupation_param(request.args, engine.taxonomy, snap.occupations())
            territory = territory_param(request.args, snap.geo)
            code = occupation.code if occupation else None
            offers = [o.offer for o in snap.offers_in(territory, code)]
            context.update(territory=territory, occupation=occupation,
                           form=_named(context["form"], occupation, territory))
            if not offers:
                context["error"] = (f"Aucune offre indexée dans ce territoire ({territory.label})"
                                    + (f" pour le métier « {occupation.label} »."
                                       if occupation else "."))
                return render_template("territory_employers.html", **context), 404
            context["hard"] = hard_to_fill(engine, offers, HARD_TO_FILL_TOP)
    except (AnalyticsError, BadParameter) as error:
        _error(context, error)
        return render_template("territory_employers.html", **context), _status(error)
    context["occupation_label"] = functools.partial(occupation_label, engine)
    return render_template("territory_employers.html", **context), 200
