"""What the taxonomy needs of a sentence encoder, and exact vector search over small matrices.

Reading text into concepts compares texts with the taxonomy's labels by meaning. The taxonomy
does not own an encoder: it declares the one method it uses (:class:`TextEncoder`), and the
indexer's encoders satisfy it (wrapped in their content-hash cache, so labels are encoded once
per encoder and read back on the next start).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class TextEncoder(Protocol):
    """Texts in, L2-normalised float32 vectors out (``encode_documents`` of
    :class:`indexer.encoders.Encoder`)."""

    @property
    def name(self) -> str:
        """A stable model identifier."""
        ...

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        ...

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """One unit vector per text, shape ``(len(texts), dimension)``."""
        ...


def best_of(scores: FloatArray, k: int) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The positions of the ``k`` highest ``scores`` (a row's inner products with the rows of
    a matrix), best first, ties by position; and those scores."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=scores.dtype)
    kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
    rows = np.flatnonzero(scores >= kth)  # every row tied with the k-th too: ties by row
    best = scores[rows]
    order = np.lexsort((rows, -best))[:k]
    return rows[order].astype(np.int64, copy=False), best[order]


class IntegerRows:
    """Unit rows scaled and rounded to integers, so that their inner products with a query
    scaled the same way are exact: the same cosines for one query or for a batch.

    BLAS sums a matrix–vector product (one query) and a matrix–matrix product (a batch of
    queries) in different orders, so their float32 results differ in the last bits, and a
    title's ranking would depend on the batch it was read in. Integers are exact in float32
    up to 2**24, and so is every partial sum of a product whose absolute terms add up to no
    more: whatever the order, the kernel or the number of threads, the product is the same.
    Rows and queries are scaled by ``c = 4096 − √d/2 − 1`` before rounding, so their norms
    stay below 4096 − 1 (rounding moves a ``d``-dimensional vector by at most √d/2) and, by
    Cauchy–Schwarz, Σ|aᵢbᵢ| < 4095² < 2**24. A cosine is the integer product over ``c²``:
    within ≈ 1e-4 of the float32 one on average (at most ≈ 5e-4 on the normaliser's title
    forms, 256 dimensions).

    The rows are pickled as 16-bit integers (half the bytes of float32) and multiplied as
    float32, which BLAS handles.
    """

    BATCH = 64
    """Queries multiplied at once: a batch's scores take ``BATCH`` × rows floats."""

    def __init__(self, matrix: npt.NDArray[np.floating]) -> None:
        """Scale ``matrix``'s rows (made unit first) to integers."""
        self.dimension = int(matrix.shape[1])
        self._rows: FloatArray = self._scaled(matrix)

    @staticmethod
    def scale(dimension: int) -> float:
        """The factor applied to unit vectors of ``dimension`` before rounding (class doc)."""
        return 4096.0 - math.sqrt(dimension) / 2.0 - 1.0

    def _scaled(self, vectors: npt.NDArray[np.floating]) -> FloatArray:
        scaled: FloatArray = np.rint(unit_rows(vectors) * np.float32(self.scale(self.dimension)))
        return scaled

    def __len__(self) -> int:
        """Number of rows."""
        return int(self._rows.shape[0])

    def __getstate__(self) -> dict[str, object]:
        return {"dimension": self.dimension, "rows": self._rows.astype(np.int16)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.dimension = int(state["dimension"])  # type: ignore[call-overload]
        self._rows = np.asarray(state["rows"], dtype=np.float32)

    def cosines(self, queries: npt.NDArray[np.floating]) -> FloatArray:
        """Each query's cosine with every row, shape ``(len(queries), len(self))``: the same
        values whether the queries come one at a time or together."""
        scaled = self._scaled(np.atleast_2d(queries))
        if len(scaled) == 1:
            products = (self._rows @ scaled[0])[np.newaxis, :]
        else:
            products = scaled @ self._rows.T
        scale = np.float32(self.scale(self.dimension))
        cosines: FloatArray = products / (scale * scale)
        return cosines

    def top_rows(self, queries: npt.NDArray[np.floating], k: int
                 ) -> list[tuple[npt.NDArray[np.int64], FloatArray]]:
        """For each query, the ``k`` rows of highest cosine, best first, ties by row, and
        their cosines (:func:`best_of`), the queries multiplied ``BATCH`` at a time."""
        queries = np.atleast_2d(queries)
        if not len(self) or k <= 0:
            return [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
                    for _ in range(len(queries))]
        found: list[tuple[npt.NDArray[np.int64], FloatArray]] = []
        for start in range(0, len(queries), self.BATCH):
            found.extend(best_of(row, k)
                         for row in self.cosines(queries[start:start + self.BATCH]))
        return found


def unit_rows(matrix: npt.NDArray[np.floating]) -> FloatArray:
    """``matrix`` with every non-zero row scaled to unit length, as contiguous float32."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)
