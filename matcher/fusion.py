"""Fusing the rankings of the retrieval channels (keyword, vector, and concepts) into one
retrieval score in [0, 1].

The channels' hits are laid out once over the union of their ids (:class:`RankedChannels`:
each id's tied rank and min-max normalised score in every channel, as arrays), so that a
request computes both of its fusions (the candidates' order and the retrieval feature) from
one layout, in array operations rather than per-candidate Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from indexer.settings import FusionMethod, MatchingSettings
from indexer.stores.protocols import Hit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
KEYWORD, VECTOR, CONCEPT = 0, 1, 2
"""Rows of :class:`RankedChannels`' arrays."""


class FusedHit(NamedTuple):
    """A candidate with its fused retrieval score and its rank in each list (1-based; a
    named tuple: a request makes hundreds)."""

    id: str
    score: float
    keyword_rank: int | None
    vector_rank: int | None
    concept_rank: int | None = None


@dataclass(frozen=True, slots=True)
class RankedChannels:
    """The hits of the keyword, vector and concept channels over the union of their ids
    (first seen first): each id's tied rank in each channel (0 where absent) and its score
    min-max normalised within the channel (0 where absent)."""

    ids: list[str]
    ranks: IntArray
    """Shape (3, len(ids)): rows :data:`KEYWORD`, :data:`VECTOR`, :data:`CONCEPT`."""
    normalised: FloatArray
    """Same shape: each channel's scores mapped to [0, 1] (all 1 when they are equal)."""

    @classmethod
    def of(cls, keyword: Sequence[Hit], vector: Sequence[Hit],
           concept: Sequence[Hit] = ()) -> RankedChannels:
        """Lay out the three channels' hits (each list best first)."""
        channels = (keyword, vector, concept)
        position = {doc_id: index for index, doc_id in enumerate(
            dict.fromkeys(hit.id for hits in channels for hit in hits))}
        ranks = np.zeros((3, len(position)), dtype=np.int64)
        normalised = np.zeros((3, len(position)), dtype=np.float64)
        for row, hits in enumerate(channels):
            if hits:
                columns = np.fromiter((position[hit.id] for hit in hits), np.int64, len(hits))
                scores = np.fromiter((hit.score for hit in hits), np.float64, len(hits))
                ranks[row, columns] = _tied_ranks(scores)
                normalised[row, columns] = _min_max(scores)
        return cls(list(position), ranks, normalised)

    def reciprocal_rank(self, k: int, channels: int, with_concept: bool = True) -> FloatArray:
        """RRF (Cormack et al., 2009): Σ 1/(k + rank) over the lists that hold the id (the
        concept list only ``with_concept``), divided by its maximum (``channels`` lists all
        ranking it first)."""
        found = self.ranks > 0
        shares = np.where(found, 1.0 / (k + np.where(found, self.ranks, 1)), 0.0)
        total = shares[KEYWORD] + shares[VECTOR]
        if with_concept:
            total = total + shares[CONCEPT]
        fused: FloatArray = total / (channels / (k + 1))
        return fused

    def weighted(self, keyword: float, vector: float, concept: float) -> FloatArray:
        """The weighted mean of the normalised scores (an absent id counts 0)."""
        total = keyword + vector + concept or 1.0
        mean: FloatArray = (keyword * self.normalised[KEYWORD]
                            + vector * self.normalised[VECTOR]
                            + concept * self.normalised[CONCEPT]) / total
        return mean

    def hits(self, scores: FloatArray) -> list[FusedHit]:
        """Every id with its score and ranks, best score first (ties by id)."""
        if not self.ids:
            return []
        order = np.lexsort((np.array(self.ids), -scores))
        keyword, vector, concept = ([rank or None for rank in row.tolist()]
                                    for row in self.ranks[:, order])
        ids = [self.ids[i] for i in order.tolist()]
        return list(map(FusedHit._make, zip(ids, scores[order].tolist(), keyword, vector,
                                            concept, strict=True)))


def reciprocal_rank_fusion(keyword: Sequence[Hit], vector: Sequence[Hit], k: int,
                           concept: Sequence[Hit] | None = None) -> list[FusedHit]:
    """RRF (Cormack et al., 2009): Σ 1/(k + rank) over the lists, divided by its maximum
    (every channel asked ranking the document first: two, or three with ``concept``)."""
    channels = RankedChannels.of(keyword, vector, concept or ())
    return channels.hits(channels.reciprocal_rank(k, 2 if concept is None else 3))


def weighted_fusion(keyword: Sequence[Hit], vector: Sequence[Hit], keyword_weight: float,
                    vector_weight: float, concept: Sequence[Hit] | None = None,
                    concept_weight: float = 0.0) -> list[FusedHit]:
    """Min-max normalise each list's scores to [0, 1] (absent = 0) and take the weighted mean
    (``concept`` counts with ``concept_weight`` when given)."""
    channels = RankedChannels.of(keyword, vector, concept or ())
    return channels.hits(channels.weighted(keyword_weight, vector_weight,
                                           concept_weight if concept else 0.0))


def fuse(keyword: Sequence[Hit], vector: Sequence[Hit], settings: MatchingSettings,
         concept: Sequence[Hit] | None = None) -> list[FusedHit]:
    """Fuse with the configured method (the concept channel counts only when given)."""
    channels = RankedChannels.of(keyword, vector, concept or ())
    return channels.hits(_fused_scores(channels, settings, concept is not None))


def _fused_scores(channels: RankedChannels, settings: MatchingSettings,
                  with_concept: bool = True) -> FloatArray:
    """Each id's score fused with ``settings.fusion``, in layout order."""
    if settings.fusion is FusionMethod.WEIGHTED:
        concept = settings.concept_weight if with_concept and channels.ranks[CONCEPT].any() \
            else 0.0
        return channels.weighted(settings.keyword_weight, settings.vector_weight, concept)
    return channels.reciprocal_rank(settings.rrf_k, 3 if with_concept else 2)


@dataclass(frozen=True, slots=True)
class FusedCandidates:
    """One request's candidates in the channels' layout (first seen first), as arrays: each
    one's fused score (``settings.fusion``, concepts included) and its text relevance (see
    :func:`text_relevance`). A :class:`FusedHit` is made only for a candidate asked for: a
    request reads a few dozen of its hundreds of candidates."""

    channels: RankedChannels
    scores: FloatArray
    relevance: FloatArray

    @property
    def ids(self) -> list[str]:
        """The candidates' ids, in layout order."""
        return self.channels.ids

    def hit(self, index: int) -> FusedHit:
        """The candidate at ``index`` of the layout, with its fused score and ranks."""
        keyword, vector, concept = self.channels.ranks[:, index].tolist()
        return FusedHit(self.channels.ids[index], float(self.scores[index]),
                        keyword or None, vector or None, concept or None)


def fuse_candidates(keyword: Sequence[Hit], vector: Sequence[Hit], concept: Sequence[Hit],
                    settings: MatchingSettings, relevance: FusionMethod) -> FusedCandidates:
    """What the matcher needs of one request's channels, from one layout: the candidates'
    scores fused with ``settings.fusion`` (concepts included), and each one's
    :func:`text_relevance` with the ``relevance`` method."""
    channels = RankedChannels.of(keyword, vector, concept)
    return FusedCandidates(channels, _fused_scores(channels, settings),
                           text_relevance(channels, settings, relevance))


def text_relevance(channels: RankedChannels, settings: MatchingSettings,
                   method: FusionMethod) -> FloatArray:
    """Each id's fusion of the keyword and vector channels alone, with ``method``, in layout
    order: how well its text answers the query (0 for an id only the concept channel
    found)."""
    if method is FusionMethod.WEIGHTED:
        return channels.weighted(settings.keyword_weight, settings.vector_weight, 0.0)
    return channels.reciprocal_rank(settings.rrf_k, 2, with_concept=False)


def _tied_ranks(scores: FloatArray) -> IntArray:
    """1-based ranks of a list best first, where equal scores share the best rank ("1224"):
    two documents the retriever cannot tell apart get the same fused score, whatever their
    ids."""
    positions = np.arange(1, len(scores) + 1)
    starts = np.ones(len(scores), dtype=bool)
    starts[1:] = scores[1:] != scores[:-1]
    ranks: IntArray = np.maximum.accumulate(np.where(starts, positions, 0))
    return ranks


def _min_max(scores: FloatArray) -> FloatArray:
    low, high = scores.min(), scores.max()
    span = high - low
    if span > 0:
        normalised: FloatArray = (scores - low) / span
        return normalised
    return np.ones_like(scores)
