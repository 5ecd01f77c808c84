"""The counsellor page: edit a seeker's skill tags in the form and preview the effect.

Nothing is saved: pending additions and removals travel in the form itself (checkboxes), and
"Prévisualiser" shows the offers before and after the edit side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, current_app, render_template, request

from indexer.models import Profile, SkillTag
from matcher.engine import Engine
from webapp.engine_ext import get_engine
from webapp.queries import resolve_skill
from webapp.summaries import offer_results

bp = Blueprint("counsellor", __name__)

SOURCE = "conseiller"
ACTION_PREVIEW = "previsualiser"


def encode_tag(tag: SkillTag) -> str:
    """A pending addition as a checkbox value: ``code|label`` (code may be empty)."""
    return f"{tag.code or ''}|{tag.label}"


def decode_tags(values: Iterable[str]) -> list[SkillTag]:
    """Pending additions back from their checkbox values; malformed values are dropped."""
    tags: list[SkillTag] = []
    for value in values:
        code, separator, label = value.partition("|")
        if separator and label.strip():
            tags.append(SkillTag(code=code or None, label=label.strip(), source=SOURCE))
    return tags


def tag_key(tag: SkillTag) -> str:
    """What identifies a tag for removal: its code, else its label."""
    return tag.code or tag.label


def _with_new_tag(engine: Engine, additions: list[SkillTag], text: str,
                  code: str | None) -> list[SkillTag]:
    """The pending additions plus the typed skill (resolved in the taxonomy), without doubles."""
    if not text.strip():
        return additions
    tag = resolve_skill(engine, text, code=code or None, source=SOURCE)
    if any(tag_key(existing) == tag_key(tag) for existing in additions):
        return additions
    return [*additions, tag]


@bp.get("/conseiller")
def open_profile() -> tuple[str, int]:
    """The search-by-id form, and the seeker's tags when ``profil`` is given."""
    engine = get_engine()
    profile_id = request.args.get("profil", "").strip()
    if not profile_id:
        return render_template("counsellor.html", profile=None, profile_id=""), 200
    return _render(engine, profile_id, additions=[], removed=[], preview=False)


@bp.post("/conseiller")
def edit_profile() -> tuple[str, int]:
    """Add a tag to the pending edits, or preview the offers before and after them."""
    engine = get_engine()
    form = request.form
    additions = _with_new_tag(engine, decode_tags(form.getlist("add")),
                              form.get("nouvelle", ""), form.get("nouvelle_code"))
    return _render(engine, form.get("profil", "").strip(), additions=additions,
                   removed=form.getlist("remove"),
                   preview=form.get("action") == ACTION_PREVIEW)


def _render(engine: Engine, profile_id: str, additions: Sequence[SkillTag],
            removed: Sequence[str], preview: bool) -> tuple[str, int]:
    """The counsellor page for one seeker, with the preview when asked for."""
    profile = engine.profiles.get(profile_id)
    if profile is None:
        return render_template("counsellor.html", profile=None, profile_id=profile_id,
                               error=f"Profil inconnu : {profile_id}"), 404
    context: dict[str, Any] = {
        "profile": profile, "profile_id": profile_id, "additions": list(additions),
        "removed": set(removed), "encode_tag": encode_tag, "tag_key": tag_key,
        "preview": _preview(engine, profile, additions, removed) if preview else None,
    }
    return render_template("counsellor.html", **context), 200


def _preview(engine: Engine, profile: Profile, additions: Sequence[SkillTag],
             removed: Sequence[str]) -> dict[str, Any]:
    """Offers before and after the edit, with the ids that enter and leave."""
    top = int(current_app.config["PREVIEW_TOP"])
    result = engine.preview_tags(profile, add=additions, remove=removed, top_k=top)
    entered, left = set(result.entered), set(result.left)
    before = offer_results(engine, result.before)
    after = offer_results(engine, result.after)
    return {
        "before": before,
        "after": after,
        "entered": [row for row in after if row[0].id in entered],
        "left": [row for row in before if row[0].id in left],
        "entered_ids": entered,
        "left_ids": left,
    }
