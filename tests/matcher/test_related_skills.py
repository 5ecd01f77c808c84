"""Skill-label vectors for the related-skill credit: looked up in the index's embedding cache,
or encoded directly by an encoder that is faster than the cache."""

from __future__ import annotations

from pathlib import Path

from indexer.encoders import CacheFreeEncoder, EmbeddingCache, Encoder
from indexer.encoders.cache import DB_NAME
from indexer.models import SkillTag
from matcher.features import HeldSkills
from matcher.related_skills import SkillNeighbours
from tests.fake_encoders import ChecksumEncoder, FastChecksumEncoder

LABELS = ["Encaisser un paiement", "Tenir une caisse", "Accueillir une clientèle"]


def test_a_cache_free_encoder_never_opens_the_cache(tmp_path: Path) -> None:
    encoder = FastChecksumEncoder()
    assert isinstance(encoder, CacheFreeEncoder) and isinstance(encoder, Encoder)
    neighbours = SkillNeighbours(encoder, 0.5, tmp_path)
    neighbours.prepare(LABELS)
    neighbours.prepare(LABELS)  # known labels are not encoded again
    assert encoder.encoded == LABELS
    assert not (tmp_path / DB_NAME).exists()


def test_other_encoders_read_and_fill_the_cache(tmp_path: Path) -> None:
    encoder = ChecksumEncoder()
    assert not isinstance(encoder, CacheFreeEncoder)
    SkillNeighbours(encoder, 0.5, tmp_path).prepare(LABELS)
    assert len(EmbeddingCache(tmp_path)) == len(LABELS)
    again = ChecksumEncoder()
    SkillNeighbours(again, 0.5, tmp_path).prepare(LABELS)
    assert again.encoded == []  # every label came from the cache


def test_both_paths_find_the_same_related_skill(tmp_path: Path) -> None:
    held = HeldSkills.of([SkillTag(code="1", label=label) for label in LABELS[1:]])
    asked = SkillTag(code="9", label=LABELS[0])
    found = [SkillNeighbours(encoder, -1.0, folder).finder(held)(asked)
             for encoder, folder in ((FastChecksumEncoder(), tmp_path / "a"),
                                     (ChecksumEncoder(), tmp_path / "b"))]
    assert found[0] is not None and found[0] == found[1]
