"""Fusing the keyword and vector rankings into one retrieval score in [0, 1]."""

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


def reciprocal_rank_fusion(keyword: Sequence[Hit], vector: Sequence[Hit],
                           k: int) -> list[FusedHit]:
    """RRF (Cormack et al., 2009): Σ 1/(k + rank), divided by its maximum 2/(k + 1)."""
    ranks = _ranks(keyword, vector)
    best = 2.0 / (k + 1)
    fused = [
        FusedHit(doc_id, sum(1.0 / (k + r) for r in (kr, vr) if r is not None) / best, kr, vr)
        for doc_id, (kr, vr) in ranks.items()
    ]
    return sorted(fused, key=lambda hit: (-hit.score, hit.id))


def weighted_fusion(keyword: Sequence[Hit], vector: Sequence[Hit], keyword_weight: float,
                    vector_weight: float) -> list[FusedHit]:
    """Min-max normalise each list's scores to [0, 1] (absent = 0) and take the weighted mean."""
    ranks = _ranks(keyword, vector)
    keyword_scores, vector_scores = _min_max(keyword), _min_max(vector)
    total = (keyword_weight + vector_weight) or 1.0
    fused = [
        FusedHit(doc_id, (keyword_weight * keyword_scores.get(doc_id, 0.0)
                          + vector_weight * vector_scores.get(doc_id, 0.0)) / total, kr, vr)
        for doc_id, (kr, vr) in ranks.items()
    ]
    return sorted(fused, key=lambda hit: (-hit.score, hit.id))


def fuse(keyword: Sequence[Hit], vector: Sequence[Hit],
         settings: MatchingSettings) -> list[FusedHit]:
    """Fuse with the configured method."""
    if settings.fusion is FusionMethod.WEIGHTED:
        return weighted_fusion(keyword, vector, settings.keyword_weight, settings.vector_weight)
    return reciprocal_rank_fusion(keyword, vector, settings.rrf_k)


def _ranks(keyword: Sequence[Hit], vector: Sequence[Hit]
           ) -> dict[str, tuple[int | None, int | None]]:
    keyword_rank, vector_rank = _tied_ranks(keyword), _tied_ranks(vector)
    return {doc_id: (keyword_rank.get(doc_id), vector_rank.get(doc_id))
            for doc_id in dict.fromkeys([*keyword_rank, *vector_rank])}


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
