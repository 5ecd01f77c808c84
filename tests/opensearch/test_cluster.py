"""Cluster mode on three nodes: indexes with three shards and one replica each, a bounded query
load (keyword and filtered k-NN searches) while the elected cluster manager is killed with
``kill -9``, and writes going on meanwhile. No query may fail once the client has retried, none
may answer differently (no partial results), no acknowledged document may be lost, and the
cluster must be green again once the node is back.

The nodes are this session's own (``opensearch_cluster``): they run under ``make test`` and,
under CI=true, fail rather than skip when Java or Maven is missing.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from indexer.encoders import Encoder
from indexer.geo import Gazetteer
from indexer.models import GeoPoint
from indexer.settings import OpenSearchSettings
from indexer.stores.opensearch_alias import AliasedIndex
from indexer.stores.opensearch_store import OpenSearchKeywordStore
from indexer.stores.opensearch_vector_store import OpenSearchVectorStore
from indexer.stores.protocols import Filters, GeoFilter, Hit, IndexedDoc, KeywordQuery
from skills_taxonomy import Taxonomy
from tests.opensearch.conftest import TestCluster, drop_stores
from tests.opensearch.test_backend_opensearch import cluster_settings_for
from tests.opensearch.test_engine_on_opensearch import (
    TOP,
    assert_same_matches,
    build_index,
    drop_prefix,
    embedded_settings_for,
    open_engine,
)

pytestmark = [pytest.mark.opensearch, pytest.mark.cluster]

DOCS = 1500
DIMENSION = 32
SHARDS = 3
LOAD_THREADS = 3
QUERIES_PER_THREAD = 240
KILL_AFTER = 60
"""Queries each thread runs before the node is killed; the rest run through the failure."""
WRITE_BATCHES = 40
LYON = GeoPoint(lat=45.7640, lon=4.8357)
TITLES = ("boulanger", "électricien", "vendeur", "maçon", "infirmier", "cuisinier",
          "plombier", "comptable", "jardinier", "chauffeur")
CONTRACTS = ("CDI", "CDD", "MIS")


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _corpus() -> tuple[list[IndexedDoc], npt.NDArray[np.float32]]:
    rng = np.random.default_rng(16)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    docs = [IndexedDoc(
        id=f"o{i:05d}", title=f"{TITLES[i % len(TITLES)].capitalize()} H/F",
        text=f"Poste de {TITLES[(i * 7) % len(TITLES)]} en équipe, référence {i}.",
        rome_codes=(f"D11{i % 9:02d}",), contract_types=(CONTRACTS[i % 3],),
        location=GeoPoint(lat=float(LYON.lat + rng.uniform(-0.6, 0.6)),
                          lon=float(LYON.lon + rng.uniform(-0.8, 0.8))),
        created_at=start + timedelta(hours=i)) for i in range(DOCS)]
    matrix = rng.standard_normal((DOCS, DIMENSION)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return docs, matrix


Query = Callable[[], list[Hit]]


def _queries(keyword: OpenSearchKeywordStore, vectors: OpenSearchVectorStore
             ) -> list[tuple[str, Query]]:
    """Keyword and k-NN searches, each with portable filters, as the matcher sends them."""
    rng = np.random.default_rng(17)
    probes = rng.standard_normal((8, DIMENSION)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    filters = [Filters(), Filters(geo=GeoFilter(LYON, 25.0)),
               Filters(contract_types=frozenset({"CDI"}), rome_codes=frozenset({"D1103"})),
               Filters(created_after=datetime(2024, 1, 20, tzinfo=UTC))]
    queries: list[tuple[str, Query]] = []
    for i, title in enumerate(TITLES[:8]):
        chosen = filters[i % len(filters)]
        queries.append((f"keyword {title} {i}", lambda t=title, f=chosen: keyword.search(
            KeywordQuery(t, titles=(t,)), f, 10)))
        queries.append((f"vector {i}", lambda p=probes[i], f=chosen: vectors.search_filtered(
            p.reshape(1, -1), 10, f)[0]))
    return queries


@dataclass
class LoadResult:
    """What the query threads saw."""

    ran: int = 0
    failures: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


Stores = tuple[OpenSearchSettings, list[AliasedIndex]]


@pytest.fixture
def stores(opensearch_cluster: TestCluster) -> Iterator[Stores]:
    """A keyword and a vector store (3 shards, 1 replica) and a store for concurrent writes,
    on a fresh prefix, through every node's URL."""
    settings = OpenSearchSettings(url=opensearch_cluster.url, shards=SHARDS, replicas=1,
                                  timeout_s=20.0, retries=3)
    prefix = f"emploi-test-cluster-{uuid.uuid4().hex[:8]}"
    created: list[AliasedIndex] = [
        OpenSearchKeywordStore(settings, f"{prefix}-offers"),
        OpenSearchVectorStore(settings, f"{prefix}-offers-vectors", DIMENSION),
        OpenSearchKeywordStore(settings, f"{prefix}-written")]
    yield settings, created
    drop_stores(OpenSearchSettings(url=opensearch_cluster.url), created)


def test_a_killed_node_loses_no_query_and_no_document(
        opensearch_cluster: TestCluster, stores: Stores) -> None:
    cluster = opensearch_cluster
    _, (keyword, vectors, written) = stores
    assert isinstance(keyword, OpenSearchKeywordStore)
    assert isinstance(vectors, OpenSearchVectorStore)
    assert isinstance(written, OpenSearchKeywordStore)
    docs, matrix = _corpus()
    keyword.upsert(docs)
    vectors.upsert_documents(docs, matrix)
    written.upsert(docs[:1])
    cluster.wait_green(via=0)

    # every index: 3 primaries and 3 replicas, on all three nodes
    shards = _get(f"{cluster.urls[0]}/_cat/shards/{keyword.alias},{vectors.alias}"
                  "?format=json&h=index,shard,prirep,state,node")
    assert isinstance(shards, list) and len(shards) == 2 * SHARDS * 2
    assert {row["state"] for row in shards} == {"STARTED"}
    assert {row["node"] for row in shards} == {cluster.name_of(i) for i in range(3)}

    queries = _queries(keyword, vectors)
    expected = {name: [hit.id for hit in query()] for name, query in queries}
    assert all(expected.values()), "every query must find something"

    manager = _get(f"{cluster.urls[0]}/_cat/cluster_manager?format=json")
    assert isinstance(manager, list)
    victim = next(i for i in range(3) if cluster.name_of(i) == manager[0]["node"])
    survivor = (victim + 1) % 3

    result = LoadResult()
    reached_kill_point = threading.Barrier(LOAD_THREADS + 1)
    acknowledged: list[str] = []

    def query_load(offset: int) -> None:
        for number in range(QUERIES_PER_THREAD):
            if number == KILL_AFTER:
                reached_kill_point.wait(timeout=120)
            name, query = queries[(number + offset) % len(queries)]
            try:
                found = [hit.id for hit in query()]
            except Exception as error:  # every failure is reported by the assertion below
                with result.lock:
                    result.failures.append(f"{name}: {type(error).__name__}: {error}")
                continue
            with result.lock:
                result.ran += 1
                if found != expected[name]:
                    result.differences.append(f"{name}: {found} != {expected[name]}")

    def write_load() -> None:
        for batch in range(WRITE_BATCHES):
            new = [IndexedDoc(id=f"w{batch:03d}-{i}", title="Couvreur", text="Toitures.")
                   for i in range(10)]
            written.upsert(new)  # raises (and fails the test) if a write is lost for good
            acknowledged.extend(doc.id for doc in new)
            time.sleep(0.05)

    threads = [threading.Thread(target=query_load, args=(offset * 5,), daemon=True)
               for offset in range(LOAD_THREADS)]
    writer_errors: list[BaseException] = []

    def guarded_writer() -> None:
        try:
            write_load()
        except BaseException as error:
            writer_errors.append(error)

    writer = threading.Thread(target=guarded_writer, daemon=True)
    for thread in [*threads, writer]:
        thread.start()
    reached_kill_point.wait(timeout=120)
    cluster.kill(victim)
    killed_at = time.monotonic()
    for thread in [*threads, writer]:
        thread.join(timeout=300)
        assert not thread.is_alive()
    load_seconds = time.monotonic() - killed_at

    assert result.failures == [], result.failures[:5]
    assert result.differences == [], result.differences[:5]
    assert result.ran == LOAD_THREADS * QUERIES_PER_THREAD
    assert writer_errors == []
    health = _get(f"{cluster.urls[survivor]}/_cluster/health")
    assert isinstance(health, dict) and health["status"] in ("yellow", "green")
    assert health["number_of_nodes"] == 2

    cluster.restart(victim)
    state = cluster.wait_green(via=survivor)
    assert state["number_of_nodes"] == 3

    written.refresh()
    assert keyword.count() == vectors.count() == DOCS
    assert written.count() == len(acknowledged) + 1
    all_ids = {raw["_id"] for raw in keyword.client.search(
        index=keyword.alias, body={"size": DOCS + 10, "_source": False,
                                   "query": {"match_all": {}}})["hits"]["hits"]}
    assert all_ids == {doc.id for doc in docs}
    shards = _get(f"{cluster.urls[victim]}/_cat/shards/{keyword.alias},{vectors.alias}"
                  "?format=json&h=index,shard,prirep,state,node")
    assert isinstance(shards, list)
    assert {row["state"] for row in shards} == {"STARTED"}
    assert cluster.name_of(victim) in {row["node"] for row in shards}
    assert {name: [hit.id for hit in query()] for name, query in queries} == expected
    after_kill = LOAD_THREADS * (QUERIES_PER_THREAD - KILL_AFTER)
    print(f"node {cluster.name_of(victim)} (cluster manager) killed; {after_kill} queries ran "
          f"in the {load_seconds:.1f} s after the kill, {len(acknowledged)} writes in all")


def test_the_engine_on_three_shards_answers_as_embedded(
        opensearch_cluster: TestCluster, tmp_path_factory: pytest.TempPathFactory,
        encoder: Encoder, mini_taxonomy: Taxonomy, mini_gazetteer: Gazetteer) -> None:
    """Keyword scores stay those of the whole index (``dfs_query_then_fetch``) and each shard's
    k-NN search is merged exactly: three shards answer as one embedded index."""
    embedded_settings = embedded_settings_for(tmp_path_factory.mktemp("embedded"))
    build_index(embedded_settings, encoder, mini_taxonomy)
    embedded = open_engine(embedded_settings, encoder, mini_taxonomy, mini_gazetteer)
    prefix = f"emploi-test-cluster-{uuid.uuid4().hex[:8]}"
    settings = cluster_settings_for(tmp_path_factory.mktemp("cluster"), opensearch_cluster.url,
                                    prefix)
    settings = settings.model_copy(update={"opensearch": settings.opensearch.model_copy(
        update={"shards": SHARDS, "replicas": 1})})
    try:
        build_index(settings, encoder, mini_taxonomy)
        engine = open_engine(settings, encoder, mini_taxonomy, mini_gazetteer)
        store = engine.offers.vectors
        assert isinstance(store, OpenSearchVectorStore)
        [physical] = store.physical_indexes()
        index_settings = store.client.indices.get_settings(index=physical)[physical]
        assert index_settings["settings"]["index"]["number_of_shards"] == str(SHARDS)
        assert index_settings["settings"]["index"]["number_of_replicas"] == "1"
        for profile in embedded.profiles:
            assert_same_matches(embedded.offers_for_profile(profile, TOP),
                                engine.offers_for_profile(profile, TOP), profile.id)
        for offer in embedded.offers:
            assert_same_matches(embedded.candidates_for_offer(offer, TOP),
                                engine.candidates_for_offer(offer, TOP), offer.id)
    finally:
        drop_prefix(opensearch_cluster.url, prefix)
