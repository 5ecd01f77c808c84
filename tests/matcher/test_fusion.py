"""Fusion of keyword and vector rankings, against values computed by hand."""

from __future__ import annotations

import pytest

from indexer.settings import FusionMethod, MatchingSettings
from indexer.stores.protocols import Hit
from matcher.fusion import fuse, fuse_candidates, reciprocal_rank_fusion, weighted_fusion

KEYWORD = [Hit("a", 12.0), Hit("b", 8.0), Hit("c", 2.0)]
VECTOR = [Hit("b", 0.9), Hit("d", 0.7), Hit("a", 0.5)]


def test_rrf_scores_and_order() -> None:
    fused = reciprocal_rank_fusion(KEYWORD, VECTOR, k=10)
    best = 2 / 11
    expected = {
        "a": (1 / 11 + 1 / 13) / best,  # keyword 1st, vector 3rd
        "b": (1 / 12 + 1 / 11) / best,  # keyword 2nd, vector 1st
        "c": (1 / 13) / best,
        "d": (1 / 12) / best,
    }
    assert [h.id for h in fused] == ["b", "a", "d", "c"]
    for hit in fused:
        assert hit.score == pytest.approx(expected[hit.id])
    ranks = {h.id: (h.keyword_rank, h.vector_rank) for h in fused}
    assert ranks == {"a": (1, 3), "b": (2, 1), "c": (3, None), "d": (None, 2)}


def test_rrf_top_in_both_lists_scores_one() -> None:
    fused = reciprocal_rank_fusion([Hit("x", 1.0)], [Hit("x", 0.1)], k=60)
    assert fused[0].score == pytest.approx(1.0)


def test_weighted_fusion_min_max() -> None:
    fused = weighted_fusion(KEYWORD, VECTOR, keyword_weight=0.75, vector_weight=0.25)
    # keyword min-max: a 1, b 0.6, c 0; vector: b 1, d 0.5, a 0
    expected = {"a": 0.75, "b": 0.75 * 0.6 + 0.25, "c": 0.0, "d": 0.25 * 0.5}
    assert {h.id: h.score for h in fused} == pytest.approx(expected)
    assert [h.id for h in fused][:2] == ["a", "b"]


def test_fuse_follows_settings() -> None:
    weighted = fuse(KEYWORD, VECTOR, MatchingSettings(fusion=FusionMethod.WEIGHTED,
                                                    keyword_weight=0.9, vector_weight=0.1))
    rrf = fuse(KEYWORD, VECTOR, MatchingSettings(fusion=FusionMethod.RRF, rrf_k=10))
    assert weighted[0].id == "a"
    assert rrf[0].id == "b"


def test_empty_lists() -> None:
    assert reciprocal_rank_fusion([], [], k=60) == []
    assert weighted_fusion([], [Hit("z", 0.3)], 1.0, 1.0)[0].score == pytest.approx(0.5)


def test_rrf_gives_tied_scores_the_same_rank() -> None:
    keyword = [Hit("a", 3.0), Hit("x", 2.0), Hit("y", 2.0), Hit("b", 1.0)]
    vector = [Hit("y", 0.9), Hit("x", 0.9)]
    fused = {hit.id: hit for hit in reciprocal_rank_fusion(keyword, vector, k=60)}
    assert (fused["x"].keyword_rank, fused["y"].keyword_rank) == (2, 2)
    assert (fused["x"].vector_rank, fused["y"].vector_rank) == (1, 1)
    assert fused["x"].score == fused["y"].score
    assert fused["b"].keyword_rank == 4  # ranks after a tie skip, as in "1224"


CONCEPT = [Hit("e", 0.8), Hit("a", 0.4)]


def test_rrf_with_the_concept_channel_divides_by_three_lists() -> None:
    fused = {hit.id: hit for hit in reciprocal_rank_fusion(KEYWORD, VECTOR, k=10,
                                                            concept=CONCEPT)}
    best = 3 / 11
    assert fused["a"].score == pytest.approx((1 / 11 + 1 / 13 + 1 / 12) / best)
    assert fused["e"].score == pytest.approx((1 / 11) / best)
    assert (fused["e"].keyword_rank, fused["e"].vector_rank, fused["e"].concept_rank) == (
        None, None, 1)


def test_one_layout_gives_the_candidates_and_their_text_relevance() -> None:
    settings = MatchingSettings(fusion=FusionMethod.RRF, rrf_k=10)
    candidates = fuse_candidates(KEYWORD, VECTOR, CONCEPT, settings, FusionMethod.RRF)
    expected = reciprocal_rank_fusion(KEYWORD, VECTOR, k=10, concept=CONCEPT)
    assert candidates.channels.hits(candidates.scores) == expected
    # each candidate asked for by its layout index is the same hit as in the fused list
    by_id = {hit.id: hit for hit in expected}
    assert [candidates.hit(index) for index in range(len(candidates.ids))] == [
        by_id[doc_id] for doc_id in candidates.ids]
    # the relevance leaves the concept channel out: two lists, and 0 for "e" (concept only)
    relevance = dict(zip(candidates.ids, candidates.relevance.tolist(), strict=True))
    assert relevance["a"] == pytest.approx((1 / 11 + 1 / 13) / (2 / 11))
    assert relevance["e"] == 0.0
    weighted_candidates = fuse_candidates(KEYWORD, VECTOR, CONCEPT, settings,
                                          FusionMethod.WEIGHTED)
    weighted = dict(zip(weighted_candidates.ids, weighted_candidates.relevance.tolist(),
                        strict=True))
    share = settings.keyword_weight / (settings.keyword_weight + settings.vector_weight)
    assert weighted["a"] == pytest.approx(share)  # keyword best (1), vector worst (0)
    assert weighted["e"] == 0.0


def test_weighted_fusion_counts_the_concept_channel_only_when_it_found_something() -> None:
    with_concept = {hit.id: hit.score for hit in weighted_fusion(
        KEYWORD, VECTOR, 0.5, 0.25, concept=CONCEPT, concept_weight=0.25)}
    assert with_concept["e"] == pytest.approx(0.25)  # concept 1, others absent
    without = {hit.id: hit.score for hit in weighted_fusion(
        KEYWORD, VECTOR, 0.5, 0.25, concept=[], concept_weight=0.25)}
    assert without["a"] == pytest.approx(0.5 / 0.75)


def test_the_fused_list_breaks_ties_by_id() -> None:
    fused = reciprocal_rank_fusion([Hit("z", 1.0), Hit("m", 1.0)], [], k=60)
    assert [hit.id for hit in fused] == ["m", "z"]
    assert fused[0].score == fused[1].score
