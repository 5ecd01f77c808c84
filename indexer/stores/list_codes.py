"""The best of an allow-list's vectors, read back by label from the memory-mapped inverted
lists of an IVF index in one gather, and scored exactly.

A filtered search whose allow-list is short scores the allowed vectors exactly
(``FaissVectorStore._exact_among``). FAISS reads them back one at a time through its direct
map, and decodes a half-precision code through a quantiser object it builds for each vector
(1M offers, 30 km, ≈ 5,400 allowed: 8.9 ms CPU p50, against 2.3 with full vectors;
docs/performance.md, "Stop 39"). A reader's lists are memory-mapped
(``OnDiskInvertedLists``), one region where each vector's code sits at a fixed byte offset:
:class:`MappedListCodes` finds those offsets once (each list's ids, one pass over the lists)
and then copies any set of codes out with one indexing operation. Full vectors are scored by
one matrix product; half-precision codes by FAISS's own kernel, a flat index over the
gathered codes (NumPy's float16 → float32 conversion alone took 2.6 ms there).

:func:`best_of` is the selection every exact path shares: the ``k`` best scores, ties broken
by label, whatever order the scores were computed in.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


def vectors_of(codes: npt.NDArray[np.uint8], dimension: int) -> FloatArray:
    """Inverted-list codes, one C-contiguous row each, as float32 vectors of ``dimension``:
    full vectors (``Flat``) or half-precision ones (``SQfp16``)."""
    code_size = codes.shape[1]
    if code_size == dimension * 4:
        return codes.view(np.float32)
    if code_size == dimension * 2:
        return codes.view(np.float16).astype(np.float32)
    raise ValueError(f"inverted list codes of {code_size} bytes a vector: neither full nor "
                     f"half-precision vectors of dimension {dimension}")


def readable(code_size: int, dimension: int) -> bool:
    """Whether :func:`vectors_of` reads codes of ``code_size`` bytes."""
    return code_size in (dimension * 4, dimension * 2)


def best_of(scores: FloatArray, labels: IdArray, k: int) -> tuple[FloatArray, IdArray]:
    """The ``k`` best ``scores`` and their ``labels``, best first: every score tied with the
    k-th is a candidate, and ties are broken by label."""
    keep = np.arange(len(scores))
    if len(scores) > k:
        keep = np.flatnonzero(scores >= np.partition(scores, len(scores) - k)[-k])
    best = keep[np.lexsort((labels[keep], -scores[keep]))][:k]
    return scores[best], labels[best]


class MappedListCodes:
    """The codes of an IVF index's memory-mapped lists, by label. Valid while the lists are
    unchanged: a store that writes to its index drops it."""

    def __init__(self, region: npt.NDArray[np.uint8], offsets: IdArray, dimension: int,
                 code_size: int, owner: Any) -> None:
        self._codes = np.ndarray(shape=(max(len(region) - code_size + 1, 0),),
                                 dtype=np.dtype((np.void, code_size)), buffer=region,
                                 strides=(1,))
        """Every byte offset of the mapped region as the start of a code (a view, no copy):
        indexing it with offsets copies whole codes."""
        self._codes.flags.writeable = False  # the mapping is read-only
        self._offsets = offsets
        self._dimension = dimension
        self._code_size = code_size
        self._owner = owner  # the index whose mapping the region is: kept alive with it

    @classmethod
    def of(cls, index: Any, labels: int) -> MappedListCodes | None:
        """The codes of ``index``'s lists (an IVF index with full or half-precision vectors,
        labels below ``labels``), or None when its lists are not memory-mapped or hold other
        codes."""
        ivf: Any = faiss.extract_index_ivf(index)
        lists: Any = faiss.downcast_InvertedLists(ivf.invlists)
        if not isinstance(lists, faiss.OnDiskInvertedLists) or lists.ptr is None:
            return None
        dimension, code_size = int(ivf.d), int(lists.code_size)
        if not readable(code_size, dimension):
            return None
        offsets = np.full(max(labels, 0), -1, dtype=np.int64)
        entries: Any = lists.lists  # a SWIG vector of (size, capacity, byte offset)
        for number in range(int(lists.nlist)):
            size = int(lists.list_size(number))
            if size:
                ids = faiss.rev_swig_ptr(lists.get_ids(number), size)
                start = int(entries.at(number).offset)
                offsets[ids] = start + np.arange(size, dtype=np.int64) * code_size
        region = faiss.rev_swig_ptr(lists.ptr, int(lists.totsize))
        return cls(region, offsets, dimension, code_size, index)

    @property
    def half_precision(self) -> bool:
        """Whether the lists hold half-precision codes (``SQfp16``), not full vectors."""
        return self._code_size == self._dimension * 2

    def best(self, query: FloatArray, labels: IdArray, k: int) -> tuple[FloatArray, IdArray]:
        """The ``k`` best inner products of ``query`` with the vectors of ``labels`` (each
        held by the lists) and their labels, as :func:`best_of` selects them."""
        if k <= 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        raw = self._gathered(labels)
        if not self.half_precision:
            return best_of(vectors_of(raw, self._dimension) @ query, labels, k)
        if len(labels) <= k:
            scores, found = self._half_scores(raw, query, len(labels))
            return best_of(scores, labels[found], k)
        scores, found = self._half_scores(raw, query, k + 1)
        if scores[k] == scores[k - 1]:  # a tie across the k-th: every score, then select
            scores, found = self._half_scores(raw, query, len(labels))
            return best_of(scores, labels[found], k)
        return best_of(scores[:k], labels[found[:k]], k)

    def _gathered(self, labels: IdArray) -> npt.NDArray[np.uint8]:
        """The codes of ``labels``, one row each (a C-contiguous copy)."""
        offsets = self._offsets[labels]
        if len(offsets) and offsets.min() < 0:
            raise KeyError("a label the inverted lists do not hold")
        return self._codes[offsets].view(np.uint8).reshape(len(offsets), self._code_size)

    def _half_scores(self, raw: npt.NDArray[np.uint8], query: FloatArray, k: int
                     ) -> tuple[FloatArray, IdArray]:
        """FAISS's ``k`` best inner products with the half-precision codes ``raw``, best
        first, with their row numbers."""
        flat: Any = faiss.IndexScalarQuantizer(self._dimension, faiss.ScalarQuantizer.QT_fp16,
                                               faiss.METRIC_INNER_PRODUCT)
        faiss.copy_array_to_vector(raw.ravel(), flat.codes)
        flat.ntotal = len(raw)
        scores, rows = flat.search(query.reshape(1, -1), k)
        return scores[0], rows[0]
