"""What the stores index for an offer or a profile, and the short texts we embed.

Keyword documents carry everything searchable (long descriptions included); embedding texts are
deliberately short and focused: sentence encoders truncate long inputs (often at 128–512 tokens)
and average over what they keep, so a long description full of company boilerplate would drown
the occupation and skills that matching is about. We keep the title, the appellation, the skill
labels and only the start of the description (where offers state the job), cut at a word
boundary near :data:`EMBEDDING_DESCRIPTION_CHARS` characters.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.models import OccupationTag, Offer, Profile, SkillTag
from indexer.skill_identity import asked_skills, held_skills
from indexer.stores.protocols import IndexedDoc

#: How much of an offer's description goes into its embedding text.
EMBEDDING_DESCRIPTION_CHARS = 600


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty stripped values, first occurrence kept, order preserved."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value.strip():
            seen.setdefault(value.strip(), None)
    return tuple(seen)


def _skill_labels(skills: Iterable[SkillTag]) -> tuple[str, ...]:
    return _unique(s.label for s in skills)


def _skill_codes(skills: Iterable[SkillTag]) -> tuple[str, ...]:
    return _unique(s.code for s in skills)


def _join(parts: Iterable[str | None], sep: str = "\n") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


def _truncate(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"


def concept_ids(occupations: Iterable[OccupationTag], skills: Iterable[SkillTag]
                ) -> tuple[str, ...]:
    """The concept ids of a record's occupations (ROME code, job title, ESCO occupation) and
    skills (ROME code or ESCO URI)."""
    ids: list[str | None] = []
    for occupation in occupations:
        ids.extend([f"rome:{occupation.rome_code}",
                    f"app:{occupation.appellation_code}" if occupation.appellation_code else None,
                    f"esco:{occupation.esco_uri}" if occupation.esco_uri else None])
    ids.extend(f"skill:{tag.code}" for tag in skills if tag.code)
    return _unique(ids)


def concept_text(occupations: Iterable[OccupationTag], skills: Iterable[SkillTag]) -> str:
    """The canonical labels of a record's concepts: occupation and job-title labels (both
    genders), ESCO occupation labels, and the labels of the skills read from its text."""
    labels: list[str | None] = []
    for occupation in occupations:
        labels.extend([occupation.label if occupation.label != occupation.rome_code else None,
                       occupation.appellation_label, occupation.esco_label])
    labels.extend(tag.label for tag in skills if tag.inferred)
    return _join(_unique(labels))


def offer_document(offer: Offer) -> IndexedDoc:
    """The keyword document of an offer: title + appellation as title; description, skill
    labels, qualities and sector as text; its concepts (given and read from its text) as ids
    and labels; codes, contract type, point and date as fields."""
    title = _join(_unique([offer.title, offer.appellation]), sep=" — ")
    text = _join([offer.description, *_skill_labels(offer.skills), *offer.qualities,
                  offer.sector])
    occupations = offer.occupation_tags
    skills = offer.matching_skills
    keys, importance = asked_skills(skills)
    return IndexedDoc(
        id=offer.id,
        title=title,
        text=text,
        rome_codes=tuple(o.rome_code for o in occupations),
        skill_codes=_skill_codes(skills),
        contract_types=_unique([offer.contract_type]),
        location=offer.place.point if offer.place else None,
        created_at=offer.created_at,
        occupation_weights=tuple(o.confidence for o in occupations),
        concepts=concept_ids(occupations, skills),
        concept_text=concept_text(occupations, skills),
        skill_keys=keys,
        skill_key_weights=importance,
    )


def profile_document(profile: Profile) -> IndexedDoc:
    """The keyword document of a profile: wanted titles as title; summary and skill labels as
    text; its concepts as ids and labels; target occupations, skill codes, wished contracts and
    home point as fields."""
    occupations = profile.occupation_tags
    skills = profile.matching_skills
    keys, weights = held_skills(skills)
    return IndexedDoc(
        id=profile.id,
        title=_join(_unique(profile.titles), sep=" — "),
        text=_join([profile.summary, *_skill_labels(profile.skills)]),
        rome_codes=tuple(o.rome_code for o in occupations),
        skill_codes=_skill_codes(skills),
        occupation_weights=tuple(o.confidence for o in occupations),
        concepts=concept_ids(occupations, skills),
        concept_text=concept_text(occupations, skills),
        contract_types=_unique(profile.contract_types),
        location=profile.place.point if profile.place else None,
        created_at=None,
        skill_keys=keys,
        skill_key_weights=weights,
    )


def offer_embedding_text(offer: Offer) -> str:
    """Short text to embed for an offer: title, appellation, skill labels, then the first
    ~600 characters of the description (see the module docstring for why)."""
    skills = _skill_labels(offer.skills)
    return _join([
        _join(_unique([offer.title, offer.appellation]), sep=" — "),
        "Compétences : " + ", ".join(skills) if skills else None,
        _truncate(offer.description, EMBEDDING_DESCRIPTION_CHARS),
    ])


def profile_embedding_text(profile: Profile) -> str:
    """Short text to embed for a profile: wanted titles, skill labels, then the summary."""
    skills = _skill_labels(profile.skills)
    return _join([
        _join(_unique(profile.titles), sep=" — "),
        "Compétences : " + ", ".join(skills) if skills else None,
        _truncate(profile.summary, EMBEDDING_DESCRIPTION_CHARS),
    ])
