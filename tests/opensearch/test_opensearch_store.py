"""The OpenSearch keyword store, on a real node: the shared conformance suite, then what only
a remote backend has (aliases and rebuilds, bulk retries, an unreachable node, synonyms)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from indexer.models import GeoPoint
from indexer.settings import OpenSearchSettings
from indexer.stores.errors import BackendUnavailable
from indexer.stores.opensearch_alias import PurgeIncomplete
from indexer.stores.opensearch_mapping import MAPPING_VERSION
from indexer.stores.opensearch_store import BulkIndexError, OpenSearchKeywordStore
from indexer.stores.protocols import Filters, IndexedDoc, KeywordQuery, KeywordStore
from tests.conformance.keyword_store_suite import (
    AppendableKeywordStoreConformance,
    MakeKeywordStore,
    NoCopyCheck,
    StorageOf,
    files_containing,
)
from tests.opensearch.conftest import (
    MakeOpenSearchStore,
    MakeOpenSearchVectorStore,
    assert_no_deleted_documents,
)
from tests.opensearch.proxy import FailingProxy

pytestmark = pytest.mark.opensearch

DOCS = (
    IndexedDoc(id="a", title="Boulanger", text="Pain au levain et viennoiseries.",
               rome_codes=("D1102",), contract_types=("CDI",)),
    IndexedDoc(id="b", title="Électricien", text="Câblage de tableaux électriques.",
               rome_codes=("F1602",), contract_types=("CDD",)),
    IndexedDoc(id="c", title="Agent d'entretien", text="Nettoyage des bureaux."),
)


def _ids(store: OpenSearchKeywordStore, text: str, **query: object) -> list[str]:
    hits = store.search(KeywordQuery(text, **query), Filters(), 20)  # type: ignore[arg-type]
    return [hit.id for hit in hits]


class TestOpenSearchKeywordStore(AppendableKeywordStoreConformance):
    """The shared conformance suite, each store on its own alias."""

    @pytest.fixture
    def make_store(self, make_opensearch_store: MakeOpenSearchStore) -> MakeKeywordStore:
        return lambda: make_opensearch_store()

    @pytest.fixture
    def storage_of(self, opensearch_data_folder: Path | None) -> StorageOf:
        return lambda _store: opensearch_data_folder

    @pytest.fixture
    def assert_no_copy(self, storage_of: StorageOf) -> NoCopyCheck:
        """On any node, ``_stats`` counts no deleted document left in the segments (a plain
        delete leaves them there until a merge); the data folder is grepped when known."""
        def check(store: KeywordStore, needle: str) -> None:
            assert isinstance(store, OpenSearchKeywordStore)
            assert_no_deleted_documents(store)
            folder = storage_of(store)
            if folder is not None:
                assert files_containing(folder, needle) == []
        return check


# --- aliases and rebuilds ---------------------------------------------------------------------


def test_first_write_creates_a_physical_index_behind_the_alias(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    assert store.physical_indexes() == []
    store.upsert(DOCS)
    [physical] = store.physical_indexes()
    assert physical.startswith(f"{store.alias}-")
    meta = store.client.indices.get_mapping(index=physical)[physical]["mappings"]["_meta"]
    assert meta["mapping_version"] == MAPPING_VERSION
    assert store.mapping_is_current()


def test_rebuild_switches_the_alias_and_deletes_the_old_index(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    [old] = store.physical_indexes()
    new = store.rebuild([IndexedDoc(id="z", title="Couvreur", text="Toitures en ardoise.")])
    assert store.physical_indexes() == [new] != [old]
    assert not store.client.indices.exists(index=old)
    assert store.count() == 1
    assert _ids(store, "couvreur") == ["z"]
    assert _ids(store, "boulanger") == []


def test_searches_see_the_old_index_until_the_switch(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    seen_during_build: list[tuple[int, list[str]]] = []

    def docs() -> Iterator[IndexedDoc]:
        for i in range(30):
            if i == 20:
                seen_during_build.append((store.count(), _ids(store, "boulanger")))
            yield IndexedDoc(id=f"n{i}", title="Couvreur", text="Toitures.")

    store.rebuild(docs())
    assert seen_during_build == [(3, ["a"])]
    assert store.count() == 30


def test_a_failing_rebuild_leaves_the_alias_and_its_data(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store(batch_size=5)
    store.upsert(DOCS)
    [live] = store.physical_indexes()

    def docs() -> Iterator[IndexedDoc]:
        for i in range(12):
            yield IndexedDoc(id=f"n{i}", title="Couvreur", text="Toitures.")
        raise RuntimeError("the source broke mid-way")

    with pytest.raises(RuntimeError, match="mid-way"):
        store.rebuild(docs())
    assert store.physical_indexes() == [live]
    assert sorted(store.client.indices.get(index=f"{store.alias}-*")) == [live]
    assert store.count() == 3
    assert _ids(store, "boulanger") == ["a"]
    assert _ids(store, "couvreur") == []
    store.upsert([IndexedDoc(id="d", title="Plombier", text="Sanitaires.")])
    assert store.count() == 4


def test_a_rebuild_refused_by_the_node_leaves_the_alias(
        make_opensearch_store: MakeOpenSearchStore, opensearch_url: str) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    [live] = store.physical_indexes()
    with FailingProxy(opensearch_url) as proxy:
        flaky = make_opensearch_store(OpenSearchSettings(url=proxy.url), index=store.alias,
                                      max_retries=2, initial_backoff_s=0.01)
        proxy.fail(100, status=503, path_part="/_bulk")
        with pytest.raises(BackendUnavailable, match="503"):
            flaky.rebuild(DOCS[:1])
    assert store.physical_indexes() == [live]
    assert sorted(store.client.indices.get(index=f"{store.alias}-*")) == [live]
    assert store.count() == 3


def test_rebuild_creates_the_alias_when_missing(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    new = store.rebuild(DOCS)
    assert store.physical_indexes() == [new]
    assert store.count() == 3


def test_a_concrete_index_with_the_alias_name_is_refused(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    # Named like the store's own indexes, so the fixture's teardown deletes it.
    squatter = make_opensearch_store(index=f"{store.alias}-squat")
    store.client.indices.create(index=squatter.alias)
    with pytest.raises(RuntimeError, match="is an index, not an alias"):
        squatter.upsert(DOCS)


def test_invalid_alias_names_are_refused() -> None:
    for name in ("Emploi", "emploi offers", "_emploi", "emploi*", ""):
        with pytest.raises(ValueError, match="invalid OpenSearch index name"):
            OpenSearchKeywordStore(OpenSearchSettings(), name)


# --- bulk writes ------------------------------------------------------------------------------


def test_bulk_is_retried_after_429(make_opensearch_store: MakeOpenSearchStore,
                                   opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        store = make_opensearch_store(OpenSearchSettings(url=proxy.url), batch_size=4,
                                      initial_backoff_s=0.01)
        store.upsert(DOCS[:1])  # creates the index through the proxy
        proxy.fail(3, status=429, path_part="/_bulk")
        docs = [IndexedDoc(id=f"d{i}", title="Maçon", text=f"Chantier {i}.") for i in range(10)]
        store.upsert(docs)
        assert proxy.failed_count() == 3
        assert store.count() == 11
        bulk_calls = [path for _, path, _ in proxy.requests if "/_bulk" in path]
        assert len(bulk_calls) == 1 + 3 + 3  # first doc, 3 refused, then 3 batches of ≤ 4


def test_bulk_is_retried_after_5xx_and_dropped_connections(
        make_opensearch_store: MakeOpenSearchStore, opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        store = make_opensearch_store(OpenSearchSettings(url=proxy.url),
                                      initial_backoff_s=0.01)
        store.upsert(DOCS[:1])
        proxy.fail(2, status=502, path_part="/_bulk")
        store.upsert(DOCS[1:2])
        proxy.fail(2, status=None, path_part="/_bulk")
        store.upsert(DOCS[2:])
        assert proxy.failed_count() == 4
        assert store.count() == 3


def test_bulk_gives_up_after_max_retries(make_opensearch_store: MakeOpenSearchStore,
                                         opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        store = make_opensearch_store(OpenSearchSettings(url=proxy.url), max_retries=2,
                                      initial_backoff_s=0.01)
        store.upsert(DOCS[:1])
        proxy.fail(3, status=429, path_part="/_bulk")
        with pytest.raises(BackendUnavailable, match=proxy.url):
            store.upsert(DOCS[1:])
        assert proxy.failed_count() == 3


def test_duplicate_ids_across_batches_keep_the_last(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store(batch_size=7)
    docs = [IndexedDoc(id=f"d{i % 20}", title="Maçon", text=f"version {i // 20}")
            for i in range(50)]
    store.upsert(docs)
    assert store.count() == 20
    assert _ids(store, "version 2")[:10] == sorted(f"d{i}" for i in range(10))


def test_refused_documents_name_their_id(make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    bad = IndexedDoc(id="bad", title="Maçon", text="x",
                     location=GeoPoint.model_construct(lat=123.0, lon=0.0))
    with pytest.raises(BulkIndexError, match="'bad'"):
        store.upsert([bad])


def test_delete_on_a_missing_alias_is_a_no_op(make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    store.delete(["a", "b"])
    assert store.physical_indexes() == []
    assert store.count() == 0


# --- an unavailable node ----------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_node_raises_backend_unavailable() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    store = OpenSearchKeywordStore(OpenSearchSettings(url=url, timeout_s=2.0), "emploi-test-x",
                                   max_retries=1, initial_backoff_s=0.01)
    assert issubclass(BackendUnavailable, RuntimeError)
    for call in (lambda: store.search(KeywordQuery("boulanger"), Filters(), 5),
                 store.count, lambda: store.upsert(DOCS), lambda: store.delete(["a"])):
        with pytest.raises(BackendUnavailable, match=url) as caught:
            call()
        assert caught.value.url == url


def test_credentials_never_appear_in_the_message() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    settings = OpenSearchSettings(url=url.replace("//", "//admin:s3cret@"), timeout_s=2.0)
    store = OpenSearchKeywordStore(settings, "emploi-test-x")
    with pytest.raises(BackendUnavailable) as caught:
        store.count()
    assert url in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_passing_5xx_at_query_time_is_retried(
        make_opensearch_store: MakeOpenSearchStore, opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        store = make_opensearch_store(OpenSearchSettings(url=proxy.url))
        store.upsert(DOCS)
        proxy.fail(2, status=503, path_part="/_search")
        assert _ids(store, "boulanger") == ["a"]
        assert proxy.failed_count() == 2


def test_5xx_at_query_time_raises_backend_unavailable(
        make_opensearch_store: MakeOpenSearchStore, opensearch_url: str) -> None:
    with FailingProxy(opensearch_url) as proxy:
        store = make_opensearch_store(OpenSearchSettings(url=proxy.url, retries=1))
        store.upsert(DOCS)
        proxy.fail(100, status=503, path_part="/_search")
        with pytest.raises(BackendUnavailable, match=r"HTTP 503"):
            store.search(KeywordQuery("boulanger"), Filters(), 5)
        # (1 + client retries) attempts per read, (1 + read retries) reads
        assert proxy.failed_count() == (1 + 1) * (1 + store.read_retries)
        proxy.fail(0)
        assert _ids(store, "boulanger") == ["a"]


def test_several_node_urls_fail_over_to_the_live_one(
        make_opensearch_store: MakeOpenSearchStore, opensearch_url: str) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    store = make_opensearch_store(OpenSearchSettings(url=f"{dead},{opensearch_url}",
                                                     timeout_s=10.0))
    store.upsert(DOCS)
    for _ in range(6):  # round-robin reaches the dead node: the client retries on the other
        assert _ids(store, "boulanger") == ["a"]
    assert dead in store.url and opensearch_url in store.url


# --- query text is text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ['boulanger AND électricien', 'boulanger && électricien', '+boulanger +électricien',
     '"boulanger" "électricien"', 'title:boulanger text:électricien'],
)
def test_operators_are_words(make_opensearch_store: MakeOpenSearchStore, text: str) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    assert sorted(_ids(store, text)) == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    ["\\", "\\\\\"", '{"query": {"match_all": {}}}', "*:*", "boulanger\u0000", "a" * 5000,
     "(((", "]", "/.*/", "~", "^", "@#%&", "boulanger OR *", "\ufeff", "🥖 boulanger"],
)
def test_hostile_text_is_harmless(make_opensearch_store: MakeOpenSearchStore,
                                  text: str) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    found = _ids(store, text, titles=(text,))
    assert found == (["a"] if "boulanger" in text else [])


def test_documents_keep_odd_characters(make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store()
    store.upsert([IndexedDoc(id='id "with" \\ quotes/and:colons', title="Développeur C++ / C#",
                             text='Langages: "C++", Java (JVM) \\ Kotlin')])
    assert _ids(store, "kotlin") == ['id "with" \\ quotes/and:colons']
    store.delete(['id "with" \\ quotes/and:colons'])
    assert store.count() == 0


# --- synonyms, dates ---------------------------------------------------------------------------


def test_job_title_synonyms(make_opensearch_store: MakeOpenSearchStore) -> None:
    store = make_opensearch_store(synonyms=[
        "agent d'entretien, agent de propreté", "IBODE, infirmier de bloc opératoire",
        "# a comment", ""])
    store.upsert([*DOCS, IndexedDoc(id="i", title="Infirmier de bloc opératoire", text="")])
    assert _ids(store, "agent de propreté") == ["c"]
    assert _ids(store, "agent de proprete") == ["c"]  # the folded rule
    assert _ids(store, "", titles=("ibode",)) == ["i"]
    assert store.mapping_is_current()
    other = make_opensearch_store(index=store.alias, synonyms=["vendeur, vendeuse"])
    assert not other.mapping_is_current()


def test_dates_are_filtered_to_the_microsecond(
        make_opensearch_store: MakeOpenSearchStore) -> None:
    moment = datetime(2024, 3, 1, 12, 0, 0, 500, tzinfo=UTC)
    store = make_opensearch_store()
    store.upsert([IndexedDoc(id="x", title="Maçon", text="", created_at=moment)])
    after = Filters(created_after=moment.replace(microsecond=900))
    before = Filters(created_before=moment.replace(microsecond=100))
    exact = Filters(created_after=moment, created_before=moment.replace(tzinfo=None))
    for filters, expected in ((after, []), (before, []), (exact, ["x"])):
        hits = store.search(KeywordQuery("maçon"), filters, 5)
        assert [hit.id for hit in hits] == expected


def test_a_forked_process_gets_its_own_client(make_opensearch_store: MakeOpenSearchStore) -> None:
    """gunicorn forks its workers after the engine is open: a child must not share the
    parent's connections (two processes reading one socket mix their answers)."""
    store = make_opensearch_store()
    store.upsert(DOCS)
    assert _ids(store, "boulanger") == ["a"]
    parent_client = store.client
    pid = os.fork()
    if pid == 0:  # the child: its own client, which works
        ok = store.client is not parent_client and _ids(store, "boulanger") == ["a"]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.client is parent_client
    assert _ids(store, "électricien") == ["b"]


def test_a_rebuild_deletes_what_a_killed_rebuild_left(
        make_opensearch_store: MakeOpenSearchStore,
        make_opensearch_vector_store: MakeOpenSearchVectorStore) -> None:
    store = make_opensearch_store()
    store.upsert(DOCS)
    [live] = store.physical_indexes()
    crashed = make_opensearch_store(index=store.alias)
    leftover = crashed.begin_rebuild()  # then the process dies: no save, no close
    neighbour = make_opensearch_vector_store(2, index=f"{store.alias}-vectors")
    neighbour.upsert(["x"], np.asarray([[1.0, 0.0]], dtype=np.float32))
    [neighbour_index] = neighbour.physical_indexes()
    new = store.rebuild(DOCS[:1])
    assert not store.client.indices.exists(index=leftover)
    assert not store.client.indices.exists(index=live)
    assert store.physical_indexes() == [new]
    assert neighbour.physical_indexes() == [neighbour_index]  # another alias: untouched
    assert neighbour.count() == 1


# --- erasure ----------------------------------------------------------------------------------


def test_a_plain_delete_does_not_merge(make_opensearch_store: MakeOpenSearchStore) -> None:
    """Only an erasure pays for the merge: an ordinary delete leaves it to OpenSearch."""
    store = make_opensearch_store()
    store.upsert(DOCS)
    store.delete(["c"])
    [physical] = store.physical_indexes()
    docs = store.client.indices.stats(index=physical, metric="docs")["indices"][physical]
    assert docs["primaries"]["docs"]["count"] == 2
    assert docs["primaries"]["docs"]["deleted"] > 0


def test_a_purge_that_cannot_finish_in_time_says_so(
        make_opensearch_store: MakeOpenSearchStore,
        opensearch_settings: OpenSearchSettings) -> None:
    """The node moves its retention lease every 30 s: a purge given 0.05 s cannot expunge, and
    must fail rather than report an erasure that left the documents in the segments."""
    settings = opensearch_settings.model_copy(update={"purge_timeout_s": 0.05})
    store = make_opensearch_store(settings=settings)
    store.upsert(DOCS)
    with pytest.raises(PurgeIncomplete, match="still keeps deleted documents"):
        store.purge(["c"])
    assert _ids(store, "nettoyage") == []  # deleted all the same; a retry expunges
