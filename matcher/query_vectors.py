"""Query vectors kept by text: a seeker's query is encoded once while it stays in use.

The text to embed is derived from the seeker's titles, skills and summary, so the same seeker
asks with the same text on every page view, API call or counsellor preview until the profile
changes; a changed profile gives a new text and a new entry. Least recently used entries go
first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from indexer.encoders import Encoder
from skills_taxonomy.lru import LruCache

FloatArray = npt.NDArray[np.float32]


class QueryVectorCache:
    """The encoder's query vector of a text, remembered for the ``size`` latest texts
    (``size`` 0 encodes every time). Safe to share between threads."""

    def __init__(self, encoder: Encoder, size: int) -> None:
        self._encoder = encoder
        self._vectors: LruCache[str, FloatArray] = LruCache(size)

    def vector(self, text: str) -> FloatArray:
        """The query vector of ``text`` (read-only)."""
        return self._vectors.get_or_compute(text, lambda: self._encode(text))

    def _encode(self, text: str) -> FloatArray:
        vector: FloatArray = self._encoder.encode_queries([text])[0]
        vector.setflags(write=False)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)
