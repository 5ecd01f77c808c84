"""The keyword-store parity benchmark (``bench/opensearch_parity.py``): its measures, and its
core function on the fixture offers against the real node."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.opensearch_parity import (
    ParityRun,
    QueryCase,
    RunContext,
    compare_stores,
    jaccard,
    kendall_tau_common,
    overlap_at_k,
    rank_biased_overlap,
    render_markdown,
    run_parity,
)
from indexer.documents import offer_document
from indexer.readers import read_offers, read_profiles
from indexer.settings import OpenSearchSettings
from indexer.stores.protocols import Filters, IndexedDoc
from indexer.stores.tantivy_store import TantivyKeywordStore
from matcher.queries import query_for_profile
from skills_taxonomy import Taxonomy
from tests.conftest import FIXTURES

# --- the measures (no node needed) -------------------------------------------------------------


def test_measures_of_identical_lists_are_one() -> None:
    ids = ["a", "b", "c"]
    assert overlap_at_k(ids, ids) == jaccard(ids, ids) == rank_biased_overlap(ids, ids) == 1.0
    assert kendall_tau_common(ids, ids) == 1.0
    assert overlap_at_k([], []) == jaccard([], []) == rank_biased_overlap([], []) == 1.0
    assert kendall_tau_common([], []) is None


def test_measures_of_different_lists() -> None:
    a, b = list("abcdefghij"), list("jihgfedcba")
    assert overlap_at_k(a, b) == jaccard(a, b) == 1.0
    assert kendall_tau_common(a, b) == -1.0
    assert 0.0 < rank_biased_overlap(a, b) < 1.0
    disjoint = list("klmnopqrst")
    assert overlap_at_k(a, disjoint) == jaccard(a, disjoint) == 0.0
    assert rank_biased_overlap(a, disjoint) == 0.0
    assert overlap_at_k(a, [*a[:5], *disjoint[:5]]) == 0.5
    assert jaccard(a, [*a[:5], *disjoint[:5]]) == pytest.approx(5 / 15)
    assert rank_biased_overlap(["a"], []) == 0.0


# --- the core function on a real node ---------------------------------------------------------


def _fixture_docs() -> list[IndexedDoc]:
    offers = read_offers(FIXTURES / "engine" / "offers.jsonl")
    return [offer_document(offer) for offer in offers.records]


def _fixture_queries(taxonomy: Taxonomy) -> list[QueryCase]:
    """The fixture profiles' matcher queries, with their filters and without."""
    cases: list[QueryCase] = []
    for profile in read_profiles(FIXTURES / "engine" / "profiles.jsonl").records:
        match_query = query_for_profile(profile, taxonomy)
        for filtered in (True, False):
            cases.append(QueryCase(id=f"{profile.id}-{filtered}", profile_id=profile.id,
                                   keyword=match_query.keyword,
                                   filters=match_query.filters if filtered else Filters(),
                                   filtered=filtered))
    return cases


def _assert_unit(run_or_values: dict[str, float]) -> None:
    for name, value in run_or_values.items():
        assert not math.isnan(value), name
        assert 0.0 <= value <= 1.0, (name, value)


@pytest.mark.opensearch
def test_run_parity_on_the_fixture_offers(opensearch_url: str, mini_taxonomy: Taxonomy,
                                          tmp_path: Path) -> None:
    docs, queries = _fixture_docs(), _fixture_queries(mini_taxonomy)
    run = run_parity(docs, queries, OpenSearchSettings(url=opensearch_url, timeout_s=30.0),
                     mini_taxonomy.title_synonyms(), top_k=5)
    assert isinstance(run, ParityRun)
    report = run.report
    assert len(report.comparisons) == len(queries)
    _assert_unit(report.unit_measures())
    for comparison in report.comparisons:
        for value in (comparison.overlap, comparison.jaccard, comparison.rbo):
            assert 0.0 <= value <= 1.0
        assert comparison.tau is None or -1.0 <= comparison.tau <= 1.0
        assert comparison.a or comparison.b  # every fixture profile matches some offer
    assert 0 <= report.identical_top1 <= len(queries)
    assert run.opensearch_version.startswith("2.")
    # the temporary alias and its index are gone
    from indexer.stores.opensearch_store import OpenSearchKeywordStore

    probe = OpenSearchKeywordStore(OpenSearchSettings(url=opensearch_url), "emploi-parity-probe")
    try:
        assert not probe.client.indices.get(index="emploi-parity-*",
                                            params={"expand_wildcards": "all"})
    finally:
        probe.close()

    markdown = render_markdown(run, RunContext("python -m bench.opensearch_parity ...",
                                               FIXTURES / "engine" / "offers.jsonl", 7,
                                               len(queries), {"startup_s": 8.0}))
    assert "generated" in markdown.lower()
    assert f"{report.mean_overlap:.3f}" in markdown
    assert "Node start-up" in markdown


def test_identical_stores_give_overlap_one(mini_taxonomy: Taxonomy, tmp_path: Path) -> None:
    docs, queries = _fixture_docs(), _fixture_queries(mini_taxonomy)
    first, second = TantivyKeywordStore(tmp_path / "a"), TantivyKeywordStore(tmp_path / "b")
    for store in (first, second):
        store.upsert(docs)
        store.save()
    report = compare_stores(first, second, queries, top_k=5, name_a="a", name_b="b")
    assert report.mean_overlap == report.mean_jaccard == report.mean_rbo == 1.0
    assert report.mean_tau == 1.0
    assert report.identical_top1 == report.identical_lists == len(queries)
    assert report.worst() == []
    first.close()
    second.close()
