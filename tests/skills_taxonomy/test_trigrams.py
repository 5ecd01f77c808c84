"""The trigram shortlist, and the label search that uses it on large kinds."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from skills_taxonomy import search
from skills_taxonomy.search import LabelEntry, LabelIndex
from skills_taxonomy.trigrams import TrigramIndex, trigrams

FILLER = [f"{first} {second}" for first in ("agent", "chef", "operateur", "technicien",
                                             "responsable", "assistant", "charge", "conseiller")
          for second in ("logistique", "qualite", "production", "maintenance", "clientele",
                         "paie", "voirie", "reseau", "accueil", "atelier", "stock", "chantier",
                         "magasin", "securite", "transport", "achats", "export", "bureau",
                         "laboratoire", "planning", "formation", "communication", "etudes",
                         "methodes", "travaux", "expedition", "service", "entretien", "cuisine",
                         "vente", "tri", "caisse", "rayon", "piste", "salle", "quai", "ligne",
                         "parc", "zone", "site", "poste", "unite", "secteur", "region")]


def test_trigrams_are_taken_per_word_and_padded() -> None:
    assert trigrams("abc") == {"  a", " ab", "abc", "bc "}
    assert trigrams("ab cd") == {"  a", " ab", "ab ", "  c", " cd", "cd "}
    assert trigrams("   ") == set()


def test_shortlist_puts_keys_holding_the_whole_query_first() -> None:
    keys = ["soudeur", "soudeur tuyauteur", "vendeur", "boulanger patissier", "couvreur"]
    listed = TrigramIndex(keys).shortlist("soudeur", 5).tolist()
    assert listed[:2] == [0, 1]  # the exact key, then the longer one holding it whole
    assert 3 not in listed  # "boulanger patissier" shares no trigram with "soudeur"


def test_shortlist_finds_a_misspelt_word_and_respects_the_size() -> None:
    keys = [*FILLER, "soudeur", "plombier"]
    index = TrigramIndex(keys)
    assert index.shortlist("soudeurr", 3)[0] == len(FILLER)
    assert len(index.shortlist("agent", 10)) == 10
    assert index.shortlist("xyzw", 10).size == 0
    assert index.shortlist("agent", 0).size == 0


def test_shortlist_breaks_ties_by_closeness_in_length_then_position() -> None:
    keys = ["vendeur rayon frais", "vendeur rayon", "vendeur"]
    assert TrigramIndex(keys).shortlist("vendeur", 3).tolist() == [2, 1, 0]


def test_shortlist_keeps_every_key_tied_at_the_cut_before_ordering() -> None:
    keys = ["agent zz", "agent", "agent yy"]
    # Three keys hold "agent" whole; with room for one, the closest in length wins.
    assert TrigramIndex(keys).shortlist("agent", 1).tolist() == [1]
    assert np.array_equal(TrigramIndex(keys).shortlist("agent", 2), [1, 0])


@pytest.fixture
def small_shortlist(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shortlists of 20 (40 keys by trigram): the filler kind is large enough to use them."""
    monkeypatch.setattr(search, "_SHORTLIST", 20)
    assert len(FILLER) > search._SHORTLIST * search._TRIGRAM_OVERFETCH


def _index_of(labels: list[str]) -> LabelIndex:
    index = LabelIndex()
    for number, label in enumerate(labels):
        index.add(LabelEntry("appellation", str(number), label, "X0000"), (label,))
    return index


@pytest.mark.usefixtures("small_shortlist")
def test_search_of_a_large_kind_matches_the_full_scan_on_clear_queries(
        monkeypatch: pytest.MonkeyPatch) -> None:
    labels = [*FILLER, "Soudeur tuyauteur", "Soudeur", "Plombier chauffagiste"]
    index = _index_of(labels)
    queries = ["soudeuse", "plombier", "chef de chantier", "agent entretien"]
    shortlisted = [index.search(q, ("appellation",), 5) for q in queries]
    monkeypatch.setattr(search._Part, "candidates",
                        lambda part, key, size: range(len(part.keys)))
    scanned = [index.search(q, ("appellation",), 5) for q in queries]
    assert [m[0] for m in shortlisted] == [m[0] for m in scanned]
    assert shortlisted[0][0].label == "Soudeur"


@pytest.mark.usefixtures("small_shortlist")
def test_search_finds_a_key_added_after_a_search() -> None:
    index = _index_of(FILLER)
    assert index.search("poissonnier", ("appellation",), 1)[0].label != "Poissonnier"
    index.add(LabelEntry("appellation", "new", "Poissonnier", "D1100"), ("Poissonnier",))
    assert index.search("poissonnier", ("appellation",), 1)[0].label == "Poissonnier"


@pytest.mark.usefixtures("small_shortlist")
def test_a_prepared_index_pickles_with_its_trigrams() -> None:
    index = _index_of([*FILLER, "Soudeur"])
    index.prepare()
    restored = pickle.loads(pickle.dumps(index))
    assert all(part.trigrams is not None for part in restored._parts.values())
    assert (restored.search("soudeur", ("appellation",), 3)
            == index.search("soudeur", ("appellation",), 3))
