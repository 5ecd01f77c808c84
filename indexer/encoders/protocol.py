"""The ``Encoder`` protocol: texts in, unit vectors out, with queries and documents apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension.

    Queries and documents are encoded separately, so models that use prefixes
    (e5's ``query:``/``passage:``) or asymmetric heads get them right.
    """

    @property
    def name(self) -> str:
        """A stable model identifier, recorded in index manifests."""
        ...

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Encode search queries; shape ``(len(texts), dimension)``."""
        ...

    def encode_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Encode documents; shape ``(len(texts), dimension)``."""
        ...


@runtime_checkable
class CacheFreeEncoder(Protocol):
    """An encoder that computes a vector in less time than the embedding cache takes to find
    one (a static model: token lookups and a mean, ≈ 0.04 ms a short label, where a lookup
    in the SQLite cache of a 100k index takes 0.7–2.4 ms): callers on a request path encode
    with it directly instead of looking the vector up."""

    @property
    def faster_than_cache(self) -> bool:
        """True when encoding beats a cache lookup."""
        ...


def encodes_faster_than_cache(encoder: object) -> bool:
    """Whether ``encoder`` is a :class:`CacheFreeEncoder` that says encoding beats a cache
    lookup: such an encoder is used without the embedding cache and without a pool."""
    return isinstance(encoder, CacheFreeEncoder) and encoder.faster_than_cache
