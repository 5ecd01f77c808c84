"""Hybrid matching: keyword and vector retrieval, fusion, explainable re-scoring."""

from __future__ import annotations

import hashlib
import heapq
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from indexer.collection import Collection
from indexer.distance import haversine_km_many
from indexer.doc_table import Columns
from indexer.encoders import Encoder
from indexer.models import GeoPoint, Offer, Profile, SkillTag
from indexer.settings import FusionMethod, MatchingSettings
from indexer.skill_identity import identities
from indexer.utc import as_utc
from matcher.column_bounds import (
    occupation_values,
    offered_contract_fit,
    wished_contract_fit,
)
from matcher.features import (
    HeldSkills,
    OccupationProximity,
    RelatedFinder,
    contract_fit,
    distance_decay,
    experience_fit,
    freshness,
    occupation_proximity,
    occupation_weights,
    skill_coverage,
    skill_credit,
)
from matcher.fusion import FusedCandidates, FusedHit, fuse_candidates
from matcher.queries import MatchQuery, query_for_offer, query_for_profile, seeker_targets
from matcher.query_vectors import QueryVectorCache
from matcher.ranking import RankingModel, ranking_model
from matcher.related_skills import SkillNeighbours
from matcher.results import Explanation, Match, OccupationRef, RetrievalTrace, ScoreComponent
from matcher.skill_bounds import offer_skill_bounds, seeker_skill_bounds
from matcher.widening import trace_expansions, widen
from skills_taxonomy import Taxonomy
from skills_taxonomy.lru import LruCache
from skills_taxonomy.normaliser import Normaliser

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

    @property
    def offer_occupations(self) -> dict[str, float]:
        """The offer's occupations (given, and read from its text) with their confidence."""
        return occupation_weights(self.offer.occupation_tags)

    @property
    def offer_inferred(self) -> frozenset[str]:
        """The offer's occupations read from its text (not given)."""
        return frozenset(t.rome_code for t in self.offer.occupation_tags if t.inferred)


Values = dict[str, float | None]
Array = npt.NDArray[np.float64]
_Skills = tuple[HeldSkills, RelatedFinder | None]
BoundOf = Callable[[Array, Columns], dict[str, Array]]
"""Per feature, each candidate's best possible value (NaN: unknown, not counted)."""
SCORING_CHUNK = 16
"""Candidates read and scored together (their new skill labels are encoded in one batch)."""
SCORE_BOUND_SLACK = 1e-6
"""Margin kept when a candidate is skipped on its bound (the table stores dates to the
second, so a bound may undershoot the exact score by far less than this)."""


@dataclass(frozen=True, slots=True)
class _Direction:
    """What one direction of matching needs beyond the query: how to pair a candidate's
    record with the fixed side, how to bound a candidate's score from the filter table alone,
    and how to find related skills for a pair."""

    pair_of: Callable[[Any], Pair]
    bound_of: BoundOf
    skills_of: Callable[[Pair], _Skills]
    matched_of: Callable[[Pair], Offer | Profile]
    """The record being ranked (the offer for a seeker, the seeker for an offer)."""


@dataclass(frozen=True, slots=True)
class _Scored:
    """A fully scored candidate, kept until the explanation of the top ones is written."""

    hit: FusedHit
    pair: Pair
    values: Values
    skills: _Skills
    proximity: OccupationProximity
    distance: float | None
    score: float


class Matcher:
    """Offers for a seeker and candidates for an offer, over one opened index.

    Retrieval fuses up to ``keyword_top_k`` + ``vector_top_k`` candidates; each is first
    *bounded* from the filter table (retrieval, occupation, distance, contract and freshness
    are known there; skills and experience are taken at their best, 1), then candidates are
    read and scored in decreasing order of bound until the k-th best exact score beats every
    remaining bound. The top k are exactly those of scoring every candidate, but only a few
    records are read and scored.
    """

    def __init__(self, offers: Collection[Offer], profiles: Collection[Profile],
                 taxonomy: Taxonomy, encoder: Encoder, settings: MatchingSettings,
                 normaliser: Normaliser | None = None,
                 label_cache: Path | None = None, model: RankingModel | None = None,
                 skill_neighbours: SkillNeighbours | None = None) -> None:
        """``normaliser`` turns free-text titles into ROME codes with a confidence; without
        one, a seeker's title counts only when the taxonomy's fuzzy index is sure of it.
        ``label_cache`` is the index's embedding cache folder, which holds the skill labels'
        vectors computed at indexing (without it, labels are encoded on first use).
        ``skill_neighbours`` shares the label vectors another matcher already holds (an
        engine's matchers of successive index generations; then ``label_cache`` is unused).
        ``model`` gives the feature weights and the match levels (default: the one the
        settings select, :func:`matcher.ranking.ranking_model`)."""
        self.offers = offers
        self.profiles = profiles
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings
        self.normaliser = normaliser
        self.skill_neighbours = skill_neighbours if skill_neighbours is not None else \
            SkillNeighbours(encoder, settings.related_skill_similarity, label_cache)
        self.query_vectors = QueryVectorCache(encoder, settings.query_vector_cache)
        self._results: LruCache[tuple[str, str, int, bool], tuple[Match, ...]] = LruCache(
            settings.result_cache)
        self._newest: tuple[int, datetime | None] | None = None
        self.model = model or ranking_model(settings)
        self._weights = self.weights()
        self.last_scored = 0
        """How many candidates the last request read and scored (for benchmarks and tests)."""

    def offers_for_profile(self, profile: Profile, top_k: int = 10,
                           widen_search: bool = False) -> list[Match]:
        """The best offers for a seeker; ``widen_search`` adds neighbouring occupations,
        their job titles and their core skills. The same request on the same profile is
        answered from the result cache (this matcher serves one index generation)."""
        key = ("offers", _fingerprint(profile), top_k, widen_search)
        return list(self._results.get_or_compute(
            key, lambda: self._offers_for_profile(profile, top_k, widen_search)))

    def candidates_for_offer(self, offer: Offer, top_k: int = 10) -> list[Match]:
        """The best seekers for an offer, near its place (cached like offers for a seeker)."""
        key = ("candidates", _fingerprint(offer), top_k, False)
        return list(self._results.get_or_compute(
            key, lambda: self._candidates_for_offer(offer, top_k)))

    def _offers_for_profile(self, profile: Profile, top_k: int,
                            widen_search: bool) -> tuple[Match, ...]:
        query = query_for_profile(profile, self.taxonomy, self.settings.default_radius_km,
                                  self.normaliser, self.settings)
        if widen_search:
            query = widen(query, self.taxonomy)
        targets = query.occupation_confidence
        skills = self._held(profile.matching_skills)
        direction = _Direction(
            pair_of=lambda offer: Pair(offer, profile, targets),
            bound_of=self._offer_bound(query, profile, skills),
            skills_of=lambda _pair: skills,
            matched_of=lambda pair: pair.offer)
        return self._match(query, self.offers, top_k, direction,
                           self.settings.retrieval_feature)

    def _candidates_for_offer(self, offer: Offer, top_k: int) -> tuple[Match, ...]:
        query = query_for_offer(offer, self.settings.candidate_radius_km, self.taxonomy,
                                self.settings)
        direction = _Direction(
            pair_of=lambda profile: Pair(offer, profile, seeker_targets(
                profile, self.taxonomy, self.normaliser, self.settings)),
            bound_of=self._candidate_bound(offer),
            skills_of=lambda pair: self._held(pair.profile.matching_skills),
            matched_of=lambda pair: pair.profile)
        # Candidates keep the fused (rank-based) score as their retrieval feature: stored
        # profile vectors embed the seeker's own, possibly gendered, wording, and raw cosine
        # gaps would carry it into the score.
        return self._match(query, self.profiles, top_k, direction, self.settings.fusion)

    def _match(self, query: MatchQuery, collection: Collection[RecordT], top_k: int,
               direction: _Direction, feature_method: FusionMethod) -> tuple[Match, ...]:
        candidates = self._retrieve(query, collection, feature_method)
        bounded = self._bounded(candidates, collection, direction)
        kept = self._score_best(bounded, candidates, collection, query, direction, top_k)
        self.last_scored = len(kept)
        kept.sort(key=lambda s: (-s.score, s.hit.id))
        return tuple(self._explain(scored, query, direction) for scored in kept[:top_k])

    def _bounded(self, candidates: FusedCandidates, collection: Collection[RecordT],
                 direction: _Direction) -> list[tuple[float, int]]:
        """Each candidate known to the filter table, as the best score it could reach and
        its index in ``candidates``, best first (ties by id)."""
        columns = collection.columns(candidates.ids)
        found = columns.found
        bounds = self._weighted_means(direction.bound_of(candidates.relevance[found], columns))
        order = np.lexsort((np.array(candidates.ids, dtype=str)[found], -bounds))
        return list(zip(bounds[order].tolist(), found[order].tolist(), strict=True))

    def _score_best(self, bounded: Sequence[tuple[float, int]], candidates: FusedCandidates,
                    collection: Collection[RecordT], query: MatchQuery,
                    direction: _Direction, top_k: int) -> list[_Scored]:
        """Score candidates in decreasing order of bound until the k-th best exact score
        beats every remaining bound; return all those scored."""
        newest = self._newest_offer()
        kept: list[_Scored] = []
        best: list[float] = []  # min-heap of the top_k exact scores so far
        chunk = max(top_k, SCORING_CHUNK)
        for start in range(0, len(bounded), chunk):
            if len(best) >= top_k and best[0] > bounded[start][0] + SCORE_BOUND_SLACK:
                break
            for scored in self._score_chunk(bounded[start:start + chunk], candidates,
                                            collection, query, direction, newest, best, top_k):
                kept.append(scored)
                if len(best) < top_k:
                    heapq.heappush(best, scored.score)
                elif scored.score > best[0]:
                    heapq.heapreplace(best, scored.score)
        return kept

    def _score_chunk(self, chunk: Sequence[tuple[float, int]], candidates: FusedCandidates,
                     collection: Collection[RecordT], query: MatchQuery,
                     direction: _Direction, newest: datetime | None, best: list[float],
                     top_k: int) -> list[_Scored]:
        """Read and score the candidates of one chunk whose bound can still reach the top
        (their skill labels are encoded together, once)."""
        pairs: list[tuple[FusedHit, float, Pair, _Skills]] = []
        for bound, index in chunk:
            if len(best) >= top_k and best[0] > bound + SCORE_BOUND_SLACK:
                break
            hit = candidates.hit(index)
            record = collection.get(hit.id)
            if record is not None:
                pair = direction.pair_of(record)
                pairs.append((hit, float(candidates.relevance[index]), pair,
                              direction.skills_of(pair)))
        if self.settings.skill_weight > 0 and self.settings.related_skill_credit > 0:
            self.skill_neighbours.prepare(_labels_to_relate(
                (pair, skills) for _, _, pair, skills in pairs))
        return [self._score(hit, pair, query, retrieval, newest, skills)
                for hit, retrieval, pair, skills in pairs]

    def _retrieve(self, query: MatchQuery, collection: Collection[RecordT],
                  feature_method: FusionMethod) -> FusedCandidates:
        """The candidates, fused with ``settings.fusion``, with each one's retrieval
        feature (fused with ``feature_method``)."""
        keyword_hits = collection.keyword_search(query.keyword, query.filters,
                                                 self.settings.keyword_top_k)
        vector = self.query_vectors.vector(query.embedding_text)
        vector_hits = collection.vector_search(vector, query.filters, self.settings.vector_top_k)
        concept_hits = collection.concept_search(
            query.concepts.occupations, query.concepts.skills, query.filters,
            self.settings.concept_top_k, self.settings.concept_occupation_share)
        # The retrieval feature measures the text's relevance only: the concept channel
        # proposes candidates, and the occupation and skill features score what it knows.
        return fuse_candidates(keyword_hits, vector_hits, concept_hits, self.settings,
                               feature_method)

    def _newest_offer(self) -> datetime | None:
        """The newest ``created_at`` of the indexed offers, to the second (recomputed when the
        count changes): freshness is relative to it, not to today."""
        count = len(self.offers)
        if self._newest is None or self._newest[0] != count:
            self._newest = (count, self.offers.newest_created())
        return self._newest[1]

    def _held(self, tags: Sequence[SkillTag]) -> _Skills:
        """A seeker's skills indexed, with their related-skill finder when it counts."""
        held = HeldSkills.of(tags)
        if self.settings.skill_weight <= 0 or self.settings.related_skill_credit <= 0:
            return held, None
        return held, self.skill_neighbours.finder(held)

    # --- bounds: a candidate's best possible score, from the filter table ---------------------

    def _offer_bound(self, query: MatchQuery, profile: Profile, skills: _Skills) -> BoundOf:
        """Bound offers for this seeker: all but skills and experience are exact; skills
        are exact for the asked skills the seeker holds, and taken at the related-skill
        credit for the others."""
        origin = _point(profile)
        contract_filtered = bool(query.filters.contract_types)
        unheld_credit = self.settings.related_skill_credit if skills[1] is not None else 0.0

        def bound(retrieval: Array, columns: Columns) -> dict[str, Array]:
            size = len(retrieval)
            return {"retrieval": retrieval,
                    "skills": offer_skill_bounds(columns.skills, skills[0], unheld_credit,
                                                 size),
                    "occupation": occupation_values(columns.romes, query.occupation_confidence,
                                                    self.taxonomy, size, without_codes=0.0),
                    "distance": self._decay(origin, columns),
                    "contract": np.full(size, np.nan) if contract_filtered else
                    offered_contract_fit(columns.contracts, profile.contract_types, size),
                    "experience": np.ones(size),
                    "freshness": self._freshness(columns.created)}
        return bound

    def _candidate_bound(self, offer: Offer) -> BoundOf:
        """Bound seekers for this offer: distance and contract are exact, occupation too
        when the seeker's record names ROME codes (else up to 1, from their titles); skills
        are exact for the asked skills the seeker holds, and taken at the related-skill
        credit for the others."""
        offer_codes = occupation_weights(offer.occupation_tags)
        target = _point(offer)
        created = np.array([np.nan if offer.created_at is None
                            else as_utc(offer.created_at).timestamp()])

        asked = offer.matching_skills
        unheld_credit = (self.settings.related_skill_credit
                         if self.settings.skill_weight > 0 else 0.0)

        def bound(retrieval: Array, columns: Columns) -> dict[str, Array]:
            size = len(retrieval)
            return {"retrieval": retrieval,
                    "skills": seeker_skill_bounds(asked, columns.skills, unheld_credit, size),
                    "occupation": occupation_values(columns.romes, offer_codes, self.taxonomy,
                                                    size, without_codes=1.0),
                    "distance": self._decay(target, columns),
                    "contract": wished_contract_fit(columns.contracts, offer.contract_type,
                                                    size),
                    "experience": np.ones(size),
                    "freshness": np.full(size, self._freshness(created)[0])}
        return bound

    def _decay(self, point: GeoPoint | None, columns: Columns) -> Array:
        """:func:`distance_decay` from ``point`` to each row (NaN when either is unknown)."""
        if point is None:
            return np.full(len(columns.found), np.nan)
        distances = haversine_km_many(columns.lat, columns.lon, point)
        decay: Array = np.power(0.5, distances / self.settings.distance_half_life_km)
        return decay

    def _freshness(self, created: Array) -> Array:
        """:func:`freshness` of each creation time (epoch seconds; NaN when unknown)."""
        newest = self._newest_offer()
        if newest is None:
            return np.full(len(created), np.nan)
        age_days = np.maximum((as_utc(newest).timestamp() - created) / 86400.0, 0.0)
        fresh: Array = np.power(0.5, age_days / self.settings.freshness_half_life_days)
        return fresh

    # --- exact scores and explanations --------------------------------------------------------

    def _score(self, hit: FusedHit, pair: Pair, query: MatchQuery, retrieval: float,
               newest: datetime | None, skills: _Skills) -> _Scored:
        settings = self.settings
        coverage = skill_credit(pair.offer.matching_skills, skills[0], skills[1],
                                settings.related_skill_credit)
        proximity = occupation_proximity(pair.seeker_targets, pair.offer_occupations,
                                         self.taxonomy, pair.offer_inferred)
        decay, distance = distance_decay(_point(pair.profile), _point(pair.offer),
                                         settings.distance_half_life_km)
        contract = None if query.filters.contract_types else contract_fit(pair.offer,
                                                                          pair.profile)
        values: Values = {
            "retrieval": retrieval, "skills": coverage, "occupation": proximity.value,
            "distance": decay, "contract": contract,
            "experience": experience_fit(pair.offer, pair.profile,
                                         settings.experience_required_years),
            "freshness": freshness(pair.offer.created_at, newest,
                                   settings.freshness_half_life_days)}
        return _Scored(hit, pair, values, skills, proximity, distance,
                       self._score_of(values))

    def _explain(self, scored: _Scored, query: MatchQuery, direction: _Direction) -> Match:
        pair, hit = scored.pair, scored.hit
        coverage = skill_coverage(pair.offer.matching_skills, scored.skills[0],
                                  scored.skills[1], self.settings.related_skill_credit)
        shown = direction.matched_of(pair)
        explanation = Explanation(
            components=self._components(scored.values),
            matched_skills=coverage.matched,
            missing_skills=coverage.missing,
            related_skills=coverage.related,
            distance_km=None if scored.distance is None else round(scored.distance, 1),
            filters=_filter_reasons(query, scored.distance, pair),
            retrieval=RetrievalTrace(hit.keyword_rank, hit.vector_rank,
                                     trace_expansions(query, pair.offer,
                                                      pair.seeker_occupations),
                                     hit.concept_rank),
            occupation_relation=scored.proximity.relation,
            occupations=tuple(OccupationRef(t.rome_code, t.label, t.confidence, t.inferred)
                              for t in shown.occupation_tags),
        )
        level = self.model.level(scored.score) if _job_evidence(scored.values, pair) else None
        return Match(hit.id, scored.score, explanation, level)

    def weights(self) -> dict[str, float]:
        """The weight of each feature (the ranking model's)."""
        return {name: float(self.model.weights.get(name, 0.0)) for name in FEATURES}

    def _contributions(self, values: Values) -> tuple[dict[str, float], dict[str, float]]:
        """(effective weight, contribution) of each feature: the weighted mean of the known
        values; an unknown value (no skills asked, no place) gets weight 0, so it neither
        helps nor hurts."""
        weights = self.weights()
        effective = {name: (weights[name] if value is not None else 0.0)
                     for name, value in values.items()}
        total_weight = sum(effective.values()) or 1.0
        return effective, {name: (values[name] or 0.0) * effective[name] / total_weight
                           for name in values}

    def _weighted_means(self, values: dict[str, Array]) -> Array:
        """:meth:`_score_of` of many candidates at once (NaN values are unknown)."""
        total = np.zeros(len(next(iter(values.values()))))
        weight_sum = np.zeros_like(total)
        for name, column in values.items():
            known = ~np.isnan(column)
            total += np.where(known, column, 0.0) * self._weights[name]
            weight_sum += known * self._weights[name]
        means: Array = total / np.where(weight_sum > 0, weight_sum, 1.0)
        return means

    def _score_of(self, values: Values) -> float:
        """The weighted mean of the known values (what the contributions add up to)."""
        weights = self._weights
        weight_sum = total = 0.0
        for name, value in values.items():
            if value is not None:
                weight_sum += weights[name]
                total += value * weights[name]
        return total / (weight_sum or 1.0)

    def _components(self, values: Values) -> tuple[ScoreComponent, ...]:
        effective, contributions = self._contributions(values)
        score = sum(contributions.values())
        return tuple(
            ScoreComponent(name, COMPONENT_LABELS[name], round(values[name] or 0.0, 4),
                           effective[name], round(contributions[name], 4),
                           round(contributions[name] / score, 4) if score > 0 else 0.0)
            for name in values)


def _fingerprint(record: Offer | Profile) -> str:
    """A digest of everything a record says (a changed record is another key)."""
    return hashlib.blake2b(record.model_dump_json().encode(), digest_size=16).hexdigest()


def _job_evidence(values: Values, pair: Pair) -> bool:
    """Whether a result shares something of the job itself with the asking side: a related
    occupation or a skill (held or close). A result that only resembles the text, the place
    or the contract is not a match; when neither occupation nor skills could be judged (a
    typed search without a recognised trade, a side with no occupation or no skill to
    compare), the text is all there is, and it may be."""
    judged_occupation = bool(pair.seeker_targets) and bool(pair.offer.occupation_tags)
    judged_skills = bool(pair.profile.skills) and bool(pair.offer.matching_skills)
    occupation, skills = values.get("occupation"), values.get("skills")
    if not judged_occupation and not judged_skills:
        return True
    return ((judged_occupation and (occupation or 0.0) > 0.0)
            or (judged_skills and (skills or 0.0) > 0.0))


def _labels_to_relate(pairs: Iterable[tuple[Pair, _Skills]]) -> list[str]:
    """The skill labels whose vectors scoring these pairs may look up: the held ones, and
    the asked ones that are not held (an asked skill that is held never looks for a close
    one), to be encoded in one batch."""
    labels: list[str] = []
    seen: set[int] = set()  # a seeker's held skills are the same for every offer
    for pair, (held, _) in pairs:
        if id(held) not in seen:
            seen.add(id(held))
            labels.extend(tag.label for tag in held.tags)
        labels.extend(tag.label for tag in pair.offer.matching_skills
                      if held.weight_of(identities(tag)) <= 0)
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
