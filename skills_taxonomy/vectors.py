"""What the taxonomy needs of a sentence encoder, and exact vector search over small matrices.

Reading text into concepts compares texts with the taxonomy's labels by meaning. The taxonomy
does not own an encoder: it declares the one method it uses (:class:`TextEncoder`), and the
indexer's encoders satisfy it (wrapped in their content-hash cache, so labels are encoded once
per encoder and read back on the next start).
"""

from __future__ import annotations

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


def top_rows(matrix: FloatArray, vector: FloatArray, k: int
             ) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The ``k`` rows of ``matrix`` with the highest inner product with ``vector`` (cosine for
    unit vectors), best first, ties by row; and their scores."""
    if matrix.shape[0] == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores = matrix @ vector.reshape(-1)
    k = min(k, scores.shape[0])
    kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
    rows = np.flatnonzero(scores >= kth)  # every row tied with the k-th too: ties by row
    best = scores[rows]
    order = np.lexsort((rows, -best))[:k]
    return rows[order].astype(np.int64, copy=False), best[order]


def unit_rows(matrix: npt.NDArray[np.floating]) -> FloatArray:
    """``matrix`` with every non-zero row scaled to unit length, as contiguous float32."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)
