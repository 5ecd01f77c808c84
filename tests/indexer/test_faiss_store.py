"""The FAISS vector store: the shared conformance suite, plus FAISS specifics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from indexer.stores.faiss_store import IDS_FILE, INDEX_FILE, LABELS_FILE, FaissVectorStore
from indexer.stores.protocols import ReadPreparingStore, VectorStore
from tests.conformance.vector_store_suite import (
    MakeVectorStore,
    ReloadVectorStore,
    VectorStoreConformance,
)


def _save_and_load(store: VectorStore, directory: Path) -> VectorStore:
    assert isinstance(store, FaissVectorStore)
    store.save(directory)
    return FaissVectorStore.load(directory)


class TestFaissVectorStore(VectorStoreConformance):
    """Runs the conformance suite on exact (Flat) FAISS stores."""

    @pytest.fixture
    def make_store(self) -> MakeVectorStore:
        return FaissVectorStore

    @pytest.fixture
    def reload(self) -> ReloadVectorStore:
        return _save_and_load


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = FaissVectorStore(2)
    store.upsert(["a"], np.asarray([[1.0, 0.0]], dtype=np.float32))
    store.save(tmp_path)
    store.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([INDEX_FILE, IDS_FILE, LABELS_FILE])


def test_labels_are_not_reused_after_reload(tmp_path: Path) -> None:
    store = FaissVectorStore(2)
    store.upsert(["a", "b"], np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    store.delete(["b"])
    store.save(tmp_path)
    loaded = FaissVectorStore.load(tmp_path)
    loaded.upsert(["c"], np.asarray([[0.0, 1.0]], dtype=np.float32))
    [hits] = loaded.search(np.asarray([[0.0, 1.0]], dtype=np.float32), 5)
    assert [hit.id for hit in hits] == ["c", "a"]


def test_integer_vectors_are_refused() -> None:
    with pytest.raises(ValueError, match="float32"):
        FaissVectorStore(2).upsert(["a"], np.asarray([[1, 0]]))


def test_non_positive_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="dimension"):
        FaissVectorStore(0)


def _unit_rows(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def test_index_type_is_chosen_by_size() -> None:
    from indexer.stores.faiss_store import choose_index

    assert choose_index(10_000) == ("Flat", 0)
    assert choose_index(1_000_000) == ("IVF4096,SQfp16", 128)  # 4·√1M = 4,000 → 4,096 lists
    assert choose_index(100_000) == ("IVF1024,SQfp16", 32)  # 4·√100k ≈ 1,265 → 1,024
    # a forced small IVF: 4·√2,000 ≈ 179 → 256 lists, halved until 40 points each → 32
    assert choose_index(2_000, flat_max=100) == ("IVF32,SQfp16", 16)


def test_large_store_switches_to_ivf_on_save_and_stays_updatable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.stores.faiss_store as faiss_store

    monkeypatch.setattr(faiss_store, "FLAT_MAX_VECTORS", 100)
    monkeypatch.setattr(faiss_store, "MIN_NPROBE", 256)  # probe every list: exact
    vectors = _unit_rows(12_000)
    ids = [f"d{i}" for i in range(len(vectors))]
    store = FaissVectorStore(16)
    store.upsert(ids, vectors)
    store.save(tmp_path)
    assert store.index_factory.startswith("IVF")
    reader = FaissVectorStore.load(tmp_path)  # memory-mapped
    query = vectors[:3]
    exact = np.argsort(-(vectors @ query.T), axis=0)[:5].T
    for row, hits in enumerate(reader.search(query, 5)):
        assert [hit.id for hit in hits] == [ids[i] for i in exact[row]]
    allowed = {f"d{i}" for i in range(0, 12_000, 7)}
    [hits] = reader.search(query[:1], 3, allowed=allowed)
    assert all(hit.id in allowed for hit in hits) and len(hits) == 3
    wide = {f"d{i}" for i in range(1, 12_000, 2)}  # a long allow-list: bitmap selector
    rows = np.array(sorted(range(1, 12_000, 2)))
    best = rows[np.argsort(-(vectors[rows] @ query[0]))[:3]]
    [hits] = reader.search(query[:1], 3, allowed=wide)
    assert [hit.id for hit in hits] == [ids[i] for i in best]
    writer = FaissVectorStore.load(tmp_path, mmap=False)
    writer.delete(["d0"])
    writer.upsert(["new"], vectors[:1])
    [hits] = writer.search(vectors[:1], 1)
    assert hits[0].id == "new"
    writer.save(tmp_path)
    assert FaissVectorStore.load(tmp_path).count() == 12_000


def _switched(store: FaissVectorStore, factory: str) -> None:
    store._switch_to(factory, 8)


def _reference_ivf(vectors: np.ndarray, labels: np.ndarray, factory: str) -> Any:
    """The IVF index the switch must build: trained on its sample, every vector added at once."""
    import indexer.stores.faiss_store as faiss_store

    nlist = int(factory[3:].split(",")[0])
    sample = min(len(vectors), nlist * faiss_store.TRAIN_POINTS_PER_LIST,
                 faiss_store.TRAIN_MAX)
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=sample, replace=False))
    index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors[rows])
    index.add_with_ids(vectors, labels)
    return index


def test_the_switch_fills_the_ivf_index_in_chunks_as_adding_all_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.stores.vector_spill as vector_spill

    monkeypatch.setattr(vector_spill, "CHUNK_ROWS", 700)  # five chunks, the last one short
    vectors = _unit_rows(3000)
    ids = [f"d{i}" for i in range(3000)]
    store = FaissVectorStore(16, spill_dir=tmp_path / "spill")
    store.upsert(ids, vectors)
    store.delete([f"d{i}" for i in range(0, 3000, 5)])  # the exact index compacts its rows
    kept = np.array([i for i in range(3000) if i % 5], dtype=np.int64)
    _switched(store, "IVF16,Flat")
    expected = _reference_ivf(vectors[kept], kept, "IVF16,Flat")
    assert store.index_factory == "IVF16,Flat" and store.count() == len(kept)
    assert np.array_equal(faiss.serialize_index(store._index),
                          faiss.serialize_index(expected))
    assert list((tmp_path / "spill").iterdir()) == []  # the spilled vectors are gone


def test_a_fresh_store_spills_its_vectors_and_switches_from_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.stores.vector_spill as vector_spill

    monkeypatch.setattr(vector_spill, "CHUNK_ROWS", 700)
    vectors = _unit_rows(3000)
    store = FaissVectorStore(16, spill_dir=tmp_path / "spill")
    for first in range(0, 3000, 1000):  # three batches, none held in an index
        store.upsert([f"d{i}" for i in range(first, first + 1000)], vectors[first:first + 1000])
    assert store._index.ntotal == 0 and store.count() == 3000
    assert len(list((tmp_path / "spill").iterdir())) == 0  # unnamed: gone with the process
    assert store.label_of("d2999") == 2999
    _switched(store, "IVF16,Flat")
    expected = _reference_ivf(vectors, np.arange(3000, dtype=np.int64), "IVF16,Flat")
    assert np.array_equal(faiss.serialize_index(store._index),
                          faiss.serialize_index(expected))


def test_a_spilled_store_reads_its_vectors_back_when_searched_or_replaced() -> None:
    vectors = _unit_rows(500)
    store = FaissVectorStore(16)
    store.upsert([f"d{i}" for i in range(400)], vectors[:400])
    assert store._index.ntotal == 0
    assert store.search(vectors[7:8], 1)[0][0].id == "d7"  # read back for the search
    assert store._index.ntotal == 400
    store.upsert([f"d{i}" for i in range(400, 500)], vectors[400:])  # into the index now
    store.upsert(["d3"], vectors[450:451])  # a replacement
    assert store._index.ntotal == 500 and store.count() == 500
    assert {hit.id for hit in store.search(vectors[450:451], 2)[0]} == {"d3", "d450"}


def test_a_failed_switch_from_the_spill_keeps_every_vector(
        monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _unit_rows(2000)
    store = FaissVectorStore(16)
    store.upsert([f"d{i}" for i in range(2000)], vectors)

    def fill(*args: Any) -> None:
        raise MemoryError("no room for the inverted lists")

    monkeypatch.setattr(FaissVectorStore, "_fill", staticmethod(fill))
    with pytest.raises(MemoryError):
        _switched(store, "IVF16,Flat")
    assert store.index_factory == "Flat" and store._index.ntotal == 2000
    scores = vectors @ vectors[11]
    expected = [f"d{i}" for i in np.argsort(-scores)[:10]]
    assert [hit.id for hit in store.search(vectors[11:12], 10)[0]] == expected


def test_a_failed_switch_keeps_the_exact_index(monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.stores.vector_spill as vector_spill

    monkeypatch.setattr(vector_spill, "CHUNK_ROWS", 500)
    vectors = _unit_rows(2000)
    ids = [f"d{i}" for i in range(2000)]
    store = FaissVectorStore(16)
    store.upsert(ids, vectors)
    before = store.search(vectors[:5], 10)
    real_fill = FaissVectorStore._fill
    calls: list[int] = []

    def fill(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:  # the second chunk: out of memory, a signal…
            raise MemoryError("no room for the inverted lists")
        real_fill(*args)

    monkeypatch.setattr(FaissVectorStore, "_fill", staticmethod(fill))
    with pytest.raises(MemoryError):
        _switched(store, "IVF16,Flat")
    monkeypatch.setattr(FaissVectorStore, "_fill", staticmethod(real_fill))
    assert store.index_factory == "Flat" and store.count() == 2000
    assert store.search(vectors[:5], 10) == before
    _switched(store, "IVF16,Flat")
    assert store.index_factory == "IVF16,Flat"


def test_an_ivf_store_finds_the_right_ids_after_deletes_and_replacements(
        tmp_path: Path) -> None:
    vectors = _unit_rows(3000)
    store = FaissVectorStore(16, "IVF16,Flat")
    store.upsert([f"d{i}" for i in range(3000)], vectors)
    store.delete([f"d{i}" for i in range(0, 3000, 3)])
    store.upsert(["d1"], vectors[2:3])  # d1 now holds d2's vector: both score 1.0 there
    store.save(tmp_path)
    for reader in (store, FaissVectorStore.load(tmp_path), FaissVectorStore.load(tmp_path,
                                                                                mmap=False)):
        for row in range(4, 300, 3):  # kept and untouched: each finds itself first
            [hits] = reader.search_labels(vectors[row:row + 1], 1, nprobe=16)
            assert hits[0].id == f"d{row}"
        [hits] = reader.search_labels(vectors[2:3], 2, nprobe=16)
        assert {hit.id for hit in hits} == {"d1", "d2"}
        [hits] = reader.search_labels(vectors[1:2], 3, nprobe=16)
        assert "d1" not in {hit.id for hit in hits}  # its old vector is gone


def test_the_catalog_sees_the_recall_check_through_its_protocol() -> None:
    from indexer.stores.protocols import RecallCheckedVectorStore

    assert isinstance(FaissVectorStore(8), RecallCheckedVectorStore)


def _exact_ids(vectors: np.ndarray, rows: list[int], query: np.ndarray, k: int) -> list[str]:
    scores = vectors[rows] @ query
    return [f"d{rows[i]}" for i in np.lexsort((np.array(rows), -scores))[:k]]


def test_a_short_allow_list_is_scored_exactly_through_every_change(tmp_path: Path) -> None:
    vectors = _unit_rows(3000)
    store = FaissVectorStore(16, "IVF64,Flat", nprobe=1)  # one list: far from exact
    store.upsert([f"d{i}" for i in range(3000)], vectors)
    rows = list(range(5, 3000, 75))
    allowed = {f"d{i}" for i in rows}
    assert store._exact_is_cheaper(len(allowed), None)
    query = vectors[7]
    expected = _exact_ids(vectors, rows, query, 5)
    assert [hit.id for hit in store.search(query[None], 5, allowed)[0]] == expected
    gone, moved = expected[0], expected[1]  # delete the best, send the second far away
    store.delete([gone])
    store.upsert([moved], -query[None])
    vectors[int(moved[1:])] = -query
    rows.remove(int(gone[1:]))
    expected = _exact_ids(vectors, rows, query, 5)
    assert moved not in expected
    store.save(tmp_path)
    for reader in (store, FaissVectorStore.load(tmp_path)):  # and memory-mapped
        assert [hit.id for hit in reader.search(query[None], 5, allowed)[0]] == expected


@pytest.mark.parametrize("factory", ["IVF64,Flat", "IVF64,SQfp16"])
def test_prepared_reads_map_the_lists_the_exact_scoring_reads(tmp_path: Path,
                                                               factory: str) -> None:
    """A reader's memory-mapped lists are read back by label in one gather; a writer's lists
    in memory through FAISS's direct map. Both score exactly what the lists hold (half
    precision: the vectors rounded to float16)."""
    vectors = _unit_rows(3000)
    held = vectors if factory.endswith("Flat") else vectors.astype(np.float16).astype(np.float32)
    store = FaissVectorStore(16, factory, nprobe=1)
    store.upsert([f"d{i}" for i in range(3000)], vectors)
    store.save(tmp_path)
    direct_map: Any = faiss.DirectMap  # type: ignore[attr-defined]  # missing from the stubs
    rows = list(range(3, 3000, 90))
    query = vectors[11]
    allowed = {f"d{i}" for i in rows}
    for mmap in (True, False):
        reader = FaissVectorStore.load(tmp_path, mmap=mmap)
        assert isinstance(reader, ReadPreparingStore)
        ivf = faiss.extract_index_ivf(reader._index)
        assert ivf.direct_map.type == direct_map.NoMap
        reader.prepare_reads()
        mapped = reader._mapped_codes is not None
        assert mapped == mmap
        assert ivf.direct_map.type == (direct_map.NoMap if mmap else direct_map.Hashtable)
        assert [hit.id for hit in reader.search(query[None], 5, allowed)[0]] == _exact_ids(
            held, rows, query, 5)
    exact = FaissVectorStore(16)
    exact.upsert(["a"], vectors[:1])
    exact.prepare_reads()  # nothing to build for an exact index
    assert [hit.id for hit in exact.search(vectors[:1], 1)[0]] == ["a"]


@pytest.mark.parametrize("factory", ["IVF32,Flat", "IVF32,SQfp16"])
def test_mapped_list_codes_read_what_faiss_reconstructs(tmp_path: Path, factory: str) -> None:
    from indexer.stores.list_codes import MappedListCodes

    vectors = _unit_rows(2000)
    store = FaissVectorStore(16, factory, nprobe=4)
    store.upsert([f"d{i}" for i in range(2000)], vectors)
    store.delete(["d5"])  # a label no list holds any more
    store.save(tmp_path)
    reader = FaissVectorStore.load(tmp_path)
    codes = MappedListCodes.of(reader._index, reader._next_label)
    assert codes is not None
    labels = np.array([1999, 0, 7, 1024, 6, 300, 301], dtype=np.int64)
    query = vectors[300]
    truth = reader._direct_mapped().reconstruct_batch(labels) @ query
    for k in (len(labels), 3, 1):  # all of them (every score), and fewer
        scores, best = codes.best(query, labels, k)
        order = np.lexsort((labels, -truth))[:k]
        assert best.tolist() == labels[order].tolist()
        assert np.allclose(scores, truth[order], atol=1e-5)
    assert best.tolist() == [300]
    assert codes.best(query, labels, 0)[1].size == 0
    with pytest.raises(KeyError, match="do not hold"):
        codes.best(query, np.array([5], dtype=np.int64), 1)
    in_memory = FaissVectorStore.load(tmp_path, mmap=False)
    assert MappedListCodes.of(in_memory._index, in_memory._next_label) is None


@pytest.mark.parametrize("factory", ["IVF8,Flat", "IVF8,SQfp16"])
def test_mapped_list_codes_break_a_tie_across_the_kth_by_label(tmp_path: Path,
                                                                factory: str) -> None:
    from indexer.stores.list_codes import MappedListCodes

    vectors = _unit_rows(400)
    vectors[[50, 20, 390, 7]] = vectors[100]  # five equal vectors: labels 7, 20, 50, 100, 390
    store = FaissVectorStore(16, factory, nprobe=8)
    store.upsert([f"d{i}" for i in range(400)], vectors)
    store.save(tmp_path)
    reader = FaissVectorStore.load(tmp_path)
    codes = MappedListCodes.of(reader._index, reader._next_label)
    assert codes is not None
    labels = np.array([390, 3, 100, 50, 9, 20, 7], dtype=np.int64)
    scores, best = codes.best(vectors[100], labels, 3)  # the tie spans the 3rd and beyond
    assert best.tolist() == [7, 20, 50] and np.isclose(scores[0], scores[2])


def test_a_write_forgets_where_the_lists_codes_were(tmp_path: Path) -> None:
    vectors = _unit_rows(1200)
    store = FaissVectorStore(16, "IVF16,Flat", nprobe=16)
    store.upsert([f"d{i}" for i in range(1000)], vectors[:1000])
    store.save(tmp_path)
    writer = FaissVectorStore.load(tmp_path, mmap=False)
    writer.prepare_reads()
    writer.upsert([f"d{i}" for i in range(1000, 1200)], vectors[1000:])
    assert not writer._codes_looked_up
    rows = list(range(1000, 1200, 7))
    [hits] = writer.search(vectors[1100:1101], 3, {f"d{i}" for i in rows})
    assert [hit.id for hit in hits] == _exact_ids(vectors, rows, vectors[1100], 3)


def test_a_memory_mapped_ivf_index_searches_without_prefetch_threads(tmp_path: Path) -> None:
    vectors = _unit_rows(2_000)
    store = FaissVectorStore(16, "IVF16,Flat", nprobe=16)  # every list: exact
    store.upsert([f"d{i}" for i in range(len(vectors))], vectors)
    store.save(tmp_path)
    reader = FaissVectorStore.load(tmp_path)
    mapped = faiss.extract_index_ivf(reader._index).invlists
    assert mapped is not None
    lists = faiss.downcast_InvertedLists(mapped)
    assert isinstance(lists, faiss.OnDiskInvertedLists)  # mapped, as readers open it
    assert lists.prefetch_nthread == 0
    exact = np.argsort(-(vectors @ vectors[7]))[:5]
    [hits] = reader.search(vectors[7:8], 5)
    assert [hit.id for hit in hits] == [f"d{i}" for i in exact]


def test_list_codes_of_another_size_are_refused() -> None:
    from indexer.stores.faiss_store import _decoded

    with pytest.raises(ValueError, match="3 bytes a vector"):
        _decoded(np.zeros(6, dtype=np.uint8), 2, 16)
