"""Tests of :class:`skills_taxonomy.Taxonomy` on the mini ROME fixture."""

from __future__ import annotations

import pytest

from skills_taxonomy import Taxonomy


def test_occupation_lookup_and_unknown_code(tax: Taxonomy) -> None:
    assert tax.occupation("D1214").label == "Vendeur / Vendeuse en prêt-à-porter"
    with pytest.raises(KeyError, match="unknown ROME code 'X9999'"):
        tax.occupation("X9999")


def test_mappings_expose_every_concept(tax: Taxonomy) -> None:
    assert sorted(tax.occupations) == ["A1101", "A1102", "D1211", "D1214", "I1601", "M1203"]
    assert tax.appellations["10201"].forms == ("Accastilleur-gréeur", "Accastilleuse-gréeuse")
    assert tax.items["200005"].label == "Normes comptables"


def test_appellations_of(tax: Taxonomy) -> None:
    codes = [app.code for app in tax.appellations_of("D1214")]
    assert codes == ["30001", "20613", "20614"]
    with pytest.raises(KeyError):
        tax.appellations_of("X9999")


def test_items_of_core_first_and_core_only(tax: Taxonomy) -> None:
    links = tax.items_of("D1214")
    assert [(link.item.code, link.core) for link in links] == [
        ("100010", True),
        ("100013", True),
        ("200002", True),
        ("100011", False),
        ("200006", False),
        ("100012", False),
        ("200003", False),
    ]
    core = tax.items_of("D1214", core_only=True)
    assert {link.item.code for link in core} == {"100010", "100013", "200002"}


def test_mobility_parent_and_related(tax: Taxonomy) -> None:
    assert tax.mobility_targets("D1214") == [("D1211", 1), ("M1203", 2), ("I1601", 3)]
    assert tax.mobility_targets("M1203") == []
    assert tax.parent_of("A1102") == "A1101"
    assert tax.parent_of("A1101") == "A1101"
    assert tax.related_occupations("D1214") == ["D1211"]
    assert tax.related_occupations("A1102") == ["A1101"]
    assert tax.related_occupations("M1203") == []


def test_feminine_table_comes_from_appellations(tax: Taxonomy) -> None:
    table = tax.feminine_to_masculine
    assert table["vendeuse"] == "vendeur"
    assert table["accastilleuse"] == "accastilleur"
    assert table["agente"] == "agent"
    assert "vendeur" not in table
    assert tax.fold("Vendeur / Vendeuse en prêt-à-porter") == "vendeur en pret a porter"


@pytest.mark.parametrize(
    "query",
    ["vendeuse pret a porter", "Vendeur prêt-à-porter H/F", "vendeur·se en prêt à porter"],
)
def test_normalise_title_is_gender_neutral(tax: Taxonomy, query: str) -> None:
    first = tax.normalise_title(query)[0]
    assert (first.kind, first.code, first.rome_code, first.score) == (
        "appellation",
        "20613",
        "D1214",
        1.0,
    )


def test_normalise_title_dedups_occupation_of_main_title(tax: Taxonomy) -> None:
    matches = tax.normalise_title("Vendeuse en prêt-à-porter", limit=10)
    concepts = [(m.kind, m.code) for m in matches]
    assert len(concepts) == len(set(concepts))
    assert ("occupation", "D1214") not in concepts
    assert {m.kind for m in matches} <= {"appellation", "occupation"}


def test_masculine_and_feminine_queries_rank_identically(tax: Taxonomy) -> None:
    masculine = tax.search("conducteur d'engins agricoles")
    feminine = tax.search("conductrice d'engins agricoles")
    assert masculine == feminine
    assert masculine[0].rome_code == "A1101"


def test_search_hyphenated_feminine_form(tax: Taxonomy) -> None:
    first = tax.search("accastilleuse-gréeuse", kinds=("appellation",))[0]
    assert (first.code, first.score) == ("10201", 1.0)


def test_search_filters_by_kind_and_scores_in_range(tax: Taxonomy) -> None:
    matches = tax.search("encaisser paiement", kinds=("item",), limit=3)
    assert matches[0].code == "100011"
    assert matches[0].rome_code is None
    assert all(m.kind == "item" for m in matches)
    assert all(0.0 <= m.score <= 1.0 for m in matches)
    assert len(matches) <= 3


def test_search_finds_a_long_label_from_the_start_of_its_first_word(tax: Taxonomy) -> None:
    # What a counsellor has typed so far: "consei" shares little with the whole label.
    matches = tax.search("consei", kinds=("item",), limit=5)
    assert "100010" in [m.code for m in matches]  # Conseiller un client sur un produit


def test_search_is_accent_and_case_insensitive(tax: Taxonomy) -> None:
    first = tax.search("ETABLIR UN BILAN COMPTABLE", kinds=("item",))[0]
    assert (first.code, first.score) == ("100030", 1.0)


def test_search_finds_a_label_from_its_first_letters(tax: Taxonomy) -> None:
    matches = tax.search("consei", kinds=("item",), limit=5)
    assert any(m.label.lower().startswith("conseiller") for m in matches)


def test_search_empty_query_returns_nothing(tax: Taxonomy) -> None:
    assert tax.search("  ...  ") == []
    assert tax.search("vendeur", limit=0) == []


def test_checksum_is_a_sha256_hex(tax: Taxonomy) -> None:
    assert len(tax.checksum) == 64
    int(tax.checksum, 16)


def test_no_esco_means_empty_esco_views(tax: Taxonomy) -> None:
    assert tax.esco_occupations == {}
    assert tax.crosswalk == ()
    assert tax.search("skipper", kinds=("esco_occupation",)) == []
