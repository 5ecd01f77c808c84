"""Turning what a user typed into engine inputs: communes, skill tags, seeker queries."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from indexer.models import SkillTag
from matcher.engine import Engine, SeekerQuery
from webapp.params import (
    BadParameter,
    contract_param,
    float_param,
    split_list,
    text_param,
)

INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)
SKILL_MATCH_THRESHOLD = 0.85
MAX_RADIUS_KM = 1000.0


def resolve_commune(engine: Engine, text: str, name: str = "commune") -> str | None:
    """An INSEE code from a code or a commune name ('' → None); unknown → 400 naming ``name``."""
    text = text.strip()
    if not text:
        return None
    if INSEE_CODE.match(text):
        commune = engine.gazetteer.commune(text.upper())
        if commune is not None:
            return commune.code
    else:
        found = engine.gazetteer.search(text, limit=1)
        if found:
            return found[0].code
    raise BadParameter(name, f"commune inconnue {text[:40]!r}")


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
    ``commune``, ``radius``, ``contract``. Raises :class:`BadParameter` on a bad value."""
    return SeekerQuery(
        text=text_param(args, "text"),
        titles=split_list(text_param(args, "titles")),
        skills=resolve_skills(engine, split_list(text_param(args, "skills", 2000))),
        commune=resolve_commune(engine, text_param(args, "commune")),
        radius_km=float_param(args, "radius", 0.0, MAX_RADIUS_KM),
        contract_types=contract_param(args),
    )


def is_empty(query: SeekerQuery) -> bool:
    """True when the query has nothing to search for (no text, titles, skills or commune)."""
    return not (query.text or query.titles or query.skills or query.commune)


OCCUPATION_KINDS = ("occupation", "appellation", "esco_occupation")


def resolve_occupation(engine: Engine, text: str, code: str | None = None) -> str | None:
    """A ROME occupation code from a code (ROME, appellation) or the closest label, else None."""
    taxonomy = engine.taxonomy
    if code and code in taxonomy.occupations:
        return code
    if code and code in taxonomy.appellations:
        return taxonomy.appellations[code].rome_code
    for match in taxonomy.search(text.strip(), kinds=OCCUPATION_KINDS, limit=3):
        rome = match.code if match.kind == "occupation" else match.rome_code
        if rome and rome in taxonomy.occupations and match.score >= SKILL_MATCH_THRESHOLD:
            return rome
    return None
