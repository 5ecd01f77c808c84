"""The embedded vector store: FAISS, inner product on unit vectors, string ids.

String ids map to int64 labels of an ``IndexIDMap2``; labels are never reused, so a stale
label can never name another document. ``allowed`` becomes an ``IDSelectorBatch`` passed
through ``SearchParameters``, so filtering happens inside the search (exact for ``Flat``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from indexer.stores.protocols import Hit

logger = logging.getLogger(__name__)

INDEX_FILE = "index.faiss"
IDS_FILE = "ids.json"
FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


class FaissVectorStore:
    """A ``VectorStore`` on a FAISS index built by ``index_factory`` (exact with ``"Flat"``).

    Safe to share between threads (writes and searches are serialised).
    """

    def __init__(self, dimension: int, index_factory: str = "Flat") -> None:
        if dimension <= 0:
            raise ValueError(f"dimension must be positive, got {dimension}")
        self._dimension = dimension
        self._factory = index_factory
        inner = faiss.index_factory(dimension, index_factory, faiss.METRIC_INNER_PRODUCT)
        self._index: Any = faiss.IndexIDMap2(inner)
        self._label_of: dict[str, int] = {}
        self._id_of: dict[int, str] = {}
        self._next_label = 0
        self._lock = threading.RLock()

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return self._dimension

    def count(self) -> int:
        """How many vectors the store holds."""
        return len(self._label_of)

    # --- writes -------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: FloatArray) -> None:
        """Add vectors, replacing any with the same id (the last one wins within a batch)."""
        matrix = self._validate(vectors, "vectors")
        if len(ids) != matrix.shape[0]:
            raise ValueError(f"{len(ids)} ids for {matrix.shape[0]} vectors")
        last_row = {doc_id: row for row, doc_id in enumerate(ids)}
        rows = np.fromiter(last_row.values(), dtype=np.int64, count=len(last_row))
        with self._lock:
            self._remove(last_row.keys())
            labels = np.arange(self._next_label, self._next_label + len(rows), dtype=np.int64)
            self._next_label += len(rows)
            self._train_if_needed(matrix[rows])
            self._index.add_with_ids(matrix[rows], labels)
            for doc_id, label in zip(last_row, labels.tolist(), strict=True):
                self._label_of[doc_id] = label
                self._id_of[label] = doc_id

    def delete(self, ids: Iterable[str]) -> None:
        """Remove vectors by id; unknown ids are ignored."""
        with self._lock:
            self._remove(ids)

    # --- search -------------------------------------------------------------------------------

    def search(
        self, vectors: FloatArray, top_k: int, allowed: Collection[str] | None = None
    ) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest stored ids among ``allowed``."""
        queries = self._validate(vectors, "query vectors")
        with self._lock:
            labels = None if allowed is None else self._labels(allowed)
            size = self.count() if labels is None else len(labels)
            k = min(top_k, size)
            if k <= 0 or queries.shape[0] == 0:
                return [[] for _ in range(queries.shape[0])]
            params = None
            selector = None if labels is None else faiss.IDSelectorBatch(labels)
            if selector is not None:
                params = faiss.SearchParameters()
                params.sel = selector  # ``selector`` stays referenced during the search
            scores, found = self._index.search(queries, k, params=params)
            return [self._hits(row_scores, row_labels)
                    for row_scores, row_labels in zip(scores, found, strict=True)]

    # --- persistence --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index and the id map into ``directory``, each file replaced atomically."""
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            with _atomic_path(directory / INDEX_FILE) as temporary:
                faiss.write_index(self._index, str(temporary))
            meta = {
                "format_version": FORMAT_VERSION,
                "faiss_version": faiss.__version__,
                "dimension": self._dimension,
                "index_factory": self._factory,
                "next_label": self._next_label,
                "ids": sorted(([label, doc_id] for label, doc_id in self._id_of.items())),
            }
        with _atomic_path(directory / IDS_FILE) as temporary:
            temporary.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        logger.debug("saved %d vectors to %s", self.count(), directory)

    @classmethod
    def load(cls, directory: Path) -> FaissVectorStore:
        """Open a store written by ``save`` (the index file memory-mapped where FAISS can)."""
        meta = json.loads((directory / IDS_FILE).read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{directory / IDS_FILE}: unsupported format version "
                             f"{meta.get('format_version')!r}, expected {FORMAT_VERSION}")
        store = cls(int(meta["dimension"]), str(meta["index_factory"]))
        store._index = faiss.read_index(str(directory / INDEX_FILE), faiss.IO_FLAG_MMAP)
        store._id_of = {int(label): str(doc_id) for label, doc_id in meta["ids"]}
        store._label_of = {doc_id: label for label, doc_id in store._id_of.items()}
        store._next_label = int(meta["next_label"])
        if store._index.ntotal != len(store._id_of) or store._index.d != store._dimension:
            raise ValueError(f"{directory}: index holds {store._index.ntotal} vectors of "
                             f"dimension {store._index.d}, id map {len(store._id_of)} of "
                             f"dimension {store._dimension}")
        return store

    # --- internals ----------------------------------------------------------------------------

    def _validate(self, vectors: object, what: str) -> FloatArray:
        array = np.asarray(vectors)
        if array.ndim != 2 or array.shape[1] != self._dimension:
            raise ValueError(f"{what} must have shape (n, {self._dimension}) for this "
                             f"{self._dimension}-dimensional store, got {array.shape}")
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"{what} must be float32, got {array.dtype}")
        if not np.isfinite(array).all():
            raise ValueError(f"{what} contain NaN or infinite values")
        return np.ascontiguousarray(array, dtype=np.float32)

    def _train_if_needed(self, matrix: FloatArray) -> None:
        if not self._index.is_trained:
            logger.info("training FAISS index %r on %d vectors", self._factory, len(matrix))
            self._index.train(matrix)

    def _remove(self, ids: Iterable[str]) -> None:
        labels = [self._label_of.pop(doc_id) for doc_id in ids if doc_id in self._label_of]
        if not labels:
            return
        for label in labels:
            del self._id_of[label]
        self._index.remove_ids(np.asarray(labels, dtype=np.int64))

    def _labels(self, allowed: Collection[str]) -> IdArray:
        labels = [self._label_of[doc_id] for doc_id in allowed if doc_id in self._label_of]
        return np.asarray(sorted(set(labels)), dtype=np.int64)

    def _hits(self, scores: FloatArray, labels: IdArray) -> list[Hit]:
        return [Hit(id=self._id_of[label], score=float(score))
                for score, label in zip(scores.tolist(), labels.tolist(), strict=True)
                if label >= 0 and label in self._id_of]


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` that replaces it (``os.replace``) on success."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)
