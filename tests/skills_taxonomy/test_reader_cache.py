"""The concept reader's built state kept on disk: a new process reads the same concepts from
it as from a fresh build, never from a state built for something else, and a damaged file is
only rebuilt."""

from __future__ import annotations

import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from indexer.encoders import Encoder
from skills_taxonomy import Appellation, Item, Taxonomy
from skills_taxonomy.concepts import ConceptReader, ConceptReading
from skills_taxonomy.occupation_reader import OccupationReaderSettings
from skills_taxonomy.pickling import pickled_by_fields
from skills_taxonomy.reader_cache import KEEP_STATES, state_key, state_path

TEXTS = [
    (["Vendeuse en prêt-à-porter"],
     "Vous conseillez les clients et encaissez les achats. Techniques de vente exigées."),
    (["Boulanger H/F"], "Fabrication du pain et des viennoiseries, pétrissage et cuisson."),
    (["assistante administrative"], "Accueil téléphonique, gestion du courrier, Excel."),
    ([], "Mise en rayon des articles et tenue de caisse. Débutant accepté."),
]


def readings(reader: ConceptReader) -> list[ConceptReading]:
    return [reader.read(titles, text) for titles, text in TEXTS]


def test_a_new_reader_reads_the_kept_state_and_reads_alike(
        mini_taxonomy: Taxonomy, encoder: Encoder, tmp_path: Path) -> None:
    built = ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path)
    assert not built.restored
    built.prepare()
    assert state_path(tmp_path, built.state_key).is_file()

    restored = ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path)
    assert restored.restored
    without_cache = ConceptReader(mini_taxonomy, encoder)
    assert readings(restored) == readings(without_cache) == readings(built)
    assert restored.normaliser.normalise("vendeuse", 5) == \
        without_cache.normaliser.normalise("vendeuse", 5)


def test_a_state_is_only_read_for_what_it_was_built_for(
        mini_taxonomy: Taxonomy, encoder: Encoder, tmp_path: Path) -> None:
    ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path).prepare()
    others = [ConceptReader(mini_taxonomy, None, cache_dir=tmp_path),
              ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path, use_crosswalk=False),
              ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path,
                            occupation_settings=OccupationReaderSettings(keep=3))]
    assert not any(reader.restored for reader in others)
    assert len({reader.state_key for reader in others}) == len(others)


def test_a_damaged_state_is_rebuilt_with_a_warning(
        mini_taxonomy: Taxonomy, encoder: Encoder, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    first = ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path)
    first.prepare()
    path = state_path(tmp_path, first.state_key)
    path.write_bytes(path.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING):
        second = ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path)
    assert not second.restored
    assert "unreadable concept reader state" in caplog.text
    assert readings(second) == readings(ConceptReader(mini_taxonomy, encoder))
    second.prepare()  # kept again, whole
    assert ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path).restored


def test_a_state_under_another_key_is_refused(
        mini_taxonomy: Taxonomy, encoder: Encoder, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A file whose name matches but whose recorded key differs (a truncated-hash collision,
    or a file copied by hand) is not used."""
    reader = ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path)
    reader.prepare()
    other = ConceptReader(mini_taxonomy, None, cache_dir=tmp_path)
    state_path(tmp_path, reader.state_key).replace(state_path(tmp_path, other.state_key))
    with caplog.at_level(logging.WARNING):
        again = ConceptReader(mini_taxonomy, None, cache_dir=tmp_path)
    assert not again.restored
    assert "built for another key" in caplog.text


def test_the_key_names_every_input() -> None:
    base = state_key("taxonomy", "1/encoder/crosswalk", "settings")
    assert len({base, state_key("other", "1/encoder/crosswalk", "settings"),
                state_key("taxonomy", "1/other/crosswalk", "settings"),
                state_key("taxonomy", "1/encoder/crosswalk", "other")}) == 4
    assert state_key("taxonomy", "1/encoder/crosswalk", "settings") == base


def test_taxonomy_values_pickle_to_equal_values(mini_taxonomy: Taxonomy) -> None:
    values = [*mini_taxonomy.appellations.values(), *mini_taxonomy.items.values()]
    assert values and pickle.loads(pickle.dumps(values)) == values
    assert isinstance(pickle.loads(pickle.dumps(values[0])), Appellation | Item)


def test_pickled_by_fields_refuses_fields_outside_init() -> None:
    with pytest.raises(TypeError, match="outside __init__"):
        @pickled_by_fields
        @dataclass(frozen=True)
        class Derived:
            value: int
            twice: int = field(init=False, default=0)


def test_the_folder_keeps_the_latest_states_only(
        mini_taxonomy: Taxonomy, encoder: Encoder, tmp_path: Path) -> None:
    readers = [ConceptReader(mini_taxonomy, encoder, cache_dir=tmp_path,
                             occupation_settings=OccupationReaderSettings(keep=keep))
               for keep in range(1, KEEP_STATES + 3)]
    for second, reader in enumerate(readers):
        reader.prepare()
        # distinct write times, whatever the file system's timestamp granularity
        os.utime(state_path(tmp_path, reader.state_key), (1_000_000 + second,) * 2)
    kept = sorted(tmp_path.glob("concept-reader-*.pickle"))
    assert kept == sorted(state_path(tmp_path, r.state_key) for r in readers[-KEEP_STATES:])
