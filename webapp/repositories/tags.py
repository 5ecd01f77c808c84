"""Counsellors' tag edits: the seeker's current tags, the audit log, saving and undoing.

Tags are a small JSON value, ``{"skills": [{"code", "label", "weight", "source"}],
"rome_codes": [...], "radius_km": float | null, "contract_types": [...]}`` (the last two, the
seeker's search wishes, are absent from entries written before they could be edited: an
absent key means "unchanged"), and ``"rejected": [...]`` when a counsellor rejected skills
read from the seeker's summary. A seeker editing their own wishes from their results page is
recorded the same way, as an entry they wrote. Saving writes the profile with its new tags
into the index (through :meth:`matcher.engine.Engine.apply_tags`), records a
:class:`~webapp.models.TagEdit` (who, when, before, after, reason) and keeps the tags in
:class:`~webapp.models.ProfileOverride`, re-applied after a re-indexing. The database commit
happens when the new index generation is ready and before it goes live, so the two change
together or not at all; when another writer holds the index too long,
:class:`~indexer.catalog.IndexBusyError` and nothing changed.
Undoing an entry reverts exactly its changes on top of the current tags, as a new entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.models import Profile, SkillTag
from matcher import engine as engine_module
from matcher.engine import Engine
from webapp.models import ProfileOverride, TagEdit, User, utc_now

Tags = dict[str, Any]
COUNSELLOR_SOURCE = "conseiller"


class TagEditError(ValueError):
    """A tag edit that cannot be applied (the message is for the user)."""


def tag_key(tag: SkillTag | dict[str, Any]) -> str:
    """What identifies a skill tag: its code, else its label."""
    if isinstance(tag, SkillTag):
        return tag.code or tag.label
    return str(tag.get("code") or tag.get("label"))


WISH_KEYS = ("radius_km", "contract_types")


def tags_of(profile: Profile) -> Tags:
    """A profile's tags as JSON: skills, target occupations, search wishes and
    (``rejected``, only when there are some) the skills read from its summary that a
    counsellor rejected."""
    tags: Tags = {"skills": [{"code": s.code, "label": s.label, "weight": s.weight,
                              "source": s.source} for s in profile.skills],
                  "rome_codes": list(profile.rome_codes),
                  "radius_km": profile.radius_km,
                  "contract_types": list(profile.contract_types)}
    if profile.rejected_skills:
        tags["rejected"] = list(profile.rejected_skills)
    return tags


def skills_of(tags: Tags) -> list[SkillTag]:
    """The skill tags of a tags value."""
    return [SkillTag(code=s.get("code"), label=s["label"], weight=float(s.get("weight", 1.0)),
                     source=s.get("source")) for s in tags.get("skills", [])]


def with_tags(profile: Profile, tags: Tags) -> Profile:
    """``profile`` carrying ``tags`` instead of its own skills, occupations and rejected read
    skills (and wishes, when ``tags`` has them)."""
    return engine_module.with_tags(with_wishes(profile, tags), skills_of(tags),
                                   tags.get("rome_codes", []), tags.get("rejected", []))


def with_wishes(profile: Profile, tags: Tags) -> Profile:
    """``profile`` with the search wishes of ``tags`` (radius, contract types) when present."""
    update = {key: tags[key] for key in WISH_KEYS if key in tags}
    if "contract_types" in update:
        update["contract_types"] = list(update["contract_types"] or [])
    return profile.model_copy(update=update) if update else profile


def same_tags(profile: Profile, tags: Tags) -> bool:
    """True when the profile already carries ``tags`` (wish keys absent from ``tags``
    ignored; an absent ``rejected`` is none)."""
    current = tags_of(profile)
    wanted = {"rejected": [], **tags}
    return all(current.get(key, []) == value for key, value in wanted.items())


@dataclass(frozen=True, slots=True)
class TagChange:
    """A counsellor's edit as typed in the form."""

    add_skills: Sequence[SkillTag] = ()
    remove_skills: Sequence[str] = ()
    weights: dict[str, float] | None = None
    add_occupations: Sequence[str] = ()
    remove_occupations: Sequence[str] = ()
    wishes: dict[str, Any] | None = None
    """New search wishes (``radius_km``, ``contract_types``); absent keys are unchanged."""
    reject_read: Sequence[str] = ()
    """Skills read from the summary (by code, else label) the counsellor rejects; accepting
    one is adding it (``add_skills``)."""
    restore_read: Sequence[str] = ()
    """Rejected read skills the counsellor lets be read again."""

    def apply(self, tags: Tags) -> Tags:
        """The tags after this change."""
        removed, weights = set(self.remove_skills), self.weights or {}
        skills = [dict(s, weight=weights.get(tag_key(s), s.get("weight", 1.0)))
                  for s in tags["skills"] if tag_key(s) not in removed]
        keys = {tag_key(s) for s in skills}
        for tag in self.add_skills:
            if tag_key(tag) not in keys:
                keys.add(tag_key(tag))
                skills.append({"code": tag.code, "label": tag.label,
                               "weight": weights.get(tag_key(tag), tag.weight),
                               "source": COUNSELLOR_SOURCE})
        codes = [c for c in tags["rome_codes"] if c not in set(self.remove_occupations)]
        codes += [c for c in dict.fromkeys(self.add_occupations) if c not in codes]
        rejected = [k for k in tags.get("rejected", []) if k not in set(self.restore_read)]
        rejected += [k for k in dict.fromkeys(self.reject_read) if k not in rejected]
        kept = {key: tags[key] for key in WISH_KEYS if key in tags}
        result: Tags = {"skills": skills, "rome_codes": codes, **kept, **(self.wishes or {})}
        if rejected:
            result["rejected"] = rejected
        return result


def inverse(entry: TagEdit, current: Tags) -> Tags:
    """``current`` with the changes of ``entry`` reverted (later edits are kept)."""
    before = {tag_key(s): s for s in entry.before["skills"]}
    after = {tag_key(s): s for s in entry.after["skills"]}
    skills = []
    for skill in current["skills"]:
        key = tag_key(skill)
        if key in after and key not in before:
            continue  # added by the entry
        if key in after and key in before and after[key].get("weight") != before[key].get(
                "weight"):
            skill = dict(skill, weight=before[key].get("weight", 1.0))
        skills.append(skill)
    keys = {tag_key(s) for s in skills}
    skills += [s for key, s in before.items() if key not in after and key not in keys]
    added = set(entry.after["rome_codes"]) - set(entry.before["rome_codes"])
    removed = [c for c in entry.before["rome_codes"] if c not in entry.after["rome_codes"]]
    codes = [c for c in current["rome_codes"] if c not in added]
    codes += [c for c in removed if c not in codes]
    wishes = {key: current[key] for key in WISH_KEYS if key in current}
    for key in WISH_KEYS:
        if key in entry.before and key in entry.after and entry.before[key] != entry.after[key]:
            wishes[key] = entry.before[key]
    result: Tags = {"skills": skills, "rome_codes": codes, **wishes}
    was, now = entry.before.get("rejected", []), entry.after.get("rejected", [])
    rejected = [k for k in current.get("rejected", []) if k in was or k not in now]
    rejected += [k for k in was if k not in now and k not in rejected]
    if rejected:
        result["rejected"] = rejected
    return result


def history(session: Session, profile_id: str) -> Sequence[TagEdit]:
    """A profile's audit entries, newest first."""
    return session.scalars(select(TagEdit).where(TagEdit.profile_id == profile_id)
                           .order_by(TagEdit.id.desc())).all()


def entry_for(session: Session, entry_id: int, profile_id: str) -> TagEdit | None:
    """An audit entry of ``profile_id``, else None."""
    entry = session.get(TagEdit, entry_id)
    return entry if entry is not None and entry.profile_id == profile_id else None


def save(session: Session, engine: Engine, author: User, profile: Profile, new_tags: Tags,
         reason: str, undo_of: TagEdit | None = None, *, lock_wait_s: float = 0.0) -> TagEdit:
    """Record the edit, write the profile into the index and commit; return the entry."""
    reason = reason.strip()
    if not reason:
        raise TagEditError("Indiquez la raison de la modification.")
    before = tags_of(profile)
    if _comparable(before) == _comparable(new_tags):
        raise TagEditError("Aucune modification à enregistrer.")
    entry = TagEdit(profile_id=profile.id, author_id=author.id, author_name=author.display_name,
                    before=before, after=new_tags, reason=reason[:2000],
                    undo_of_id=undo_of.id if undo_of else None)
    session.add(entry)
    session.flush()
    if undo_of is not None:
        undo_of.undone_by_id = entry.id
    session.merge(ProfileOverride(profile_id=profile.id, tags=new_tags, updated_at=utc_now()))
    try:
        engine.apply_tags(with_wishes(profile, new_tags), skills_of(new_tags),
                          new_tags.get("rome_codes", []), new_tags.get("rejected", []),
                          lock_wait_s=lock_wait_s,
                          before_publish=session.commit)
    except BaseException:
        session.rollback()
        raise
    return entry


def undo(session: Session, engine: Engine, author: User, profile: Profile,
         entry: TagEdit, *, lock_wait_s: float = 0.0) -> TagEdit:
    """Revert ``entry`` on top of the current tags, as a new entry."""
    if entry.undone_by_id is not None:
        raise TagEditError(f"La modification n° {entry.id} a déjà été annulée.")
    return save(session, engine, author, profile, inverse(entry, tags_of(profile)),
                f"Annulation de la modification n° {entry.id}", undo_of=entry,
                lock_wait_s=lock_wait_s)


def changed_by(entries: Sequence[TagEdit]) -> dict[str, TagEdit]:
    """For each skill key, the latest entry still in force that added or re-weighted it."""
    undone = {e.id for e in entries if e.undone_by_id is not None}
    result: dict[str, TagEdit] = {}
    for entry in entries:  # newest first
        if entry.id in undone:
            continue
        before = {tag_key(s): s.get("weight") for s in entry.before["skills"]}
        for skill in entry.after["skills"]:
            key = tag_key(skill)
            if key not in result and (key not in before or before[key] != skill.get("weight")):
                result[key] = entry
    return result


def overrides(session: Session) -> Sequence[ProfileOverride]:
    """Every profile's counsellor-edited tags."""
    return session.scalars(select(ProfileOverride)).all()


def forget_profile(session: Session, profile_id: str) -> None:
    """Delete a profile's audit entries and override (account erasure)."""
    for entry in history(session, profile_id):
        entry.undone_by_id = None
        entry.undo_of_id = None
    session.flush()
    for entry in history(session, profile_id):
        session.delete(entry)
    override = session.get(ProfileOverride, profile_id)
    if override is not None:
        session.delete(override)


def _comparable(tags: Tags) -> tuple[Any, ...]:
    return (tuple((tag_key(s), float(s.get("weight", 1.0))) for s in tags["skills"]),
            tuple(tags["rome_codes"]), tags.get("radius_km"),
            tuple(tags.get("contract_types") or ()), tuple(tags.get("rejected") or ()))
