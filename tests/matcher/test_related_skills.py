"""Skill-label vectors for the related-skill credit: looked up in the index's embedding cache,
or encoded directly by an encoder that is faster than the cache."""

from __future__ import annotations

from pathlib import Path

from indexer.encoders import CacheFreeEncoder, EmbeddingCache, Encoder
from indexer.encoders.cache import DB_NAME
from indexer.models import Offer, Profile, SkillTag
from indexer.skill_identity import identities
from matcher.engine import Engine
from matcher.features import HeldSkills
from matcher.matcher import Matcher
from matcher.related_skills import SkillNeighbours, taxonomy_skill_labels
from skills_taxonomy import Taxonomy
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


def test_a_finder_that_is_never_asked_encodes_nothing() -> None:
    encoder = FastChecksumEncoder()
    find = SkillNeighbours(encoder, -1.0).finder(
        HeldSkills.of([SkillTag(code="1", label=label) for label in LABELS[1:]]))
    assert encoder.encoded == []
    assert find(SkillTag(code="9", label=LABELS[0])) is not None
    assert sorted(encoder.encoded) == sorted(LABELS)


def test_matching_encodes_only_the_labels_a_related_skill_can_be_looked_up_for(
        tiny_engine: Engine) -> None:
    settings = tiny_engine.settings.matching.model_copy(update={"result_cache": 0})
    matcher = Matcher(tiny_engine.offers, tiny_engine.profiles, tiny_engine.taxonomy,
                      tiny_engine.encoder, settings, tiny_engine.normaliser)
    counting = FastChecksumEncoder()
    matcher.skill_neighbours = SkillNeighbours(counting, settings.related_skill_similarity)
    stored = tiny_engine.profiles.get("P-VENDEUSE")
    assert isinstance(stored, Profile)
    # held under their codes but worded otherwise: an asked skill held by code keeps its
    # own label, which no lookup needs
    profile = stored.model_copy(update={"skills": [
        tag.model_copy(update={"label": f"{tag.label} (acquis)"}) if tag.code else tag
        for tag in stored.skills]})
    matches = matcher.offers_for_profile(profile, top_k=20)
    held = HeldSkills.of(profile.matching_skills)
    asked = [tag for match in matches for tag in _asked(tiny_engine, match.id)]
    asked_and_held = {tag.label for tag in asked if held.weight_of(identities(tag)) > 0}
    asked_not_held = {tag.label for tag in asked} - asked_and_held
    assert asked_and_held and asked_not_held  # the fixture has both kinds
    encoded = set(counting.encoded)
    assert not (encoded & (asked_and_held - {t.label for t in held.tags}))
    assert asked_not_held <= encoded
    assert len(counting.encoded) == len(encoded)  # each label once


def _asked(engine: Engine, offer_id: str) -> list[SkillTag]:
    offer = engine.offers.get(offer_id)
    assert isinstance(offer, Offer)
    return list(offer.matching_skills)


def test_a_fast_encoder_encodes_every_taxonomy_skill_label_ahead(
        mini_taxonomy: Taxonomy) -> None:
    encoder = FastChecksumEncoder()
    neighbours = SkillNeighbours(encoder, 0.5)
    labels = taxonomy_skill_labels(mini_taxonomy)
    rome = {item.label for item in mini_taxonomy.items.values()}
    esco = {concept.preferred_label for concept in mini_taxonomy.esco_skills.values()}
    assert set(labels) == rome | esco and len(labels) == len(set(labels)) > 0
    assert neighbours.prepare_taxonomy(mini_taxonomy) == len(labels)
    assert sorted(encoder.encoded) == sorted(labels)
    assert neighbours.prepare_taxonomy(mini_taxonomy) == 0  # known: nothing encoded again
    held = HeldSkills.of([SkillTag(code="1", label=labels[0])])
    neighbours.finder(held)(SkillTag(code="9", label=labels[1]))
    assert len(encoder.encoded) == len(labels)  # a request encodes no taxonomy label


def test_a_slower_encoder_encodes_nothing_ahead(mini_taxonomy: Taxonomy,
                                                tmp_path: Path) -> None:
    encoder = ChecksumEncoder()
    assert SkillNeighbours(encoder, 0.5, tmp_path).prepare_taxonomy(mini_taxonomy) == 0
    assert encoder.encoded == []
