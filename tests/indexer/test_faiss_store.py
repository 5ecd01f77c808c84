"""The FAISS vector store: the shared conformance suite, plus FAISS specifics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.stores.faiss_store import IDS_FILE, INDEX_FILE, FaissVectorStore
from indexer.stores.protocols import VectorStore
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
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([INDEX_FILE, IDS_FILE])


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
