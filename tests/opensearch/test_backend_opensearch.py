"""Cluster mode on one node: ``backend=opensearch`` puts the keyword AND the vector stores in
OpenSearch. The fixture index built that way must answer as the embedded one (tantivy + FAISS)
does, record its backend in the manifest, refuse to open with the other backend (saying how to
fix it), rebuild by alias swaps, and serve the CLI and ``emploi eval`` unchanged."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.catalog import IndexMismatchError, SearchIndex, live_generation
from indexer.encoders import Encoder
from indexer.geo import Gazetteer
from indexer.settings import Backend, KeywordBackend, OpenSearchSettings, Settings, load_settings
from indexer.stores.opensearch_store import OpenSearchKeywordStore
from indexer.stores.opensearch_vector_store import OpenSearchVectorStore
from matcher.engine import Engine
from skills_taxonomy import Taxonomy
from tests.opensearch.test_engine_on_opensearch import (
    KINDS,
    TOP,
    assert_same_matches,
    build_index,
    drop_prefix,
    embedded_settings_for,
    fixture_data_dir,
    open_engine,
)
from webapp.cli import main as cli_main

pytestmark = pytest.mark.opensearch


def cluster_settings_for(root: Path, url: str, prefix: str) -> Settings:
    """The fixture settings with ``backend=opensearch`` (keyword and vectors)."""
    return load_settings(data_dir=fixture_data_dir(root), index_dir=root / "index",
                         cache_dir=root / "cache", backend=Backend.OPENSEARCH,
                         opensearch=OpenSearchSettings(url=url, index_prefix=prefix,
                                                       timeout_s=30.0))


@pytest.fixture(scope="module")
def engines(opensearch_url: str, tmp_path_factory: pytest.TempPathFactory, encoder: Encoder,
            mini_taxonomy: Taxonomy, mini_gazetteer: Gazetteer
            ) -> Iterator[tuple[Engine, Engine]]:
    """(embedded engine, engine on OpenSearch with keyword and vectors), built once."""
    embedded = embedded_settings_for(tmp_path_factory.mktemp("embedded"))
    build_index(embedded, encoder, mini_taxonomy)
    prefix = f"emploi-test-backend-{uuid.uuid4().hex[:10]}"
    cluster = cluster_settings_for(tmp_path_factory.mktemp("cluster"), opensearch_url, prefix)
    build_index(cluster, encoder, mini_taxonomy)
    yield (open_engine(embedded, encoder, mini_taxonomy, mini_gazetteer),
           open_engine(cluster, encoder, mini_taxonomy, mini_gazetteer))
    drop_prefix(opensearch_url, prefix)


def test_keyword_and_vectors_live_in_opensearch(engines: tuple[Engine, Engine]) -> None:
    _, engine = engines
    prefix = engine.settings.opensearch.index_prefix
    for kind, collection in (("offers", engine.offers), ("profiles", engine.profiles)):
        assert isinstance(collection.keyword, OpenSearchKeywordStore)
        assert isinstance(collection.vectors, OpenSearchVectorStore)
        assert collection.keyword.alias == f"{prefix}-{kind}"
        assert collection.vectors.alias == f"{prefix}-{kind}-vectors"
        assert collection.vectors.count() == collection.keyword.count() == len(collection)
        assert not (engine.index.generation / kind / "vectors").exists()
        assert not (engine.index.generation / kind / "keyword").exists()
    manifest = json.loads((engine.index.generation / "manifest.json").read_text())
    assert manifest["keyword_backend"] == manifest["vector_backend"] == "opensearch"
    assert manifest["vector_index"] == "hnsw"
    assert manifest["vector_indexes"]["offers"]["engine"] == "lucene"
    info = CliRunner().invoke(cli_main, ["index-info", "--index-dir",
                                         str(engine.settings.index_dir)])
    assert info.exit_code == 0, info.output
    assert "vector backend: opensearch" in info.output
    assert f"in OpenSearch ({prefix}-offers-vectors): lucene HNSW" in info.output


def test_concepts_live_in_opensearch_and_search_as_embedded(
        engines: tuple[Engine, Engine]) -> None:
    """The concepts read at indexing (ids and labels) are fields of the OpenSearch documents,
    and the concept channel answers on the cluster as it does embedded."""
    from matcher.queries import query_for_profile

    embedded, cluster = engines
    keyword = cluster.offers.keyword
    assert isinstance(keyword, OpenSearchKeywordStore)
    with_concepts = 0
    for offer in embedded.offers:
        source = keyword.client.search(index=keyword.alias, body={
            "query": {"ids": {"values": [offer.id]}}})["hits"]["hits"][0]["_source"]
        with_concepts += bool(source["concepts"])
        assert bool(source["concepts"]) == bool(source["concept_text"]), offer.id
    assert with_concepts == len(embedded.offers)
    searched = 0
    for profile in embedded.profiles:
        query = query_for_profile(profile, embedded.taxonomy)
        concepts = query.concepts
        expected = embedded.offers.concept_search(concepts.occupations, concepts.skills,
                                                  query.filters, TOP)
        found = cluster.offers.concept_search(concepts.occupations, concepts.skills,
                                              query.filters, TOP)
        assert [h.id for h in found] == [h.id for h in expected], profile.id
        searched += bool(expected)
    assert searched > 0


@pytest.mark.parametrize("widen", [False, True])
def test_offers_for_profiles_are_the_embedded_ones(engines: tuple[Engine, Engine],
                                                   widen: bool) -> None:
    embedded, cluster = engines
    for profile in embedded.profiles:
        expected = embedded.offers_for_profile(profile, TOP, widen=widen)
        assert expected, profile.id
        assert_same_matches(expected, cluster.offers_for_profile(profile, TOP, widen=widen),
                            f"offers for {profile.id} widen={widen}")


def test_candidates_for_offers_are_the_embedded_ones(engines: tuple[Engine, Engine]) -> None:
    embedded, cluster = engines
    for offer in embedded.offers:
        expected = embedded.candidates_for_offer(offer, TOP)
        assert expected, offer.id
        assert_same_matches(expected, cluster.candidates_for_offer(offer, TOP),
                            f"candidates for {offer.id}")


def test_filtered_vector_search_is_the_embedded_one(engines: tuple[Engine, Engine]) -> None:
    """Radius, contract and ROME filters inside the k-NN query give FAISS's answers."""
    from matcher.queries import query_for_profile

    embedded, cluster = engines
    for profile in embedded.profiles:
        query = query_for_profile(profile, embedded.taxonomy)
        vector = embedded.encoder.encode_queries([query.embedding_text])[0]
        for filters in (query.filters, *_variants(query.filters)):
            expected = embedded.offers.vector_search(vector, filters, TOP)
            found = cluster.offers.vector_search(vector, filters, TOP)
            assert [h.id for h in found] == [h.id for h in expected], (profile.id, filters)
            assert [h.score for h in found] == pytest.approx([h.score for h in expected],
                                                             abs=1e-5)


def _variants(filters: object) -> list[object]:
    from dataclasses import replace

    from indexer.models import GeoPoint
    from indexer.stores.protocols import Filters, GeoFilter

    assert isinstance(filters, Filters)
    privas = GeoPoint(lat=44.7353, lon=4.5992)
    return [Filters(), replace(filters, geo=GeoFilter(privas, 25.0)),
            replace(filters, contract_types=frozenset({"CDD"})),
            replace(filters, rome_codes=frozenset({"D1106", "D1214"}))]


def test_the_other_backend_is_refused_with_the_fix(engines: tuple[Engine, Engine],
                                                   encoder: Encoder) -> None:
    _, cluster = engines
    embedded = cluster.settings.with_backend(Backend.EMBEDDED)
    with pytest.raises(IndexMismatchError, match=r"vector backend 'opensearch'.*--rebuild"):
        SearchIndex.open(cluster.settings.index_dir, embedded, encoder)
    keyword_only = cluster.settings.model_copy(
        update={"backend": Backend.EMBEDDED, "keyword_backend": KeywordBackend.OPENSEARCH})
    with pytest.raises(IndexMismatchError, match="vector backend 'opensearch'"):
        SearchIndex.open(cluster.settings.index_dir, keyword_only, encoder)


def test_backend_and_an_embedded_keyword_backend_contradict() -> None:
    with pytest.raises(ValueError, match="remove EMPLOI_KEYWORD_BACKEND"):
        Settings(backend=Backend.OPENSEARCH, keyword_backend=KeywordBackend.EMBEDDED)
    assert Settings(backend=Backend.OPENSEARCH).keyword_backend is KeywordBackend.OPENSEARCH


def test_a_rebuild_swaps_both_aliases(opensearch_url: str, tmp_path: Path, encoder: Encoder,
                                      mini_taxonomy: Taxonomy,
                                      mini_gazetteer: Gazetteer) -> None:
    prefix = f"emploi-test-backend-{uuid.uuid4().hex[:10]}"
    try:
        settings = cluster_settings_for(tmp_path, opensearch_url, prefix)
        build_index(settings, encoder, mini_taxonomy)
        engine = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        profile = next(iter(engine.profiles))
        before = [m.id for m in engine.offers_for_profile(profile, TOP)]
        stores = [c.keyword for c in (engine.offers, engine.profiles)] + [
            c.vectors for c in (engine.offers, engine.profiles)]
        old = [s.physical_indexes() for s in stores]  # type: ignore[attr-defined]

        build_index(settings, encoder, mini_taxonomy, rebuild=True)

        new = [s.physical_indexes() for s in stores]  # type: ignore[attr-defined]
        for old_names, new_names in zip(old, new, strict=True):
            assert len(old_names) == len(new_names) == 1 and old_names != new_names
        assert [m.id for m in engine.offers_for_profile(profile, TOP)] == before
        reopened = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        assert [m.id for m in reopened.offers_for_profile(profile, TOP)] == before
    finally:
        drop_prefix(opensearch_url, prefix)


def test_an_interrupted_rebuild_leaves_both_aliases(opensearch_url: str, tmp_path: Path,
                                                     encoder: Encoder,
                                                     mini_taxonomy: Taxonomy) -> None:
    from indexer.catalog import IndexWriter
    from tests.opensearch.test_engine_on_opensearch import _offers

    prefix = f"emploi-test-backend-{uuid.uuid4().hex[:10]}"
    try:
        settings = cluster_settings_for(tmp_path, opensearch_url, prefix)
        build_index(settings, encoder, mini_taxonomy)
        live = live_generation(settings.index_dir)
        aliases = [OpenSearchKeywordStore(settings.opensearch, f"{prefix}-{kind}{suffix}")
                   for kind in KINDS for suffix in ("", "-vectors")]
        before = [a.physical_indexes() for a in aliases]
        with pytest.raises(KeyboardInterrupt), IndexWriter(settings.index_dir, settings,
                                                           encoder, rebuild=True) as writer:
            writer.upsert_offers(_offers()[:2])
            raise KeyboardInterrupt
        assert live_generation(settings.index_dir) == live
        assert [a.physical_indexes() for a in aliases] == before
        leftovers = aliases[0].client.indices.get(index=f"{prefix}-*")
        assert sorted(leftovers) == sorted(name for names in before for name in names)
    finally:
        drop_prefix(opensearch_url, prefix)


def test_the_cli_searches_with_the_one_setting(engines: tuple[Engine, Engine],
                                              monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    embedded, cluster = engines
    settings = cluster.settings
    for name, value in (("EMPLOI_BACKEND", "opensearch"),
                        ("EMPLOI_OPENSEARCH_URL", settings.opensearch.url),
                        ("EMPLOI_OPENSEARCH__INDEX_PREFIX", settings.opensearch.index_prefix),
                        ("EMPLOI_DATA_DIR", str(settings.data_dir)),
                        ("EMPLOI_CACHE_DIR", str(settings.cache_dir)),
                        ("EMPLOI_ENCODER", "use")):  # the index was built with USE-m3
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EMPLOI_KEYWORD_BACKEND", raising=False)
    monkeypatch.delenv("EMPLOI_CONFIG", raising=False)
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(cli_main, ["search", "--index-dir", str(settings.index_dir),
                                           "--text", "vendeur", "--json"])
    assert result.exit_code == 0, result.output
    found = [row["id"] for row in json.loads(result.output)]
    from matcher.engine import SeekerQuery

    # What the engine on OpenSearch answers; the embedded engine may order the same offers
    # otherwise (phrases: docs/opensearch-parity.md, point 7).
    expected = [m.id for m in cluster.search_offers(
        SeekerQuery(text="vendeur", titles=("vendeur",)), top_k=10)]
    assert found == expected and found
    assert set(found) <= {m.id for m in embedded.search_offers(
        SeekerQuery(text="vendeur", titles=("vendeur",)), top_k=10, include_weak=True)}
    assert not _request_logs(caplog)  # one line per OpenSearch request only with -vv
    requests_logger = logging.getLogger("opensearch")
    try:
        verbose = CliRunner().invoke(cli_main, ["-vv", "search", "--index-dir",
                                                str(settings.index_dir), "--text", "vendeur"])
        assert verbose.exit_code == 0, verbose.output
        assert _request_logs(caplog)
    finally:
        requests_logger.setLevel(logging.NOTSET)


def _request_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records
            if record.name == "opensearch" and record.levelno < logging.WARNING]


def test_pages_and_api_answer_as_embedded(engines: tuple[Engine, Engine]) -> None:
    from tests.opensearch.test_engine_on_opensearch import _api_urls, _client, _keys, _page_urls

    embedded, cluster = engines
    client, reference = _client(cluster), _client(embedded)
    for url in _page_urls(cluster):
        assert client.get(url).status_code == 200, url
    for url in _api_urls(cluster):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _keys(response.get_json()) == _keys(reference.get(url).get_json()), url
    profile = next(p for p in cluster.profiles if p.skills)
    body = {"remove_skills": [profile.skills[0].code]}
    response = client.post(f"/api/v1/profiles/{profile.id}/preview", json=body)
    expected = reference.post(f"/api/v1/profiles/{profile.id}/preview", json=body).get_json()
    assert response.status_code == 200
    assert (response.get_json()["entered"], response.get_json()["left"]) == (
        expected["entered"], expected["left"])


def test_a_counsellor_edit_and_an_erasure_reach_both_stores(
        opensearch_url: str, tmp_path: Path, encoder: Encoder, mini_taxonomy: Taxonomy,
        mini_gazetteer: Gazetteer) -> None:
    """The web app's incremental writes (``Engine.write_profiles``, ``erase_profiles``) update
    the live aliases in place: an edited profile is found by its new title, an erased one by
    nothing."""
    from indexer.stores.protocols import Filters

    prefix = f"emploi-test-backend-{uuid.uuid4().hex[:10]}"
    try:
        settings = cluster_settings_for(tmp_path, opensearch_url, prefix)
        build_index(settings, encoder, mini_taxonomy)
        engine = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        profiles = list(engine.profiles)
        edited, erased = profiles[0], profiles[1]
        vectors = engine.profiles.vectors
        assert isinstance(vectors, OpenSearchVectorStore)
        [physical] = vectors.physical_indexes()
        new_title = "Couvreur zingueur"
        query = engine.encoder.encode_queries([new_title])[0]
        assert engine.profiles.vector_search(query, Filters(), 1)[0].id != edited.id
        engine.write_profiles(upserts=[edited.model_copy(update={"titles": [new_title]})])
        engine.erase_profiles([erased.id])
        assert vectors.physical_indexes() == [physical]  # updated in place, no rebuild
        assert engine.profiles.vectors.count() == len(profiles) - 1
        assert erased.id not in engine.profiles
        hits = engine.profiles.vector_search(query, Filters(), 3)
        assert hits[0].id == edited.id
        assert erased.id not in {h.id for h in engine.profiles.vector_search(
            query, Filters(), len(profiles))}
    finally:
        drop_prefix(opensearch_url, prefix)


def test_emploi_eval_runs_on_the_cluster_under_its_own_prefix(
        opensearch_url: str, tmp_path: Path, encoder: Encoder, mini_taxonomy: Taxonomy) -> None:
    """``emploi eval`` with ``backend=opensearch`` indexes the set into OpenSearch under an
    eval prefix (never the live aliases) and scores as the embedded run does."""
    from indexer.stores.opensearch_alias import AliasedIndex
    from matcher.evaluation.beir import write_set
    from matcher.evaluation.runner import EvalConfig, evaluate
    from matcher.evaluation.sets import build_seeker_offers
    from tests.matcher.test_eval_sets import OFFERS

    write_set(tmp_path / "set", build_seeker_offers(OFFERS, mini_taxonomy, seed=13))
    prefix = f"emploi-test-backend-{uuid.uuid4().hex[:10]}"
    scores = {}
    try:
        for backend in (Backend.EMBEDDED, Backend.OPENSEARCH):
            settings = load_settings(
                data_dir=fixture_data_dir(tmp_path), cache_dir=tmp_path / backend.value,
                index_dir=tmp_path / "index", backend=backend,
                opensearch=OpenSearchSettings(url=opensearch_url, index_prefix=prefix))
            report = evaluate(tmp_path / "set", EvalConfig(
                settings=settings, configs=("vector", "full"), encoders=("use",),
                ablation=False, taxonomy=mini_taxonomy, encoder_factory=lambda _s: encoder))
            scores[backend] = {r.config: r.summary.ndcg_10 for r in report.results}
            stores = ("stores: OpenSearch (keyword and k-NN vectors)"
                      if backend is Backend.OPENSEARCH else "stores: embedded (tantivy, FAISS)")
            assert any(stores in note for note in report.notes), report.notes
        assert scores[Backend.OPENSEARCH] == pytest.approx(scores[Backend.EMBEDDED], abs=1e-9)
        store = AliasedIndex(OpenSearchSettings(url=opensearch_url), f"{prefix}-offers")
        assert store.physical_indexes() == []  # the live prefix was never touched
        evals = store.client.indices.get_alias(index=f"{prefix}-eval-*")
        assert any(name.startswith(f"{prefix}-eval-") and "vectors" in name for name in evals)
    finally:
        drop_prefix(opensearch_url, prefix)
        cleaner = AliasedIndex(OpenSearchSettings(url=opensearch_url), "emploi-test-cleaner")
        for name in cleaner.client.indices.get(index=f"{prefix}-eval-*"):
            cleaner.client.indices.delete(index=name)
