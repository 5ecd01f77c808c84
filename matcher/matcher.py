"""Hybrid matching: keyword and vector retrieval, fusion, explainable re-scoring."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from indexer.collection import Collection
from indexer.encoders import Encoder
from indexer.models import GeoPoint, Offer, Profile, SkillTag
from indexer.settings import FusionMethod, MatchingSettings
from matcher.features import (
    contract_fit,
    distance_decay,
    experience_fit,
    freshness,
    occupation_proximity,
    skill_coverage,
    skill_key,
)
from matcher.fusion import FusedHit, fuse, reciprocal_rank_fusion, weighted_fusion
from matcher.normalise import Normaliser
from matcher.queries import MatchQuery, query_for_offer, query_for_profile, seeker_targets
from matcher.results import Explanation, Match, RetrievalTrace, ScoreComponent
from matcher.widening import trace_expansions, widen
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)

RecordT = TypeVar("RecordT", Offer, Profile)

# Short French labels (≤ 22 characters: they name the bars of the score chart).
COMPONENT_LABELS = {
    "retrieval": "Pertinence du texte",
    "skills": "Compétences couvertes",
    "occupation": "Proximité de métier",
    "distance": "Proximité géographique",
    "contract": "Type de contrat",
    "experience": "Expérience",
    "freshness": "Fraîcheur de l'offre",
}
FEATURES = tuple(COMPONENT_LABELS)


@dataclass(frozen=True, slots=True)
class Pair:
    """The two sides being compared, whichever direction the match goes, with the seeker's
    target occupations and the confidence of each."""

    offer: Offer
    profile: Profile
    seeker_targets: dict[str, float]

    @property
    def seeker_occupations(self) -> tuple[str, ...]:
        """The seeker's target ROME codes, most confident first."""
        return tuple(self.seeker_targets)


class SkillNeighbours:
    """Finds, for an asked skill, a held skill close in meaning (cosine of their label
    embeddings ≥ ``threshold``); label vectors are computed once per process."""

    def __init__(self, encoder: Encoder, threshold: float) -> None:
        self._encoder = encoder
        self._threshold = threshold
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def prepare(self, labels: Sequence[str]) -> None:
        """Encode the labels not seen yet, in one batch."""
        with self._lock:
            missing = [label for label in dict.fromkeys(labels) if label not in self._vectors]
            if missing:
                for label, vector in zip(missing, self._encoder.encode_documents(missing),
                                         strict=True):
                    self._vectors[label] = vector

    def __call__(self, asked: SkillTag, held: Sequence[SkillTag]) -> SkillTag | None:
        """The closest held skill above the threshold, if any."""
        self.prepare([asked.label, *(tag.label for tag in held)])
        target = self._vectors[asked.label]
        best: tuple[float, SkillTag] | None = None
        for tag in held:
            if skill_key(tag) == skill_key(asked):
                continue
            similarity = float(np.dot(target, self._vectors[tag.label]))
            if similarity >= self._threshold and (best is None or similarity > best[0]):
                best = (similarity, tag)
        return None if best is None else best[1]


class Matcher:
    """Offers for a seeker and candidates for an offer, over one opened index."""

    def __init__(self, offers: Collection[Offer], profiles: Collection[Profile],
                 taxonomy: Taxonomy, encoder: Encoder, settings: MatchingSettings,
                 normaliser: Normaliser | None = None) -> None:
        """``normaliser`` turns free-text titles into ROME codes with a confidence; without
        one, a seeker's title counts only when the taxonomy's fuzzy index is sure of it."""
        self.offers = offers
        self.profiles = profiles
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings
        self.normaliser = normaliser
        self.skill_neighbours = SkillNeighbours(encoder, settings.related_skill_similarity)
        self._newest: tuple[int, datetime | None] | None = None

    def offers_for_profile(self, profile: Profile, top_k: int = 10,
                           widen_search: bool = False) -> list[Match]:
        """The best offers for a seeker; ``widen_search`` adds neighbouring occupations,
        their job titles and their core skills."""
        query = query_for_profile(profile, self.taxonomy, self.settings.default_radius_km,
                                  self.normaliser, self.settings)
        if widen_search:
            query = widen(query, self.taxonomy)
        return self._match(query, self.offers, top_k,
                           lambda offer: Pair(offer, profile, query.occupation_confidence),
                           self.settings.retrieval_feature)

    def candidates_for_offer(self, offer: Offer, top_k: int = 10) -> list[Match]:
        """The best seekers for an offer, near its place."""
        query = query_for_offer(offer, self.settings.candidate_radius_km)
        # Candidates keep the fused (rank-based) score as their retrieval feature: stored
        # profile vectors embed the seeker's own, possibly gendered, wording, and raw cosine
        # gaps would carry it into the score.
        return self._match(query, self.profiles, top_k, lambda profile: Pair(
            offer, profile, seeker_targets(profile, self.taxonomy, self.normaliser,
                                           self.settings)), self.settings.fusion)

    def _match(self, query: MatchQuery, collection: Collection[RecordT], top_k: int,
               pair_of: Callable[[RecordT], Pair],
               feature_method: FusionMethod) -> list[Match]:
        fused, feature = self._retrieve(query, collection, feature_method)
        pairs: list[tuple[FusedHit, Pair]] = []
        for hit in fused:
            record = collection.get(hit.id)
            if record is not None:
                pairs.append((hit, pair_of(record)))
        if self.settings.skill_weight > 0 and self.settings.related_skill_credit > 0:
            self.skill_neighbours.prepare(_skill_labels(p for _, p in pairs))
        newest = self._newest_offer()
        matches = [self._score(hit, pair, query, feature.get(hit.id, 0.0), newest)
                   for hit, pair in pairs]
        matches.sort(key=lambda m: (-m.score, m.id))
        return matches[:top_k]

    def _retrieve(self, query: MatchQuery, collection: Collection[RecordT],
                  feature_method: FusionMethod) -> tuple[list[FusedHit], dict[str, float]]:
        """The candidates (fused with ``settings.fusion``) and each one's retrieval feature
        (fused with ``feature_method``)."""
        keyword_hits = collection.keyword_search(query.keyword, query.filters,
                                                 self.settings.keyword_top_k)
        vector = self.encoder.encode_queries([query.embedding_text])[0]
        vector_hits = collection.vector_search(vector, query.filters, self.settings.vector_top_k)
        fused = fuse(keyword_hits, vector_hits, self.settings)
        if feature_method is self.settings.fusion:
            return fused, {hit.id: hit.score for hit in fused}
        if feature_method is FusionMethod.WEIGHTED:
            scored = weighted_fusion(keyword_hits, vector_hits, self.settings.keyword_weight,
                                     self.settings.vector_weight)
        else:
            scored = reciprocal_rank_fusion(keyword_hits, vector_hits, self.settings.rrf_k)
        return fused, {hit.id: hit.score for hit in scored}

    def _newest_offer(self) -> datetime | None:
        """The newest ``created_at`` of the indexed offers (recomputed when the count
        changes): freshness is relative to it, not to today."""
        count = len(self.offers)
        if self._newest is None or self._newest[0] != count:
            dates = [o.created_at for o in self.offers if o.created_at is not None]
            newest = max(dates, key=lambda d: d.timestamp()) if dates else None
            self._newest = (count, newest)
        return self._newest[1]

    def _score(self, hit: FusedHit, pair: Pair, query: MatchQuery, retrieval: float,
               newest: datetime | None) -> Match:
        settings = self.settings
        related = self.skill_neighbours if settings.related_skill_credit > 0 else None
        coverage = skill_coverage(pair.offer.skills, pair.profile.skills, related,
                                  settings.related_skill_credit)
        offer_codes = (pair.offer.rome_code,) if pair.offer.rome_code else ()
        proximity = occupation_proximity(pair.seeker_occupations, offer_codes, self.taxonomy,
                                         pair.seeker_targets)
        decay, distance = distance_decay(_point(pair.profile), _point(pair.offer),
                                         settings.distance_half_life_km)
        contract = None if query.filters.contract_types else contract_fit(pair.offer,
                                                                          pair.profile)
        values = {"retrieval": retrieval, "skills": coverage.value,
                  "occupation": proximity.value, "distance": decay, "contract": contract,
                  "experience": experience_fit(pair.offer, pair.profile,
                                               settings.experience_required_years),
                  "freshness": freshness(pair.offer.created_at, newest,
                                         settings.freshness_half_life_days)}
        components, score = self._components(values)
        explanation = Explanation(
            components=components,
            matched_skills=coverage.matched,
            missing_skills=coverage.missing,
            related_skills=coverage.related,
            distance_km=None if distance is None else round(distance, 1),
            filters=_filter_reasons(query, distance, pair),
            retrieval=RetrievalTrace(hit.keyword_rank, hit.vector_rank,
                                     trace_expansions(query, pair.offer,
                                                      pair.seeker_occupations)),
            occupation_relation=proximity.relation,
        )
        return Match(hit.id, score, explanation)

    def weights(self) -> dict[str, float]:
        """The configured weight of each feature."""
        s = self.settings
        return {"retrieval": s.retrieval_weight, "skills": s.skill_weight,
                "occupation": s.occupation_weight, "distance": s.distance_weight,
                "contract": s.contract_weight, "experience": s.experience_weight,
                "freshness": s.freshness_weight}

    def _components(self, values: dict[str, float | None]
                    ) -> tuple[tuple[ScoreComponent, ...], float]:
        """Weighted mean of the known values; an unknown value (no skills asked, no place)
        is shown with weight 0 so it neither helps nor hurts."""
        weights = self.weights()
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


def _skill_labels(pairs: Iterable[Pair]) -> list[str]:
    labels: list[str] = []
    for pair in pairs:
        labels.extend(tag.label for tag in (*pair.offer.skills, *pair.profile.skills))
    return labels


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
