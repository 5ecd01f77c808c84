"""Widening a seeker's search through the taxonomy: neighbouring occupations, with reasons."""

from __future__ import annotations

from dataclasses import dataclass, replace

from indexer.stores.protocols import KeywordQuery
from matcher.queries import MatchQuery
from skills_taxonomy import Taxonomy

SAME_PARENT_WEIGHT = 0.7
MOBILITY_WEIGHT = 0.5
MAX_MOBILITY_TARGETS = 5


@dataclass(frozen=True, slots=True)
class Expansion:
    """An occupation added to a search, how much it counts and why."""

    code: str
    weight: float
    reason: str


def expansions_for(occupations: tuple[str, ...], taxonomy: Taxonomy) -> list[Expansion]:
    """Occupations sharing a parent sheet, then the best ROME mobility targets, deduplicated,
    never one already targeted."""
    seen = set(occupations)
    found: list[Expansion] = []
    for code in occupations:
        if code not in taxonomy.occupations:
            continue
        for sibling in taxonomy.related_occupations(code):
            if sibling not in seen:
                seen.add(sibling)
                found.append(Expansion(sibling, SAME_PARENT_WEIGHT,
                                       f"même fiche parente que {code}"))
        for target, _rank in taxonomy.mobility_targets(code)[:MAX_MOBILITY_TARGETS]:
            if target not in seen:
                seen.add(target)
                found.append(Expansion(target, MOBILITY_WEIGHT, f"mobilité ROME depuis {code}"))
    return found


def widen(query: MatchQuery, taxonomy: Taxonomy) -> MatchQuery:
    """The same query, also looking for the neighbouring occupations' titles and codes."""
    extra = expansions_for(query.occupations, taxonomy)
    if not extra:
        return query
    labels = tuple(taxonomy.occupations[e.code].label for e in extra)
    keyword = KeywordQuery(
        text=query.keyword.text,
        titles=(*query.keyword.titles, *labels),
        rome_codes=(*query.keyword.rome_codes, *(e.code for e in extra)),
        skill_codes=query.keyword.skill_codes,
    )
    reasons = {e.code: f"{taxonomy.occupations[e.code].label} — {e.reason}" for e in extra}
    return replace(query, keyword=keyword, expansions=reasons)
