"""The one check every vector store makes of the vectors it is given (stored or asked)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


def checked_vectors(vectors: object, dimension: int, what: str) -> FloatArray:
    """``vectors`` as a contiguous float32 ``(n, dimension)`` matrix, or ``ValueError`` naming
    ``what`` and the problem (shape, dtype, NaN or infinite values)."""
    array = np.asarray(vectors)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise ValueError(f"{what} must have shape (n, {dimension}) for this "
                         f"{dimension}-dimensional store, got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{what} must be float32, got {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return np.ascontiguousarray(array, dtype=np.float32)
