"""Hybrid matching: keyword and vector retrieval, fusion, explainable re-scoring."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from indexer.collection import Collection
from indexer.encoders import Encoder
from indexer.models import GeoPoint, Offer, Profile, SkillTag
from indexer.settings import MatchingSettings
from matcher.features import distance_decay, occupation_proximity, skill_coverage
from matcher.fusion import FusedHit, fuse
from matcher.queries import MatchQuery, query_for_offer, query_for_profile, seeker_occupations
from matcher.results import Explanation, Match, RetrievalTrace, ScoreComponent
from matcher.widening import widen
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)

RecordT = TypeVar("RecordT", Offer, Profile)

COMPONENT_LABELS = {
    "retrieval": "Pertinence du texte",
    "skills": "Compétences couvertes",
    "occupation": "Proximité de métier",
    "distance": "Proximité géographique",
}


@dataclass(frozen=True, slots=True)
class Pair:
    """The two sides being compared, whichever direction the match goes."""

    offer: Offer
    profile: Profile
    seeker_occupations: tuple[str, ...]


class Matcher:
    """Offers for a seeker and candidates for an offer, over one opened index."""

    def __init__(self, offers: Collection[Offer], profiles: Collection[Profile],
                 taxonomy: Taxonomy, encoder: Encoder, settings: MatchingSettings) -> None:
        self.offers = offers
        self.profiles = profiles
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings

    def offers_for_profile(self, profile: Profile, top_k: int = 10,
                           widen_search: bool = False) -> list[Match]:
        """The best offers for a seeker; ``widen_search`` adds neighbouring occupations."""
        query = query_for_profile(profile, self.taxonomy, self.settings.default_radius_km)
        if widen_search:
            query = widen(query, self.taxonomy)
        return self._match(query, self.offers, top_k,
                           lambda offer: Pair(offer, profile, query.occupations))

    def candidates_for_offer(self, offer: Offer, top_k: int = 10) -> list[Match]:
        """The best seekers for an offer, near its place."""
        query = query_for_offer(offer, self.settings.candidate_radius_km)
        return self._match(query, self.profiles, top_k,
                           lambda profile: Pair(offer, profile,
                                                seeker_occupations(profile, self.taxonomy)))

    def _match(self, query: MatchQuery, collection: Collection[RecordT], top_k: int,
               pair_of: Callable[[RecordT], Pair]) -> list[Match]:
        fused = self._retrieve(query, collection)
        matches = []
        for hit in fused:
            record = collection.get(hit.id)
            if record is not None:
                matches.append(self._score(hit, pair_of(record), query))
        matches.sort(key=lambda m: (-m.score, m.id))
        return matches[:top_k]

    def _retrieve(self, query: MatchQuery, collection: Collection[RecordT]) -> list[FusedHit]:
        keyword_hits = collection.keyword_search(query.keyword, query.filters,
                                                 self.settings.keyword_top_k)
        vector = self.encoder.encode_queries([query.embedding_text])[0]
        vector_hits = collection.vector_search(vector, query.filters, self.settings.vector_top_k)
        return fuse(keyword_hits, vector_hits, self.settings)

    def _score(self, hit: FusedHit, pair: Pair, query: MatchQuery) -> Match:
        coverage = skill_coverage(pair.offer.skills, pair.profile.skills)
        offer_codes = (pair.offer.rome_code,) if pair.offer.rome_code else ()
        proximity = occupation_proximity(pair.seeker_occupations, offer_codes, self.taxonomy)
        decay, distance = distance_decay(_point(pair.profile), _point(pair.offer),
                                         self.settings.distance_half_life_km)
        values = {"retrieval": hit.score, "skills": coverage.value,
                  "occupation": proximity.value, "distance": decay}
        components, score = self._components(values)
        expansions = tuple(reason for code, reason in query.expansions.items()
                           if code in offer_codes and code not in pair.seeker_occupations)
        explanation = Explanation(
            components=components,
            matched_skills=coverage.matched,
            missing_skills=coverage.missing,
            distance_km=None if distance is None else round(distance, 1),
            filters=_filter_reasons(query, distance, pair),
            retrieval=RetrievalTrace(hit.keyword_rank, hit.vector_rank, expansions),
            occupation_relation=proximity.relation,
        )
        return Match(hit.id, score, explanation)

    def _components(self, values: dict[str, float | None]
                    ) -> tuple[tuple[ScoreComponent, ...], float]:
        """Weighted mean of the known values; an unknown value (no skills asked, no place)
        is shown with weight 0 so it neither helps nor hurts."""
        weights = {"retrieval": self.settings.retrieval_weight,
                   "skills": self.settings.skill_weight,
                   "occupation": self.settings.occupation_weight,
                   "distance": self.settings.distance_weight}
        effective = {name: (weights[name] if value is not None else 0.0)
                     for name, value in values.items()}
        total_weight = sum(effective.values()) or 1.0
        contributions = {name: (values[name] or 0.0) * effective[name] / total_weight
                         for name in values}
        score = sum(contributions.values())
        components = tuple(
            ScoreComponent(name, COMPONENT_LABELS[name], round(values[name] or 0.0, 4),
                           effective[name], round(contributions[name], 4),
                           round(contributions[name] / score, 4) if score > 0 else 0.0)
            for name in values)
        return components, score


def _point(record: Offer | Profile) -> GeoPoint | None:
    return record.place.point if record.place else None


def _filter_reasons(query: MatchQuery, distance: float | None, pair: Pair) -> tuple[str, ...]:
    reasons = []
    geo = query.filters.geo
    if geo is not None and distance is not None:
        reasons.append(f"à {distance:.1f} km, dans le rayon de {geo.radius_km:g} km")
    if query.filters.contract_types:
        reasons.append(f"contrat {pair.offer.contract_type} parmi ceux souhaités "
                       f"({', '.join(sorted(query.filters.contract_types))})")
    if not reasons:
        reasons.append("aucun filtre appliqué")
    return tuple(reasons)


def skills_with(profile: Profile, add: Sequence[SkillTag], remove: Sequence[str]) -> Profile:
    """A copy of the profile with tags added (replacing same-code tags) and removed by code
    or label."""
    removed = set(remove)
    added_keys = {tag.code or tag.label for tag in add}
    kept = [tag for tag in profile.skills
            if (tag.code or tag.label) not in removed and (tag.code or tag.label) not in added_keys]
    return profile.model_copy(update={"skills": [*kept, *add]})
