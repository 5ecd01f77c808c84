"""The counsellor pages: the seekers assigned to them, and the tag editor.

An edit (skills added, removed or re-weighted; occupations added or removed, mobility targets
among them; the search radius) travels in the form until it is saved: "Prévisualiser" shows
the offers that enter, leave and move in the seeker's top offers, and why nothing changed when
nothing does, "Enregistrer" writes the new tags (index and audit log, with the reason), and each
audit entry can be undone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from indexer.catalog import IndexBusyError
from indexer.models import Profile, SkillTag
from matcher.engine import Engine
from webapp.auth import profile_for, require_user, roles_required
from webapp.board import RADII
from webapp.db import db
from webapp.engine_ext import get_engine, index_lock_wait_s
from webapp.errors import BUSY_MESSAGE, BUSY_RETRY_AFTER_S
from webapp.models import Role
from webapp.pages.listing import error_context
from webapp.params import BadParameter
from webapp.previews import preview, rank_note, summary_line
from webapp.queries import resolve_occupation, resolve_skill
from webapp.repositories import claims, ownership, tags
from webapp.repositories.tags import TagChange, TagEditError, tag_key, tags_of, with_tags
from webapp.summaries import commune_name, occupation_label, place_label
from webapp.tag_diff import differences

bp = Blueprint("counsellor", __name__)

SOURCE = tags.COUNSELLOR_SOURCE
WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)
RADIUS_CHOICES = {"": "Sans limite", **RADII}
MAX_MOBILITY = 6


def seeker_name(profile: Profile) -> str:
    """The seeker's name as their counsellor sees it (the list's wording), else 'ce
    demandeur'."""
    if profile.personal is not None and profile.personal.name:
        return profile.personal.name
    return "ce demandeur"


def mobility_choices(engine: Engine, profile: Profile) -> list[tuple[str, str]]:
    """(code, label) of the ROME mobility targets of the seeker's occupations that they do
    not target yet, best ranked first: the occupations a counsellor may add in one click."""
    seen: dict[str, int] = {}
    for code in profile.rome_codes:
        if code in engine.taxonomy.occupations:
            for target, rank in engine.taxonomy.mobility_targets(code):
                if target not in profile.rome_codes and target in engine.taxonomy.occupations:
                    seen[target] = min(rank, seen.get(target, rank))
    ranked = sorted(seen, key=lambda code: (seen[code], code))[:MAX_MOBILITY]
    return [(code, occupation_label(engine, code)) for code in ranked]


def encode_tag(tag: SkillTag) -> str:
    """A pending addition as a checkbox value: ``code|label`` (code may be empty)."""
    return f"{tag.code or ''}|{tag.label}"


def decode_tags(values: Iterable[str]) -> list[SkillTag]:
    """Pending additions back from their checkbox values; malformed values are dropped."""
    result: list[SkillTag] = []
    for value in values:
        code, separator, label = value.partition("|")
        if separator and label.strip():
            result.append(SkillTag(code=code or None, label=label.strip()[:200], source=SOURCE))
    return result


def _weights(form: MultiDict[str, str]) -> dict[str, float]:
    """Weights typed for the current skills (``weight_key`` and ``weight`` lists, aligned)."""
    result: dict[str, float] = {}
    for key, raw in zip(form.getlist("weight_key"), form.getlist("weight"), strict=False):
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            continue
        if 0.0 <= value <= 5.0:
            result[key] = value
    return result


def change_from_form(engine: Engine, form: MultiDict[str, str], profile: Profile,
                     ) -> TagChange:
    """The edit held by the counsellor form, the typed skill and occupation included. A
    typed occupation that names none, or several, is a :class:`NameNotResolved` (400) with
    the occupations it may mean."""
    additions = decode_tags(form.getlist("add"))
    typed = form.get("nouvelle", "").strip()[:200]
    if typed:
        tag = resolve_skill(engine, typed, code=form.get("nouvelle_code") or None, source=SOURCE)
        if all(tag_key(t) != tag_key(tag) for t in additions):
            additions.append(tag)
    occupations = [c for c in form.getlist("occ_add") if c in engine.taxonomy.occupations]
    typed_occupation = form.get("nouveau_metier", "").strip()[:200]
    code = resolve_occupation(engine, typed_occupation, form.get("nouveau_metier_code") or None,
                              name="nouveau_metier")
    if code is not None and code not in occupations:
        occupations.append(code)
    return TagChange(add_skills=additions, remove_skills=form.getlist("remove"),
                     weights=_weights(form), add_occupations=occupations,
                     remove_occupations=form.getlist("occ_remove"),
                     wishes=_wishes(engine, form, profile),
                     reject_read=form.getlist("reject_read"),
                     restore_read=form.getlist("restore_read"))


def _wishes(engine: Engine, form: MultiDict[str, str], profile: Profile
            ) -> dict[str, Any] | None:
    """The radius typed in the editor (``rayon``: a choice of :data:`RADIUS_CHOICES`, ''
    for no limit), when it differs from the seeker's."""
    raw = form.get("rayon")
    if raw is None:
        return None
    if raw not in RADIUS_CHOICES:
        raise BadParameter("rayon", "rayon inconnu ; attendus : "
                                    + ", ".join(key or "vide" for key in RADIUS_CHOICES))
    radius = float(raw) if raw else None
    return {"radius_km": radius} if radius != profile.radius_km else None


@bp.get("/conseiller")
@roles_required(Role.COUNSELLOR)
def open_profile() -> tuple[str, int]:
    """The assigned seekers, and the tag editor when ``profil`` is one of them."""
    engine, user = get_engine(), require_user()
    profile_id = request.args.get("profil", "").strip()
    if not profile_id:
        seekers = [(pid, engine.profiles.get(pid))
                   for pid in ownership.assigned_profiles(db(), user)]
        places = {pid: commune_name(engine, p.place) for pid, p in seekers if p is not None}
        return render_template("counsellor_list.html", seekers=seekers, places=places), 200
    profile = profile_for(engine, user, profile_id)
    return _render(engine, profile, TagChange(), show_preview=False)


@bp.post("/conseiller")
@roles_required(Role.COUNSELLOR)
def edit_profile() -> tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse:
    """Add a pending tag, preview the edit, or save it with its reason. When another writer
    holds the index too long, the editor comes back (503, ``Retry-After``) with the edit
    still in the form and nothing saved."""
    engine, user = get_engine(), require_user()
    profile = profile_for(engine, user, request.form.get("profil", "").strip())
    try:
        change = change_from_form(engine, request.form, profile)
    except BadParameter as error:
        safe = change_from_form(engine, _without(request.form, error.parameter), profile)
        return _render(engine, profile, safe, show_preview=False, status=error.code or 400,
                       **error_context(error))
    action = request.form.get("action", "")
    if action == "enregistrer":
        try:
            entry = tags.save(db(), engine, user, profile, change.apply(tags_of(profile)),
                              request.form.get("raison", ""), lock_wait_s=index_lock_wait_s())
        except TagEditError as error:
            return _render(engine, profile, change, show_preview=False, error=str(error),
                           status=400)
        except IndexBusyError:
            body, status = _render(engine, profile, change, show_preview=False,
                                   error=BUSY_MESSAGE, status=503)
            return body, status, {"Retry-After": str(BUSY_RETRY_AFTER_S)}
        flash(f"Modification n° {entry.id} enregistrée.", "info")
        return redirect(url_for("counsellor.open_profile", profil=profile.id))
    return _render(engine, profile, change, show_preview=action == "previsualiser")


@bp.post("/conseiller/annuler/<int:entry_id>")
@roles_required(Role.COUNSELLOR)
def undo(entry_id: int) -> tuple[str, int] | BaseResponse:
    """Undo an audit entry of an assigned seeker (another seeker's entry: 404)."""
    engine, user = get_engine(), require_user()
    profile = profile_for(engine, user, request.form.get("profil", "").strip())
    entry = tags.entry_for(db(), entry_id, profile.id)
    if entry is None:
        abort(404, f"Modification inconnue : {entry_id}")
    try:
        done = tags.undo(db(), engine, user, profile, entry, lock_wait_s=index_lock_wait_s())
    except TagEditError as error:
        return _render(engine, profile, TagChange(), show_preview=False, error=str(error),
                       status=409)
    flash(f"Modification n° {entry_id} annulée (entrée n° {done.id}).", "info")
    return redirect(url_for("counsellor.open_profile", profil=profile.id))


@bp.post("/conseiller/code")
@roles_required(Role.COUNSELLOR)
def claim_code() -> tuple[str, int]:
    """A one-time code for an assigned seeker without an account link, shown once, which the
    counsellor hands to the seeker (it replaces any previous code of the profile)."""
    engine, user = get_engine(), require_user()
    profile = profile_for(engine, user, request.form.get("profil", "").strip())
    if ownership.seeker_of(db(), profile.id) is not None:
        return _render(engine, profile, TagChange(), show_preview=False, status=409,
                       error="Ce demandeur a déjà relié son compte à son profil.")
    code = claims.issue(db(), user, profile.id)
    db().commit()
    return _render(engine, profile, TagChange(), show_preview=False, claim_code=code)


def _without(form: MultiDict[str, str], name: str) -> MultiDict[str, str]:
    """The form without the field that was in error (to show the rest of the edit)."""
    kept = MultiDict([(k, v) for k, v in form.items(multi=True) if k != name])
    if name == "nouveau_metier":
        kept.pop("nouveau_metier_code", None)
    return kept


def read_key(tag: SkillTag) -> str:
    """How a skill read from the summary is named when rejected: its code, else its label."""
    return tag.code or tag.label


def read_skills(profile: Profile) -> list[SkillTag]:
    """The skills indexing read from the seeker's summary, not rejected, not already tags."""
    rejected = set(profile.rejected_skills)
    given = {tag_key(t) for t in profile.skills}
    read = profile.concepts.skills if profile.concepts is not None else ()
    return [t for t in read if read_key(t) not in rejected and tag_key(t) not in given]


def skill_label(engine: Engine, key: str) -> str:
    """A skill's label in the taxonomy, from its code (the key itself when it is no code)."""
    item = engine.taxonomy.items.get(key)
    return item.label if item is not None else key


def _render(engine: Engine, profile: Profile, change: TagChange, show_preview: bool,
            error: str | None = None, status: int = 200,
            claim_code: str | None = None, **extra: Any) -> tuple[str, int]:
    """The tag editor for one seeker, with the preview when asked for."""
    after = with_tags(profile, change.apply(tags_of(profile)))
    top = int(current_app.config["PREVIEW_TOP"])
    entries = tags.history(db(), profile.id)
    label = functools.partial(occupation_label, engine)
    skill_name = functools.partial(skill_label, engine)
    context: dict[str, Any] = {
        "profile": profile, "change": change, "additions": list(change.add_skills),
        "removed": set(change.remove_skills), "weights": change.weights or {},
        "occ_added": list(change.add_occupations),
        "occ_removed": set(change.remove_occupations),
        "encode_tag": encode_tag, "tag_key": tag_key, "occupation_label": occupation_label,
        "engine": engine, "weight_choices": WEIGHTS, "entries": entries,
        "reason": request.form.get("raison", "") if request.method == "POST" else "",
        "preview": preview(engine, profile, after, top) if show_preview else None,
        "error": error, "claim_code": claim_code, "claim_days": claims.VALIDITY.days,
        "linked": ownership.seeker_of(db(), profile.id) is not None,
        "radius": after.radius_km, "radius_choices": RADIUS_CHOICES,
        "mobility": mobility_choices(engine, after),
        "diffs": {e.id: differences(e.before, e.after, label, skill_name) for e in entries},
        "name": seeker_name(profile), "choices": [], "error_field": None,
        "place": commune_name(engine, profile.place) or place_label(profile.place),
        "rank_note": rank_note, "summary_line": summary_line,
        "read_skills": read_skills(profile), "read_key": read_key, "skill_label": skill_label,
        **extra,
    }
    return render_template("counsellor.html", **context), status

