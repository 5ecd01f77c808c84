"""Fake encoders for tests that count what they encode: deterministic unit vectors from a
checksum of each text, with or without the claim of encoding faster than the embedding cache
(:class:`indexer.encoders.CacheFreeEncoder`)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


class ChecksumEncoder:
    """Deterministic unit vectors from a checksum of the text; counts the texts it encodes."""

    name = "counting-8d"
    dimension = 8

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.encode_documents(texts)

    def encode_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.encoded.extend(texts)
        rows = [np.random.default_rng(zlib.crc32(t.encode())).normal(size=8) for t in texts]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), 8)
        unit: npt.NDArray[np.float32] = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return unit


class FastChecksumEncoder(ChecksumEncoder):
    """A :class:`ChecksumEncoder` that declares it encodes faster than the cache finds."""

    faster_than_cache = True
