"""Fusing the rankings of the retrieval channels (keyword, vector, and concepts) into one
retrieval score in [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indexer.settings import FusionMethod, MatchingSettings
from indexer.stores.protocols import Hit


@dataclass(frozen=True, slots=True)
class FusedHit:
    """A candidate with its fused retrieval score and its rank in each list (1-based)."""

    id: str
    score: float
    keyword_rank: int | None
    vector_rank: int | None
    concept_rank: int | None = None


def reciprocal_rank_fusion(keyword: Sequence[Hit], vector: Sequence[Hit], k: int,
                           concept: Sequence[Hit] | None = None) -> list[FusedHit]:
    """RRF (Cormack et al., 2009): Σ 1/(k + rank) over the lists, divided by its maximum
    (every channel asked ranking the document first: two, or three with ``concept``)."""
    ranks = _ranks(keyword, vector, concept or ())
    best = (2 if concept is None else 3) / (k + 1)
    fused = [
        FusedHit(doc_id, sum(1.0 / (k + r) for r in found if r is not None) / best, *found)
        for doc_id, found in ranks.items()
    ]
    return sorted(fused, key=lambda hit: (-hit.score, hit.id))


def weighted_fusion(keyword: Sequence[Hit], vector: Sequence[Hit], keyword_weight: float,
                    vector_weight: float, concept: Sequence[Hit] | None = None,
                    concept_weight: float = 0.0) -> list[FusedHit]:
    """Min-max normalise each list's scores to [0, 1] (absent = 0) and take the weighted mean
    (``concept`` counts with ``concept_weight`` when given)."""
    concept = concept or ()
    if not concept:
        concept_weight = 0.0
    ranks = _ranks(keyword, vector, concept)
    scores = [(keyword_weight, _min_max(keyword)), (vector_weight, _min_max(vector)),
              (concept_weight, _min_max(concept))]
    total = sum(weight for weight, _ in scores) or 1.0
    fused = [
        FusedHit(doc_id, sum(weight * found.get(doc_id, 0.0) for weight, found in scores)
                 / total, *doc_ranks)
        for doc_id, doc_ranks in ranks.items()
    ]
    return sorted(fused, key=lambda hit: (-hit.score, hit.id))


def fuse(keyword: Sequence[Hit], vector: Sequence[Hit], settings: MatchingSettings,
         concept: Sequence[Hit] | None = None) -> list[FusedHit]:
    """Fuse with the configured method."""
    if settings.fusion is FusionMethod.WEIGHTED:
        return weighted_fusion(keyword, vector, settings.keyword_weight, settings.vector_weight,
                               concept, settings.concept_weight)
    return reciprocal_rank_fusion(keyword, vector, settings.rrf_k, concept)


def _ranks(keyword: Sequence[Hit], vector: Sequence[Hit], concept: Sequence[Hit]
           ) -> dict[str, tuple[int | None, int | None, int | None]]:
    keyword_rank, vector_rank = _tied_ranks(keyword), _tied_ranks(vector)
    concept_rank = _tied_ranks(concept)
    return {doc_id: (keyword_rank.get(doc_id), vector_rank.get(doc_id),
                     concept_rank.get(doc_id))
            for doc_id in dict.fromkeys([*keyword_rank, *vector_rank, *concept_rank])}


def _tied_ranks(hits: Sequence[Hit]) -> dict[str, int]:
    """1-based ranks where equal scores share the best rank ("1224"): two documents the
    retriever cannot tell apart get the same fused score, whatever their ids."""
    ranks: dict[str, int] = {}
    previous: Hit | None = None
    for position, hit in enumerate(hits, start=1):
        tied = previous is not None and hit.score == previous.score
        ranks[hit.id] = ranks[previous.id] if tied and previous is not None else position
        previous = hit
    return ranks


def _min_max(hits: Sequence[Hit]) -> dict[str, float]:
    if not hits:
        return {}
    low, high = min(h.score for h in hits), max(h.score for h in hits)
    span = high - low
    return {h.id: (h.score - low) / span if span > 0 else 1.0 for h in hits}
