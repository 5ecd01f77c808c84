"""Turning what a user typed into engine inputs: communes, skill tags, seeker queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.models import SkillTag
from matcher.engine import Engine, SeekerQuery
from webapp import names
from webapp.params import (
    contract_param,
    float_param,
    split_list,
    text_param,
)

SKILL_MATCH_THRESHOLD = 0.85
MAX_RADIUS_KM = 1000.0


def resolve_commune(engine: Engine, text: str, name: str = "commune",
                    code: str | None = None) -> str | None:
    """The INSEE code of the commune a user chose (see :func:`webapp.names.resolve_commune`:
    a code, or a name only one commune bears; the autocomplete's ``code``); '' → None. An
    unknown or shared name is a :class:`~webapp.names.NameNotResolved` (400) naming ``name``
    with the communes it may mean: never a silent guess. (An unknown INSEE code is a 400
    here too: in a search it is a bad criterion, not a missing resource.)"""
    try:
        commune = names.resolve_commune(engine.gazetteer, text, code, name)
    except names.UnknownCode as error:
        raise names.NameNotResolved(name, error.text, names.COMMUNE_WORDS, []) from None
    return commune.code if commune is not None else None


def resolve_skill(engine: Engine, text: str, code: str | None = None,
                  source: str | None = None) -> SkillTag:
    """A skill tag from a taxonomy code, else the best close label match, else free text."""
    if code and code in engine.taxonomy.items:
        return SkillTag(code=code, label=engine.taxonomy.items[code].label, source=source)
    if code and code in engine.taxonomy.esco_skills:
        return SkillTag(code=code, label=engine.taxonomy.esco_skills[code].preferred_label,
                        source=source)
    text = text.strip()
    for match in engine.taxonomy.search(text, kinds=("item",), limit=1):
        if match.score >= SKILL_MATCH_THRESHOLD:
            return SkillTag(code=match.code, label=match.label, source=source)
    return SkillTag(label=text, source=source)


def resolve_skills(engine: Engine, texts: Sequence[str]) -> tuple[SkillTag, ...]:
    """Skill tags for free-text skills, one per non-empty text."""
    return tuple(resolve_skill(engine, text) for text in texts if text.strip())


def seeker_query(engine: Engine, args: Mapping[str, str]) -> SeekerQuery:
    """A ``SeekerQuery`` from request parameters: ``text``, ``titles``, ``skills``,
    ``commune`` (a name, a postcode or an INSEE code; ``commune_code`` is the code the
    autocomplete picked), ``radius``, ``contract`` (repeated or comma-separated). Raises
    :class:`BadParameter` on a bad value."""
    return SeekerQuery(
        text=text_param(args, "text"),
        titles=split_list(text_param(args, "titles")),
        skills=resolve_skills(engine, split_list(text_param(args, "skills", 2000))),
        commune=resolve_commune(engine, text_param(args, "commune"),
                                code=text_param(args, "commune_code", 10) or None),
        radius_km=float_param(args, "radius", 0.0, MAX_RADIUS_KM),
        contract_types=contract_param(args),
    )


def is_empty(query: SeekerQuery) -> bool:
    """True when the query has nothing to search for (no text, titles, skills or commune)."""
    return not (query.text or query.titles or query.skills or query.commune)


def resolve_occupation(engine: Engine, text: str, code: str | None = None,
                       name: str = "metier") -> str | None:
    """The ROME code of the occupation a user chose (see
    :func:`webapp.names.resolve_occupation`); '' → None; an unknown or shared name is a
    :class:`~webapp.names.NameNotResolved` (400) with the occupations it may mean."""
    choice = names.resolve_occupation(engine.taxonomy, text, code, name)
    return choice.code if choice is not None else None
