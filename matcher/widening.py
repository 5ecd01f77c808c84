"""Widening a seeker's search through the taxonomy, each expansion with a weight and a reason.

Four kinds of expansion, from the seeker's target occupations:

- ``synonym``: the other job titles (appellations) of a target occupation — same job, other
  words (weight 1);
- ``parent``: occupations of the same parent sheet (weight 0.7);
- ``mobility``: the best ROME mobility targets (weight 0.5);
- ``skill``: the core skills ("cœur de métier") of a target occupation (weight 0.5).

:func:`widen` adds their titles, codes and skill codes to the keyword query and remembers
each expansion, so :func:`trace_expansions` can say which results entered through which one.
The feature weights of the score do not change: an offer of a mobility target still scores
its occupation proximity (0.5), not 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from indexer.models import Offer
from matcher.queries import MatchQuery
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import fold

SYNONYM_WEIGHT = 1.0
SAME_PARENT_WEIGHT = 0.7
MOBILITY_WEIGHT = 0.5
CORE_SKILL_WEIGHT = 0.5
MAX_MOBILITY_TARGETS = 5
MAX_SYNONYMS = 12
MAX_CORE_SKILLS = 8


@dataclass(frozen=True, slots=True)
class Expansion:
    """Something added to a search — an occupation code, a job title or a skill code — of
    which ``kind``, how much it counts and why."""

    code: str
    weight: float
    reason: str
    kind: str = "occupation"
    label: str = ""


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
                                       f"même fiche parente que {code}", "parent",
                                       taxonomy.occupations[sibling].label))
        for target, _rank in taxonomy.mobility_targets(code)[:MAX_MOBILITY_TARGETS]:
            if target not in seen:
                seen.add(target)
                found.append(Expansion(target, MOBILITY_WEIGHT, f"mobilité ROME depuis {code}",
                                       "mobility", taxonomy.occupations[target].label))
    return found


def synonym_expansions(occupations: Sequence[str], taxonomy: Taxonomy,
                       known_titles: Sequence[str]) -> list[Expansion]:
    """The job titles of each target occupation not already in the query (masculine form,
    the keyword store folds gender), at most ``MAX_SYNONYMS`` per occupation."""
    seen = {fold(t, taxonomy.feminine_to_masculine) for t in known_titles}
    found: list[Expansion] = []
    for code in occupations:
        if code not in taxonomy.occupations:
            continue
        added = 0
        for app in taxonomy.appellations_of(code):
            title = app.forms[0] if app.forms else app.label
            key = fold(title, taxonomy.feminine_to_masculine)
            if key in seen or added >= MAX_SYNONYMS:
                continue
            seen.add(key)
            added += 1
            found.append(Expansion(key, SYNONYM_WEIGHT, f"appellation de {code}", "synonym",
                                   title))
    return found


def core_skill_expansions(occupations: Sequence[str], taxonomy: Taxonomy,
                          known_codes: Sequence[str]) -> list[Expansion]:
    """The core skills of each target occupation not already asked for."""
    seen = set(known_codes)
    found: list[Expansion] = []
    for code in occupations:
        if code not in taxonomy.occupations:
            continue
        core = [link.item for link in taxonomy.items_of(code, core_only=True)]
        for item in core[:MAX_CORE_SKILLS]:
            if item.code not in seen:
                seen.add(item.code)
                found.append(Expansion(item.code, CORE_SKILL_WEIGHT,
                                       f"compétence clé de {code}", "skill", item.label))
    return found


def widen(query: MatchQuery, taxonomy: Taxonomy) -> MatchQuery:
    """The same query, also looking for the neighbouring occupations' titles and codes, the
    target occupations' other job titles and their core skills."""
    occupations = expansions_for(query.occupations, taxonomy)
    synonyms = synonym_expansions(query.occupations, taxonomy, query.keyword.titles)
    skills = core_skill_expansions(query.occupations, taxonomy, query.keyword.skill_codes)
    if not (occupations or synonyms or skills):
        return query
    keyword = replace(
        query.keyword,
        titles=(*query.keyword.titles, *(e.label for e in occupations),
                *(e.label for e in synonyms)),
        rome_codes=(*query.keyword.rome_codes, *(e.code for e in occupations)),
        skill_codes=(*query.keyword.skill_codes, *(e.code for e in skills)),
    )
    reasons = {f"{e.kind}:{e.code}": f"{e.label} — {e.reason} (poids {e.weight:g})"
               for e in (*occupations, *synonyms, *skills)}
    return replace(query, keyword=keyword, expansions=reasons)


def trace_expansions(query: MatchQuery, offer: Offer,
                     seeker_occupations: Sequence[str]) -> tuple[str, ...]:
    """The reasons of the expansions that explain why ``offer`` was found: its occupation is
    a neighbour (not a target), its title is a synonym, or it asks for a core skill."""
    if not query.expansions:
        return ()
    reasons: list[str] = []
    code = offer.rome_code
    if code and code not in seeker_occupations:
        for kind in ("parent", "mobility"):
            reason = query.expansions.get(f"{kind}:{code}")
            if reason:
                reasons.append(reason)
    for title in (offer.appellation, offer.title):
        if title:
            reason = query.expansions.get(f"synonym:{_title_key(title)}")
            if reason and reason not in reasons:
                reasons.append(reason)
    for skill in offer.skills:
        reason = query.expansions.get(f"skill:{skill.code}") if skill.code else None
        if reason and reason not in reasons:
            reasons.append(reason)
    return tuple(reasons)


def _title_key(title: str) -> str:
    # Offer titles are folded without the taxonomy table here; the masculine form of a
    # ROME title folds to the same key either way.
    return fold(title)
