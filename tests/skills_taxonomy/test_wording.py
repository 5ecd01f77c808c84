"""The word-level French normalisation run before tantivy's analyser."""

from __future__ import annotations

import pytest

from skills_taxonomy.gender import masculine, normalise_forms
from skills_taxonomy.plural import singular, strip_plurals


@pytest.mark.parametrize(("feminine", "male"), [
    ("vendeuse", "vendeur"), ("Conductrice", "conducteur"), ("boulangère", "boulanger"),
    ("boulangere", "boulanger"), ("infirmière", "infirmier"), ("électricienne", "électricien"),
    ("employée", "employé"), ("commerçante", "commerçant"), ("commerciale", "commercial"),
])
def test_feminine_job_words_become_masculine(feminine: str, male: str) -> None:
    assert masculine(feminine) == male


@pytest.mark.parametrize("word", ["vendeur", "chef", "vente", "dans", "elle", "leurs"])
def test_masculine_short_and_stop_words_are_left_alone(word: str) -> None:
    assert masculine(word) == word


@pytest.mark.parametrize("word", ["dans", "sans", "mais", "nous", "vous", "leurs"])
def test_stop_words_are_not_singularised(word: str) -> None:
    assert singular(word) == word


def test_plurals_then_gender() -> None:
    assert normalise_forms("Vendeuses en boutiques") == "vendeur en boutique"
    assert strip_plurals("Boulangères") == "Boulangère"
