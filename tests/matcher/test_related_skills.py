"""Skill-label vectors for the related-skill credit: looked up in the index's embedding cache,
or encoded directly by an encoder that is faster than the cache."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from indexer.encoders import CacheFreeEncoder, EmbeddingCache, Encoder
from indexer.encoders.cache import DB_NAME
from indexer.models import SkillTag
from matcher.features import HeldSkills
from matcher.related_skills import SkillNeighbours


class _CountingEncoder:
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
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


class _FastEncoder(_CountingEncoder):
    faster_than_cache = True


LABELS = ["Encaisser un paiement", "Tenir une caisse", "Accueillir une clientèle"]


def test_a_cache_free_encoder_never_opens_the_cache(tmp_path: Path) -> None:
    encoder = _FastEncoder()
    assert isinstance(encoder, CacheFreeEncoder) and isinstance(encoder, Encoder)
    neighbours = SkillNeighbours(encoder, 0.5, tmp_path)
    neighbours.prepare(LABELS)
    neighbours.prepare(LABELS)  # known labels are not encoded again
    assert encoder.encoded == LABELS
    assert not (tmp_path / DB_NAME).exists()


def test_other_encoders_read_and_fill_the_cache(tmp_path: Path) -> None:
    encoder = _CountingEncoder()
    assert not isinstance(encoder, CacheFreeEncoder)
    SkillNeighbours(encoder, 0.5, tmp_path).prepare(LABELS)
    assert len(EmbeddingCache(tmp_path)) == len(LABELS)
    again = _CountingEncoder()
    SkillNeighbours(again, 0.5, tmp_path).prepare(LABELS)
    assert again.encoded == []  # every label came from the cache


def test_both_paths_find_the_same_related_skill(tmp_path: Path) -> None:
    held = HeldSkills.of([SkillTag(code="1", label=label) for label in LABELS[1:]])
    asked = SkillTag(code="9", label=LABELS[0])
    found = [SkillNeighbours(encoder, -1.0, folder).finder(held)(asked)
             for encoder, folder in ((_FastEncoder(), tmp_path / "a"),
                                     (_CountingEncoder(), tmp_path / "b"))]
    assert found[0] is not None and found[0] == found[1]
