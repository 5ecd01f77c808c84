"""The lexical signals of concept reading computed in arrays give what walking them one
document at a time gives: the same scores, in the same order, the same winner of a tie."""

from __future__ import annotations

import numpy as np
import pytest

from skills_taxonomy import Taxonomy
from skills_taxonomy.lexical import LexicalIndex, content_words, word_tokens
from skills_taxonomy.postings import Postings
from skills_taxonomy.skill_reader import _BothLabels, _esco_labels, _LabelIndex, _within

TITLES = ["agent de marine", "agent de marine", "mécanicien de marine", "marin pêcheur",
          "agent administratif", "conducteur d'abatteuse", "mécanicienne marine",
          "soudeur tuyauteur", "tuyauteur chaudronnier"]
GROUPS = np.array([0, 0, 1, 2, 3, 4, 1, 5, 5], dtype=np.int64)


@pytest.fixture(scope="module")
def index(mini_taxonomy: Taxonomy) -> LexicalIndex:
    return LexicalIndex(TITLES, mini_taxonomy.feminine_to_masculine)


def test_a_text_scores_one_against_itself(index: LexicalIndex) -> None:
    scores = index.scores("conducteur d'abatteuse")
    assert scores[5] == 1.0
    assert all(0.0 < value < 1.0 for position, value in scores.items() if position != 5)


def test_scores_come_in_the_order_the_text_reaches_the_documents(index: LexicalIndex) -> None:
    # "marin" reaches 3 first; "agent" then reaches 0, 1 and 4
    assert list(index.scores("marin agent")) == [3, 0, 1, 4]
    assert list(index.scores("agent marin")) == [0, 1, 4, 3]
    assert index.scores("zzz qqq") == {}


@pytest.mark.parametrize("text", ["agent de marine", "mécanicien marine", "marin",
                                  "chaudronnier soudeur tuyauteur",
                                  "agente administrative", "zzz"])
def test_best_per_group_keeps_what_a_walk_over_the_scores_keeps(index: LexicalIndex,
                                                                 text: str) -> None:
    expected: dict[int, tuple[int, float]] = {}
    for position, value in index.scores(text).items():  # the first best document wins
        group = int(GROUPS[position])
        if group not in expected or value > expected[group][1]:
            expected[group] = (position, value)
    positions, values = index.best_per_group(text, GROUPS)
    got = {int(GROUPS[p]): (p, v) for p, v in zip(positions.tolist(), values.tolist(),
                                                   strict=True)}
    assert got == expected


def test_a_tie_goes_to_the_document_reached_first(index: LexicalIndex) -> None:
    positions, values = index.best_per_group("agent de marine", GROUPS)
    best = dict(zip(GROUPS[positions].tolist(), positions.tolist(), strict=True))
    assert best[0] == 0  # documents 0 and 1 are the same title: 0 is reached first
    assert values[positions.tolist().index(0)] == 1.0
    # 7 and 8 weigh the same and hold all they share with the text: "chaudronnier" reaches
    # 8 first, though 7 comes first in the index
    scores = index.scores("chaudronnier soudeur tuyauteur")
    assert scores[7] == scores[8]
    positions, _ = index.best_per_group("chaudronnier soudeur tuyauteur", GROUPS)
    assert 8 in positions.tolist() and 7 not in positions.tolist()


def test_label_shares_of_the_touched_rows_are_the_dense_shares(mini_taxonomy: Taxonomy
                                                               ) -> None:
    table = mini_taxonomy.feminine_to_masculine
    labels = _LabelIndex([(item.code, item.label, item.kind)
                          for item in mini_taxonomy.items.values()], table, 5.0)
    for text in ["préparer le matériel et baliser les zones glissantes", "accueil",
                 "nettoyage des locaux et entretien des surfaces", "zzz"]:
        tokens = word_tokens(content_words(text, table))
        dense = labels.shares(tokens)
        rows, shares = labels.touched(tokens)
        assert rows.tolist() == np.flatnonzero(dense).tolist()
        assert shares.tolist() == dense[rows].tolist()


def test_items_and_esco_labels_looked_up_together_read_as_apart(tax_esco: Taxonomy) -> None:
    # one gather and one sum for both indexes: each side's rows and shares must be the ones
    # its own lookup gives, to the last bit
    table = tax_esco.feminine_to_masculine
    items = _LabelIndex([(item.code, item.label, item.kind)
                         for item in tax_esco.items.values()], table, 5.0)
    esco = _LabelIndex(list(_esco_labels(tax_esco)), table, 5.0)
    assert len(items) and len(esco)
    both = _BothLabels(items, esco)
    texts = ["préparer le matériel et baliser les zones glissantes", "accueil", "zzz",
             "nettoyage des locaux et entretien des surfaces", "conseiller la clientèle",
             "accueillir et conseiller les clients, gérer la caisse et les stocks",
             "tenir la caisse et encaisser des paiements", "naviguer à la voile"]
    touched_esco = 0
    for text in texts:
        tokens = word_tokens(content_words(text, table))
        for (rows, shares), alone in zip(both.touched(tokens),
                                         (items.touched(tokens), esco.touched(tokens)),
                                         strict=True):
            assert rows.tolist() == alone[0].tolist(), text
            assert shares.tolist() == alone[1].tolist(), text
        touched_esco += len(esco.touched(tokens)[0])
    assert touched_esco  # the ESCO side was exercised


def test_joined_postings_list_the_first_rows_then_the_second_shifted() -> None:
    first = Postings({"a": ([0, 2], [1.0, 2.0]), "b": ([1], [3.0])})
    second = Postings({"b": ([0], [5.0]), "c": ([1, 2], [6.0, 7.0])})
    joined = Postings.joined(first, second, 10)
    found = {token: joined.get(token) for token in ("a", "b", "c")}
    assert {t: (f[0].tolist(), f[1].tolist()) for t, f in found.items() if f is not None} == {
        "a": ([0, 2], [1.0, 2.0]), "b": ([1, 10], [3.0, 5.0]), "c": ([11, 12], [6.0, 7.0])}


def test_membership_in_sorted_rows_is_numpys() -> None:
    rng = np.random.default_rng(7)
    for _ in range(500):
        rows = rng.integers(0, 400, rng.integers(0, 300))
        members = np.unique(rng.integers(0, 400, rng.integers(0, 40)))
        assert _within(rows, members).tolist() == np.isin(rows, members).tolist()


def test_postings_gather_lists_after_lists_with_their_multipliers() -> None:
    postings = Postings({"a": ([0, 2], [1.0, 2.0]), "b": ([2, 5], [4.0, 8.0])})
    rows, weights = postings.gather([("b", 0.5), ("zzz", 3.0), ("a", 1.0)])
    assert rows.tolist() == [2, 5, 0, 2]
    assert weights.tolist() == [2.0, 4.0, 1.0, 2.0]
    assert np.bincount(rows, weights=weights).tolist() == [1.0, 0.0, 4.0, 0.0, 0.0, 4.0]
    empty_rows, empty_weights = postings.gather([("zzz", 1.0)])
    assert empty_rows.size == 0 and empty_weights.size == 0


def test_postings_read_alike_after_a_pickle_round_trip() -> None:
    import pickle

    postings = Postings({"a": ([0, 2], [1.0, 2.0]), "b": ([2, 5], [4.0, 8.0])})
    loaded = pickle.loads(pickle.dumps(postings))
    for token in ("a", "b"):
        found, expected = loaded.get(token), postings.get(token)
        assert found is not None and expected is not None
        assert found[0].tolist() == expected[0].tolist()
        assert found[1].tolist() == expected[1].tolist()
    rows, weights = loaded.gather([("b", 1.0), ("a", 2.0)])
    assert rows.tolist() == [2, 5, 0, 2] and weights.tolist() == [4.0, 8.0, 2.0, 4.0]
    stored = postings.get("b")
    assert stored is not None and not np.shares_memory(weights, stored[1])  # a copy
