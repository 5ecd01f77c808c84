"""The diagnosis pages: a seeker's (for the seeker and their counsellors, printable) and an
offer's (for the employer who owns it and the counsellors following that employer), and the
counsellor's list of followed employers and their offers.

They render :mod:`matcher.diagnosis` as it is: the figures in tables, the French sentences of
:mod:`matcher.diagnosis.sentences`, the legality flags with their passage highlighted.
Another owner's seeker or offer answers 404, another role 403 (:mod:`webapp.inbox.access`).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as BaseResponse

from matcher.diagnosis.legality import LegalityFlag
from matcher.diagnosis.legality_rules import CATEGORY_LABELS, Severity
from matcher.diagnosis.seeker import NO_ACTION_OPENS
from matcher.diagnosis.sentences import (
    action_sentence,
    market_sentence,
    offer_sentences,
    seeker_sentences,
)
from webapp.auth import require_user, roles_required
from webapp.db import db
from webapp.diagnoses import offer_diagnosis, seeker_diagnosis
from webapp.engine_ext import get_engine
from webapp.inbox import access
from webapp.models import Role, utc_now
from webapp.params import float_param
from webapp.repositories import ownership

bp = Blueprint("diagnosis", __name__)

RELATION_LABELS = {"meme_metier": "même métier", "metier_voisin": "métier voisin",
                   "autre_metier": "autre métier", "code_absent": "code ROME absent",
                   "titre_non_reconnu": "intitulé non reconnu"}
SKILL_STATUS = {"held": "acquise", "close": "proche", "missing": "manquante"}
FIELD_LABELS = {"title": "Intitulé", "description": "Description"}


@bp.get("/chercheur/diagnostic")
@roles_required(Role.SEEKER)
def own_seeker() -> BaseResponse:
    """The signed-in seeker's own diagnosis."""
    profile_id = ownership.profile_of(db(), require_user())
    if profile_id is None:
        abort(404, "Votre compte n'est relié à aucun profil.")
    return redirect(url_for("diagnosis.seeker", profile_id=profile_id))


@bp.get("/diagnostic/demandeur/<profile_id>")
@roles_required(Role.SEEKER, Role.COUNSELLOR)
def seeker(profile_id: str) -> str:
    """A seeker's diagnosis; ``rayon`` (km) tries another radius."""
    engine, user = get_engine(), require_user()
    profile = (engine.profiles.get(profile_id)
               if access.may_see_seeker_diagnosis(db(), user, profile_id) else None)
    if profile is None:
        abort(404, f"Profil inconnu : {profile_id}")
    radius = float_param(request.args, "rayon", 0, 200)
    diagnosis = seeker_diagnosis(engine, profile, radius)
    name = (profile.personal.name if user.role is Role.COUNSELLOR and profile.personal
            and profile.personal.name else None)
    missing = [line for line in diagnosis.missing_data if line != NO_ACTION_OPENS]
    offer_titles = {offer_id: offer.title for action in diagnosis.actions
                    for offer_id in action.opened_ids[:3]
                    for offer in [engine.offers.get(offer_id)] if offer is not None}
    return render_template("diagnosis_seeker.html", diagnosis=diagnosis, profile=profile,
                           missing=missing, offer_titles=offer_titles,
                           name=name, sentences=seeker_sentences(diagnosis),
                           action_sentence=action_sentence, market_sentence=market_sentence,
                           skill_status=SKILL_STATUS, radius=radius,
                           for_counsellor=user.role is Role.COUNSELLOR, now=utc_now())


@bp.get("/diagnostic/offre/<offer_id>")
@roles_required(Role.EMPLOYER, Role.COUNSELLOR)
def offer(offer_id: str) -> str:
    """An offer's diagnosis, legality check included."""
    engine, user = get_engine(), require_user()
    found = (engine.offers.get(offer_id)
             if access.may_see_offer_diagnosis(db(), user, offer_id) else None)
    if found is None:
        abort(404, f"Offre inconnue : {offer_id}")
    diagnosis = offer_diagnosis(engine, found)
    texts = {"title": found.title, "description": found.description or ""}
    return render_template("diagnosis_offer.html", diagnosis=diagnosis, offer=found,
                           sentences=offer_sentences(diagnosis), market_sentence=market_sentence,
                           relation_labels=RELATION_LABELS, category_labels=CATEGORY_LABELS,
                           field_labels=FIELD_LABELS, forbidden=Severity.FORBIDDEN,
                           marked={name: highlight_spans(text, diagnosis.legality.flags, name)
                                   for name, text in texts.items()},
                           for_counsellor=user.role is Role.COUNSELLOR, now=utc_now())


@bp.get("/conseiller/employeurs")
@roles_required(Role.COUNSELLOR)
def employers() -> str:
    """The employers the counsellor follows, their offers and the diagnoses."""
    engine, user, session = get_engine(), require_user(), db()
    rows = []
    for employer in access.followed_employers(session, user):
        offers = [engine.offers.get(offer_id) for offer_id in ownership.offers_of(session,
                                                                                   employer)]
        rows.append((employer, [o for o in offers if o is not None]))
    return render_template("counsellor_employers.html", rows=rows)


def highlight(context: str, passage: str) -> Markup:
    """``context`` escaped, with the first ``passage`` in it wrapped in ``<mark>``."""
    position = context.find(passage) if passage else -1
    if position < 0:
        return Markup(escape(context))
    end = position + len(passage)
    return (escape(context[:position]) + Markup("<mark>") + escape(passage)
            + Markup("</mark>") + escape(context[end:]))


def highlight_spans(text: str, flags: tuple[LegalityFlag, ...], field: str) -> Markup:
    """A field's whole text, escaped, each flagged span of that field in ``<mark>``."""
    spans = sorted((f.start, f.end) for f in flags if f.field == field
                   and 0 <= f.start < f.end <= len(text))
    out = Markup("")
    cursor = 0
    for start, end in spans:
        if start < cursor:
            continue
        out += escape(text[cursor:start]) + Markup("<mark>") + escape(text[start:end]) \
            + Markup("</mark>")
        cursor = end
    return out + escape(text[cursor:])


@bp.app_template_filter("highlight")
def _highlight_filter(context: str, passage: str) -> Markup:
    return highlight(context, passage)
