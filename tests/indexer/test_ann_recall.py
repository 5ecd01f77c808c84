"""Recall of the IVF vector index, measured and tuned when a generation is written."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from indexer.manifest import Manifest
from indexer.stores.ann_recall import RecallCheck, ensure_recall, exact_scores, recall_of
from indexer.stores.faiss_store import FaissVectorStore

DIMENSION = 32


def _unit_rows(count: int, seed: int = 3) -> np.ndarray:
    """Uniform random unit vectors: no clusters, the hard case for an IVF index."""
    rows = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _ivf_store(vectors: np.ndarray, factory: str = "IVF64,Flat") -> FaissVectorStore:
    store = FaissVectorStore(DIMENSION, factory)
    store.upsert([f"d{i}" for i in range(len(vectors))], vectors)
    return store


def _independent_recall(store: FaissVectorStore, vectors: np.ndarray, nprobe: int) -> float:
    """recall@10 (the query itself left out) computed with numpy, not with the code under
    test."""
    queries = vectors[::40]
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, 1:11]
    hits = store.search_labels(queries, 11, None, nprobe=nprobe)
    found = [{int(h.id[1:]) for h in row} for row in hits]
    return float(np.mean([len(set(e.tolist()) & f) / 10 for e, f in zip(exact, found,
                                                                          strict=True)]))


def test_tuning_raises_nprobe_until_the_target_is_met() -> None:
    vectors = _unit_rows(8000)
    store = _ivf_store(vectors)
    default = store.nprobe
    assert _independent_recall(store, vectors, default) < 0.9  # the default probes too few
    check = ensure_recall(store, target=0.95, sample=400)
    assert check is not None and check.met
    assert check.nprobe > default and store.nprobe == check.nprobe
    assert check.sample == 400 and check.count == 8000 and check.factory == "IVF64,Flat"
    assert _independent_recall(store, vectors, store.nprobe) >= 0.92
    # the smallest probe count found: half of it misses the target
    assert _independent_recall(store, vectors, max(1, store.nprobe // 2)) < 0.95


def test_exact_scores_are_the_best_inner_products_of_all_stored_vectors() -> None:
    vectors = _unit_rows(3000)
    store = _ivf_store(vectors, "IVF32,Flat")
    queries = store.sample_stored_vectors(50, seed=5)
    expected = -np.sort(-(queries @ vectors.T), axis=1)[:, :11]
    assert np.allclose(exact_scores(store, queries), expected, atol=1e-5)
    assert recall_of(store, queries, exact_scores(store, queries), nprobe=32) == 1.0
    # the sample holds stored vectors, each once
    assert np.allclose(np.max(queries @ vectors.T, axis=1), 1.0, atol=1e-5)
    assert len({row.tobytes() for row in queries}) == 50


def test_an_unreachable_target_keeps_the_best_probe_and_warns(
        caplog: pytest.LogCaptureFixture) -> None:
    store = _ivf_store(_unit_rows(8000))
    with caplog.at_level(logging.WARNING, logger="indexer.stores.ann_recall"):
        check = ensure_recall(store, target=0.99, sample=300, max_probe_share=0.5,
                              label="offers")
    assert check is not None and not check.met
    assert store.nprobe == check.nprobe == 32  # half of the 64 lists, the largest allowed
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "offers" in record.getMessage() and "below the target 0.990" in record.getMessage()


def test_an_exact_store_needs_no_check() -> None:
    store = FaissVectorStore(DIMENSION)
    store.upsert([f"d{i}" for i in range(500)], _unit_rows(500))
    assert ensure_recall(store, target=0.97, sample=100) is None
    assert store.recall_check is None


def test_the_check_is_kept_until_the_store_grows(caplog: pytest.LogCaptureFixture) -> None:
    vectors = _unit_rows(8800)
    store = _ivf_store(vectors[:8000])
    first = ensure_recall(store, target=0.95, sample=200)
    store.upsert(["extra"], vectors[8000:8001])
    assert ensure_recall(store, target=0.95, sample=200) is first  # +0.01 %: still valid
    store.upsert([f"e{i}" for i in range(800)], vectors[8000:])
    again = ensure_recall(store, target=0.95, sample=200)
    assert again is not first and again is not None and again.count == 8801


def test_ties_between_duplicates_count_as_found() -> None:
    base = _unit_rows(2000)
    vectors = np.repeat(base, 4, axis=0)  # every vector four times: the order of ties is free
    store = _ivf_store(vectors, "IVF32,Flat")
    check = ensure_recall(store, target=0.97, sample=200, max_probe_share=1.0)
    assert check is not None and check.met


def test_the_check_is_saved_with_the_store(tmp_path: Path) -> None:
    store = _ivf_store(_unit_rows(8000))
    check = ensure_recall(store, target=0.9, sample=200)
    store.save(tmp_path)
    loaded = FaissVectorStore.load(tmp_path)
    assert loaded.recall_check == check and loaded.nprobe == check.nprobe


def test_manifest_round_trip_and_manifests_without_a_check(tmp_path: Path) -> None:
    check = RecallCheck(recall_at_10=0.981, nprobe=48, sample=1000, target=0.97,
                        count=120_000, factory="IVF256,Flat", seconds=3.2)
    manifest = Manifest(encoder="static", dimension=256, keyword_backend="embedded",
                        vector_indexes={"offers": {"factory": "IVF256,Flat", "nprobe": 48,
                                                   "recall": check.to_dict()},
                                        "profiles": {"factory": "Flat", "nprobe": 0,
                                                     "recall": None}})
    manifest.write(tmp_path)
    read = Manifest.read(tmp_path)
    assert read.recall("offers") == check and read.recall("profiles") is None
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(
        '{"encoder": "use-m3", "dimension": 512, "keyword_backend": "embedded", '
        '"vector_index": "IVF256,Flat", "vector_indexes": {"offers": '
        '{"factory": "IVF256,Flat", "nprobe": 16}}, "format_version": 2}')
    assert Manifest.read(old).recall("offers") is None


def test_half_precision_lists_read_back_their_vectors_and_are_tuned_alike() -> None:
    import faiss

    vectors = _unit_rows(8000)
    store = _ivf_store(vectors, "IVF64,SQfp16")
    assert faiss.extract_index_ivf(store._index).code_size == DIMENSION * 2
    stored = np.concatenate(list(store.list_vectors()))
    assert stored.shape == vectors.shape
    # each list holds the vectors themselves (not residuals), to half precision
    assert np.all((stored @ vectors.T).max(axis=1) > 1 - 1e-3)
    assert np.allclose(np.sort(stored[:, 0]), np.sort(vectors[:, 0]), atol=1e-3)
    check = ensure_recall(store, target=0.95, sample=400)
    assert check is not None and check.met and check.factory == "IVF64,SQfp16"
    assert _independent_recall(store, vectors, store.nprobe) >= 0.92
