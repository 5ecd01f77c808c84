"""Tests of :mod:`skills_taxonomy.text`."""

from __future__ import annotations

import random

import pytest

from skills_taxonomy.text import build_feminine_table, fold, strip_accents

TABLE = build_feminine_table(
    [("Vendeur", "Vendeuse"), ("Agent administratif", "Agente administrative")]
)


@pytest.mark.parametrize(
    "text",
    [
        "vendeur",
        "vendeuse",
        "vendeur·se",
        "vendeur.se",
        "vendeur(se)",
        "vendeur/vendeuse",
        "Vendeur / Vendeuse",
        "VENDEUSE",
        "Vendeur (H/F)",
        "vendeuse F/H",
        "vendeur h/f",
    ],
)
def test_gendered_and_inclusive_forms_share_one_key(text: str) -> None:
    assert fold(text, TABLE) == "vendeur"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("technicien·ne", "technicien"),
        ("conducteur·rice", "conducteur"),
        ("conducteur.trice", "conducteur"),
        ("infirmier.ère", "infirmier"),
        ("Chef(fe) de projet", "chef de projet"),
        ("Agent(e)s d'accueil", "agent d accueil"),
        ("agent·e·s", "agent"),
    ],
)
def test_inclusive_suffixes_fold_without_a_table(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_accents_case_punctuation_and_whitespace() -> None:
    assert fold("  Prêt-à-Porter,   ÉTÉ! ") == "pret a porter ete"
    assert fold("Cœur de métier") == "coeur de metier"
    assert strip_accents("Émergente") == "Emergente"


def test_hf_marker_is_removed_but_words_with_h_and_f_are_kept() -> None:
    assert fold("Chef de rang (H/F)") == "chef de rang"
    assert fold("Chef de rang H / F") == "chef de rang"
    assert fold("infrastructure/environnement") == "infrastructure environnement"


def test_without_table_plain_feminine_word_is_kept() -> None:
    assert fold("vendeuse") == "vendeuse"
    assert fold("Vendeur / Vendeuse") == "vendeur vendeuse"


def test_multi_word_gendered_group_is_kept_once() -> None:
    key = fold("Agent administratif / Agente administrative de banque", TABLE)
    assert key == "agent administratif de banque"


def test_table_aligns_words_and_ignores_unequal_pairs() -> None:
    table = build_feminine_table(
        [
            ("Conducteur d'engins", "Conductrice d'engins"),
            ("Accastilleur-gréeur", "Accastilleuse-gréeuse"),
            ("Steward de l'air", "Hôtesse navigante de l'air"),
        ]
    )
    assert table == {
        "conductrice": "conducteur",
        "accastilleuse": "accastilleur",
        "greeuse": "greeur",
    }


def test_table_drops_words_mostly_seen_as_masculine() -> None:
    pairs = [("Agent", "Agente"), ("Agent x", "Agente x"), ("Agente y", "Agent y")]
    table = build_feminine_table(pairs)
    assert table == {"agente": "agent"}


@pytest.mark.parametrize(("text", "expected"), [
    ("agent agent", "agent"),
    ("agent accueil agent accueil", "agent accueil"),
    ("chef de rang chef de rang en salle", "chef de rang en salle"),
    ("a b c d e a b c d e", "a b c d e"),          # five words: the longest group collapsed
    ("a b c d e f a b c d e f", "a b c d e f a b c d e f"),  # six: kept
    ("agent de agent", "agent de agent"),           # not adjacent: kept
    ("vente vente vente", "vente"),
])
def test_a_word_group_repeated_right_after_itself_is_kept_once(text: str,
                                                               expected: str) -> None:
    assert fold(text) == expected


def _collapsed_by_the_rule(words: list[str]) -> list[str]:
    """The rule spelt out: after each word, drop the shortest group of at most five words
    that repeats the group right before it."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for size in range(1, 6):
            if 2 * size <= len(out) and out[-size:] == out[-2 * size:-size]:
                del out[-size:]
                break
    return out


def test_repeats_are_collapsed_by_the_rule_on_random_word_sequences() -> None:
    # a word seen in none of the five places before it skips the checks: the shortcut must
    # not change what is collapsed (groups of one to six words are repeated on purpose)
    rng = random.Random(11)
    for _ in range(3000):
        words: list[str] = []
        while len(words) < rng.randint(0, 16):
            size = rng.randint(1, 6)
            if len(words) >= size and rng.random() < 0.4:
                words.extend(words[-size:])
            else:
                words.append(rng.choice("abcdefg"))
        assert fold(" ".join(words)).split() == _collapsed_by_the_rule(words), words
