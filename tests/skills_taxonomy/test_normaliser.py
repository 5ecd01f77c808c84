"""The title normaliser: fuzzy + IDF-weighted lexical + vectors, one ranking per occupation."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.encoders import CachedEncoder, EmbeddingCache, Encoder
from skills_taxonomy import Taxonomy
from skills_taxonomy.gender import GenderNeutraliser
from skills_taxonomy.lexical import LexicalIndex
from skills_taxonomy.normaliser import Normaliser

GENDERED_FORMS = ["vendeur en prêt-à-porter", "Vendeuse en prêt-à-porter",
                  "Vendeur·se en prêt-à-porter", "Vendeur(se) en prêt-à-porter",
                  "Vendeur.euse en prêt-à-porter", "Vendeur / Vendeuse en prêt-à-porter H/F",
                  "VENDEUSE EN PRET A PORTER (F/H)"]


@pytest.fixture(scope="module")
def lexical_only(mini_taxonomy: Taxonomy) -> Normaliser:
    return Normaliser(mini_taxonomy)


@pytest.fixture(scope="module")
def with_vectors(mini_taxonomy: Taxonomy, encoder: Encoder) -> Normaliser:
    return Normaliser(mini_taxonomy, encoder)


@pytest.mark.parametrize("name", ["lexical_only", "with_vectors"])
def test_gendered_and_inclusive_forms_normalise_alike(name: str,
                                                      request: pytest.FixtureRequest) -> None:
    normaliser: Normaliser = request.getfixturevalue(name)
    rankings = {form: normaliser._normalise(form, 5) for form in GENDERED_FORMS}  # no memo
    first = rankings[GENDERED_FORMS[0]]
    assert first[0].rome_code == "D1214"
    assert first[0].confidence == 1.0  # an exact ROME form
    for form, ranking in rankings.items():
        assert ranking == first, form


def test_confidence_is_in_unit_range_and_sorted(with_vectors: Normaliser) -> None:
    ranking = with_vectors.normalise("conseillère de vente", 10)
    assert ranking
    assert all(0.0 <= m.confidence <= 1.0 for m in ranking)
    assert [m.confidence for m in ranking] == sorted((m.confidence for m in ranking),
                                                     reverse=True)
    assert ranking[0].rome_code == "D1214"
    assert len({m.rome_code for m in ranking}) == len(ranking)  # one line per occupation


@pytest.mark.parametrize("title", ["conseillère de vente", "vendeur", "mécanicien",
                                   "agent de caisse", "conducteur d'engins forestiers"])
@pytest.mark.parametrize("name", ["lexical_only", "with_vectors"])
def test_a_short_ranking_is_the_head_of_a_long_one(name: str, title: str,
                                                   request: pytest.FixtureRequest) -> None:
    # the centroid signal reaches most occupations, and only the contenders of the top
    # ``limit`` are scored exactly: asking for fewer must not change who leads, nor how
    normaliser: Normaliser = request.getfixturevalue(name)
    everything = normaliser._normalise(title, 1000)
    assert everything
    for limit in (1, 2, 3, 5):
        assert normaliser._normalise(title, limit) == everything[:limit]


def test_rare_words_outweigh_common_ones(mini_taxonomy: Taxonomy) -> None:
    index = LexicalIndex(["agent administratif comptable", "agent de marine",
                          "mécanicien de marine", "conducteur d'abatteuse"],
                         mini_taxonomy.feminine_to_masculine)
    assert index.idf("w:agent") < index.idf("w:abatteuse")
    scores = index.scores("agente d'abatteuse")
    assert max(scores, key=lambda position: scores[position]) == 3


def test_unknown_title_gets_no_confident_match(lexical_only: Normaliser) -> None:
    assert lexical_only.best_codes("zzzz qqqq", 3, 0.5, 0.85) == []
    assert lexical_only.normalise("   ") == []


def test_best_codes_keeps_close_runners_up_only(with_vectors: Normaliser) -> None:
    best = with_vectors.best_codes("vendeur", 3, 0.3, 0.85)
    assert best
    assert all(m.confidence >= 0.85 * best[0].confidence for m in best)


def test_neutraliser_keeps_accents_and_drops_gender(mini_taxonomy: Taxonomy) -> None:
    neutral = GenderNeutraliser(mini_taxonomy).neutral
    assert neutral("Mécanicienne de marine H/F") == "mécanicien de marine"
    assert {neutral(f) for f in GENDERED_FORMS} == {"vendeur en prêt-à-porter",
                                                   "vendeur en pret a porter"}


@pytest.mark.slow
def test_real_taxonomy_title_normalisation(real_data_dir: Path, encoder: Encoder,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    from skills_taxonomy import load_taxonomy

    taxonomy = load_taxonomy(real_data_dir / "rome4", cache_dir=tmp_path_factory.mktemp("t"))
    normaliser = Normaliser(taxonomy, CachedEncoder(encoder, EmbeddingCache(
        tmp_path_factory.mktemp("n"))))
    first = {form: normaliser.normalise(form, 3)[0].rome_code
             for form in ("vendeuse en prêt-à-porter", "vendeur·se en prêt-à-porter H/F")}
    assert set(first.values()) == {"D1214"}
    # The common head word "agent" must not pull "agente de caisse" away from the tills
    # (hôte de caisse D1505, responsable de caisses D1508) towards "Agent de ..." titles.
    assert normaliser.normalise("agente de caisse", 1)[0].rome_code in {"D1505", "D1508"}


def test_prefetched_titles_rank_as_titles_read_one_by_one(mini_taxonomy: Taxonomy,
                                                          encoder: Encoder) -> None:
    # prefetching finds the closest forms of many titles in one product: the rankings must
    # be the ones a title read alone gets, in any batch
    titles = ["conseillère de vente", "Vendeuse en prêt-à-porter", "mécanicien auto",
              "agent de caisse", "conducteur d'engins forestiers", "vendeur"]
    alone = Normaliser(mini_taxonomy, encoder)
    expected = {title: alone.normalise(title, 10) for title in titles}
    for batch in (titles, titles[::-1], titles[2:4]):
        batched = Normaliser(mini_taxonomy, encoder)
        batched.prefetch(batch, 10)
        assert len(batched._prefetched) == len(batch)  # six distinct canonical titles
        for title in batch:
            assert batched.normalise(title, 10) == expected[title], title
        assert not batched._prefetched  # every prefetched title was ranked from it
        batched.prefetch(batch, 10)  # ranked already: nothing to find again
        assert not batched._prefetched
