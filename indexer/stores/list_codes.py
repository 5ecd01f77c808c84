"""Vectors read back by label from the memory-mapped inverted lists of an IVF index, in one
gather.

A filtered search whose allow-list is short scores the allowed vectors exactly
(``FaissVectorStore._exact_among``). FAISS reads them back one at a time through its direct
map, and decodes a half-precision code through a quantiser object it builds for each vector
(1M offers, 30 km, ≈ 5,800 allowed: 10.7 ms, against 3.3 with full vectors;
docs/performance.md, stop 37). A reader's lists are memory-mapped (``OnDiskInvertedLists``),
one region where each vector's code sits at a fixed byte offset: :class:`MappedListCodes`
finds those offsets once (each list's ids, a pass over the lists) and then copies any set of
codes out with one indexing operation, decoded by NumPy (full or half-precision vectors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]
ByteArray = npt.NDArray[np.uint8]
Decoder = Callable[[ByteArray], FloatArray]


class MappedListCodes:
    """The codes of an IVF index's memory-mapped lists, by label. Valid while the lists are
    unchanged: a store that writes to its index drops it."""

    def __init__(self, region: ByteArray, offsets: IdArray, decode: Decoder, code_size: int,
                 owner: Any) -> None:
        self._codes = np.ndarray(shape=(max(len(region) - code_size + 1, 0),),
                                 dtype=np.dtype((np.void, code_size)), buffer=region,
                                 strides=(1,))
        """Every byte offset of the mapped region as the start of a code (a view, no copy):
        indexing it with offsets copies whole codes."""
        self._codes.flags.writeable = False  # the mapping is read-only
        self._offsets = offsets
        self._decode = decode
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
        code_size = int(lists.code_size)
        decode = code_decoder(code_size, int(ivf.d))
        if decode is None:
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
        return cls(region, offsets, decode, code_size, index)

    def vectors(self, labels: IdArray) -> FloatArray:
        """The stored vectors of ``labels`` (each held by the lists), as float32 rows."""
        offsets = self._offsets[labels]
        if len(offsets) and offsets.min() < 0:
            raise KeyError("a label the inverted lists do not hold")
        raw = self._codes[offsets].view(np.uint8).reshape(len(offsets), self._code_size)
        return self._decode(raw)


def code_decoder(code_size: int, dimension: int) -> Decoder | None:
    """How to decode rows of ``code_size`` bytes (a C-contiguous array) into float32
    vectors of ``dimension``: full vectors (``Flat``) or half-precision ones (``SQfp16``);
    None for other codes."""
    if code_size == dimension * 4:
        return lambda raw: raw.view(np.float32)
    if code_size == dimension * 2:
        return lambda raw: raw.view(np.float16).astype(np.float32)
    return None
