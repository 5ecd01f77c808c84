"""Turning a seeker or an offer into what the stores are asked: texts, codes, concepts and
filters.

A seeker's free text (titles, summary) is made gender-neutral before it reaches the stores
(:class:`skills_taxonomy.gender.GenderNeutraliser`) and their personal data is dropped, so the
query of "Vendeuse" and of "Vendeur", or of two people who differ only by name, age, sex or
nationality, is the same query. Both sides are read into the same concept space: a record's
occupations (given, or read from its title and text) and its skills (listed, or read from its
text) make the concept part of the query (:class:`ConceptQuery`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from indexer.documents import concept_ids, offer_embedding_text, profile_embedding_text
from indexer.models import Offer, Profile, SkillTag
from indexer.settings import MatchingSettings
from indexer.skill_identity import skill_importance
from indexer.stores.protocols import Filters, GeoFilter, KeywordQuery
from matcher.features import MOBILITY_VALUE, SAME_PARENT_VALUE, occupation_weights
from skills_taxonomy import Taxonomy
from skills_taxonomy.gender import neutraliser_for
from skills_taxonomy.normaliser import Normaliser

TITLE_CONFIDENCE = 0.85
MAX_MOBILITY_TARGETS = 5


@dataclass(frozen=True, slots=True)
class ConceptQuery:
    """What the concept channel looks for: occupations (the asking side's, their parent
    family and mobility targets, each weighted by relation × confidence) and skills (weighted
    by importance)."""

    occupations: Mapping[str, float] = field(default_factory=dict)
    skills: Mapping[str, float] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when there is nothing to look for."""
        return not (self.occupations or self.skills)


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """Everything one retrieval needs: the keyword query, the text to embed, the concepts, the
    filters and the occupations the asking side targets (for the proximity feature), with the
    confidence of each (1 for a ROME code the record carries, the reading's otherwise)."""

    keyword: KeywordQuery
    embedding_text: str
    filters: Filters
    occupations: tuple[str, ...]
    expansions: dict[str, str]
    occupation_confidence: dict[str, float] = field(default_factory=dict)
    concepts: ConceptQuery = field(default_factory=ConceptQuery)


def neutral_profile(profile: Profile, taxonomy: Taxonomy) -> Profile:
    """The profile as the matcher sees it: gender-neutral titles and summary, no personal
    data (name, contact, birth year, sex, nationality never reach a feature or a store)."""
    neutral = neutraliser_for(taxonomy).neutral
    return profile.model_copy(update={
        "titles": list(dict.fromkeys(neutral(t) for t in profile.titles)),
        "summary": neutral(profile.summary),
        "personal": None,
    })


def profile_index_text(taxonomy: Taxonomy) -> Callable[[Profile], str]:
    """The text embedded for a stored profile: that of :func:`neutral_profile`, so a seeker's
    stored vector, like their query, does not depend on the gender of their wording (an
    employer's candidate ranking uses it)."""
    return lambda profile: profile_embedding_text(neutral_profile(profile, taxonomy))


def seeker_targets(profile: Profile, taxonomy: Taxonomy, normaliser: Normaliser | None = None,
                   settings: MatchingSettings | None = None) -> dict[str, float]:
    """The seeker's target occupations with a confidence, best first: those indexing read
    (given codes at 1, else those of their titles); for a profile never read, its ROME codes,
    else what its free-text titles normalise to."""
    if profile.concepts is not None and profile.concepts.occupations:
        targets = occupation_weights(profile.concepts.occupations)
        return dict(sorted(targets.items(), key=lambda item: (-item[1], item[0])))
    if profile.rome_codes:
        return dict.fromkeys(profile.rome_codes, 1.0)
    settings = settings or MatchingSettings()
    found: dict[str, float] = {}
    for title in profile.titles:
        for code, confidence in _title_codes(title, taxonomy, normaliser, settings):
            found[code] = max(found.get(code, 0.0), confidence)
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _title_codes(title: str, taxonomy: Taxonomy, normaliser: Normaliser | None,
                 settings: MatchingSettings) -> list[tuple[str, float]]:
    if normaliser is None:
        return [(m.rome_code, m.score) for m in taxonomy.normalise_title(title, limit=1)
                if m.score >= TITLE_CONFIDENCE and m.rome_code]
    matches = normaliser.best_codes(title, settings.title_max_occupations,
                                    settings.title_min_confidence,
                                    settings.title_relative_confidence)
    return [(m.rome_code, m.confidence) for m in matches]


def seeker_occupations(profile: Profile, taxonomy: Taxonomy,
                       normaliser: Normaliser | None = None,
                       settings: MatchingSettings | None = None) -> tuple[str, ...]:
    """The seeker's target ROME codes, most confident first (:func:`seeker_targets`)."""
    return tuple(seeker_targets(profile, taxonomy, normaliser, settings))


def concept_query(occupations: Mapping[str, float], skills: Sequence[SkillTag],
                  taxonomy: Taxonomy) -> ConceptQuery:
    """The concepts to look for: each occupation at its confidence, its parent family at
    0.7 ×, its best ROME mobility targets at 0.5 × (the occupation feature's values), and the
    skills at their importance."""
    weights: dict[str, float] = {}

    def offer_code(code: str, weight: float) -> None:
        if weight > weights.get(code, 0.0):
            weights[code] = weight

    for code, confidence in occupations.items():
        offer_code(code, confidence)
        if code not in taxonomy.occupations:
            continue
        for sibling in taxonomy.children_of(taxonomy.parent_of(code)):
            offer_code(sibling, SAME_PARENT_VALUE * confidence)
        for target, _ in taxonomy.mobility_targets(code)[:MAX_MOBILITY_TARGETS]:
            offer_code(target, MOBILITY_VALUE * confidence)
    skill_weights: dict[str, float] = {}
    for tag in skills:
        if tag.code:
            skill_weights[tag.code] = max(skill_weights.get(tag.code, 0.0),
                                          skill_importance(tag))
    return ConceptQuery(weights, skill_weights)


def query_for_profile(profile: Profile, taxonomy: Taxonomy,
                      default_radius_km: float | None = None,
                      normaliser: Normaliser | None = None,
                      settings: MatchingSettings | None = None) -> MatchQuery:
    """Offers for a seeker: their titles and skills, filtered by their place and contracts."""
    profile = neutral_profile(profile, taxonomy)
    settings = settings or MatchingSettings()
    targets = seeker_targets(profile, taxonomy, normaliser, settings)
    occupations = tuple(targets)
    skills = profile.matching_skills
    titles = (*profile.titles, *(taxonomy.occupations[c].label for c in occupations
                                 if c in taxonomy.occupations))
    keyword = KeywordQuery(
        text=" ".join([*profile.titles, *(s.label for s in profile.skills), profile.summary]),
        titles=tuple(dict.fromkeys(titles)),
        rome_codes=occupations,
        skill_codes=tuple(dict.fromkeys(s.code for s in skills if s.code)),
        concepts=concept_ids(profile.occupation_tags, skills),
        max_text_terms=settings.keyword_max_terms or None,
    )
    return MatchQuery(keyword, profile_embedding_text(profile),
                      profile_filters(profile, default_radius_km), occupations, {}, targets,
                      concept_query(targets, skills, taxonomy))


def profile_filters(profile: Profile, default_radius_km: float | None = None) -> Filters:
    """The seeker's hard wishes: within their radius, of the contract types they accept."""
    radius = profile.radius_km or default_radius_km
    point = profile.place.point if profile.place else None
    geo = GeoFilter(point, radius) if point is not None and radius else None
    return Filters(geo=geo, contract_types=frozenset(profile.contract_types))


def query_for_offer(offer: Offer, candidate_radius_km: float | None,
                    taxonomy: Taxonomy | None = None,
                    settings: MatchingSettings | None = None) -> MatchQuery:
    """Candidates for an offer: its title and skills, seekers near its place."""
    settings = settings or MatchingSettings()
    targets = occupation_weights(offer.occupation_tags)
    occupations = tuple(targets)
    skills = offer.matching_skills
    keyword = KeywordQuery(
        text=" ".join([offer.title, *(s.label for s in offer.skills)]),
        titles=tuple(dict.fromkeys(t for t in (offer.title, offer.appellation,
                                                offer.rome_label) if t)),
        rome_codes=occupations,
        skill_codes=tuple(dict.fromkeys(s.code for s in skills if s.code)),
        concepts=concept_ids(offer.occupation_tags, skills),
        max_text_terms=settings.keyword_max_terms or None,
    )
    point = offer.place.point if offer.place else None
    geo = GeoFilter(point, candidate_radius_km) if point is not None and candidate_radius_km \
        else None
    concepts = concept_query(targets, skills, taxonomy) if taxonomy is not None \
        else ConceptQuery()
    return MatchQuery(keyword, offer_embedding_text(offer), Filters(geo=geo), occupations, {},
                      targets, concepts)
