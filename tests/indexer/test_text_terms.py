"""Which terms of a long free text the keyword stores search."""

from __future__ import annotations

import math

import pytest

from indexer.stores.text_terms import bm25_idf, weightiest_terms


def _never(term: str) -> int:
    raise AssertionError(f"doc_freq asked for {term!r} of a text within the limit")


def test_a_text_within_the_limit_keeps_its_distinct_terms_in_order_uncounted() -> None:
    analysed = ["soudeur", "atelier", "soudeur", "tig"]
    assert weightiest_terms(analysed, 3, _never, 100) == ["soudeur", "atelier", "tig"]
    assert weightiest_terms(analysed, None, _never, 100) == ["soudeur", "atelier", "tig"]


def test_idf_is_lucene_bm25_and_falls_as_more_texts_hold_the_term() -> None:
    assert bm25_idf(1, 29) == pytest.approx(math.log(1 + 28.5 / 1.5))
    assert bm25_idf(1, 1000) > bm25_idf(10, 1000) > bm25_idf(900, 1000) > 0.0
    assert bm25_idf(1000, 1000) > 0.0  # held by every text: small, never negative


def test_a_term_said_often_outweighs_a_rarer_term_said_once() -> None:
    doc_freq = {"soudeur": 8, "peinture": 1, "atelier": 20}.__getitem__
    # 4 × idf(8 of 29) ≈ 5.0 against idf(1 of 29) ≈ 3.0 and idf(20 of 29) ≈ 0.4
    analysed = ["atelier", "soudeur", "peinture", "soudeur", "soudeur", "soudeur"]
    assert weightiest_terms(analysed, 1, doc_freq, 29) == ["soudeur"]
    assert weightiest_terms(analysed, 2, doc_freq, 29) == ["soudeur", "peinture"]
    said_once = ["atelier", "soudeur", "peinture"]
    assert weightiest_terms(said_once, 1, doc_freq, 29) == ["peinture"]


def test_terms_kept_come_in_query_order_and_ties_go_to_the_earlier() -> None:
    doc_freq = {"cariste": 3, "magasinier": 3, "soudeur": 3, "commun": 50}.__getitem__
    analysed = ["soudeur", "commun", "cariste", "magasinier"]
    assert weightiest_terms(analysed, 2, doc_freq, 100) == ["soudeur", "cariste"]
