"""Concepts read from the text, end to end on the mini ROME: the enricher marks what it
infers, the concept channel finds records no code named, explanations say what was read, and a
thin list says why and what would widen it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.catalog import IndexWriter, SearchIndex
from indexer.encoders import Encoder
from indexer.enrich import ConceptEnricher
from indexer.geo import Gazetteer
from indexer.models import GeoPoint, Offer, Place, Profile, SkillTag
from indexer.settings import ConceptSettings, Settings, load_settings
from indexer.stores.protocols import Filters, GeoFilter
from matcher.engine import Engine
from matcher.queries import profile_index_text
from skills_taxonomy import Taxonomy
from skills_taxonomy.concepts import ConceptReader

AUBENAS = GeoPoint(lat=44.6197, lon=4.3903)
PRIVAS = GeoPoint(lat=44.7225, lon=4.5950)  # about 20 km from Aubenas

UNCODED = [
    Offer(id="u-vente", title="Vendeuse en prêt-à-porter H/F",
          description="Boutique de mode.\n- Conseiller un client sur un produit\n"
                      "- Encaisser un paiement\nTechniques de vente exigées.",
          place=Place(label="Aubenas", commune="07019", point=AUBENAS), contract_type="CDI"),
    Offer(id="u-marine", title="Mécanicien de marine",
          description="Réparer un moteur de bateau, monter un accastillage.",
          place=Place(label="Privas", commune="07186", point=PRIVAS), contract_type="CDI"),
    Offer(id="u-sport", title="Vendeur en articles de sport",
          description="Conseiller un client sur un produit technique.",
          place=Place(label="Privas", commune="07186", point=PRIVAS), contract_type="CDI"),
]
CODED = Offer(id="c-compta", title="Vendeur en prêt-à-porter", rome_code="M1203",
              description="Conseiller un client sur un produit, encaisser un paiement.",
              place=Place(label="Aubenas", commune="07019", point=AUBENAS))
SEEKER = Profile(id="s-1", titles=["Vendeur en prêt-à-porter"],
                 summary="J'aime conseiller un client sur un produit.",
                 skills=[SkillTag(code="100011", label="Encaisser un paiement")],
                 place=Place(label="Aubenas", commune="07019", point=AUBENAS), radius_km=10)


@pytest.fixture(scope="module")
def enricher(mini_taxonomy: Taxonomy) -> ConceptEnricher:
    return ConceptEnricher(ConceptReader(mini_taxonomy), ConceptSettings())


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder,
           mini_taxonomy: Taxonomy, mini_gazetteer: Gazetteer,
           enricher: ConceptEnricher) -> Iterator[Engine]:
    root: Path = tmp_path_factory.mktemp("concepts")
    settings: Settings = load_settings(data_dir=Path(__file__).parents[1] / "fixtures",
                                       index_dir=root / "index", cache_dir=root / "cache")
    with IndexWriter(settings.index_dir, settings, encoder, enricher=enricher,
                     profile_text=profile_index_text(mini_taxonomy)) as writer:
        writer.upsert_offers([*UNCODED, CODED])
        writer.upsert_profiles([SEEKER])
        writer.commit()
    index = SearchIndex.open(settings.index_dir, settings, encoder)
    yield Engine(settings, mini_taxonomy, mini_gazetteer, encoder, index)


def test_an_offer_without_codes_gets_inferred_occupations_and_skills(
        enricher: ConceptEnricher) -> None:
    offer = enricher.offer(UNCODED[0])
    assert offer.concepts is not None
    best = offer.concepts.occupations[0]
    assert (best.rome_code, best.inferred) == ("D1214", True)
    assert 0.5 <= best.confidence <= 1.0
    read = {tag.code: tag for tag in offer.concepts.skills}
    assert {"100010", "100011", "200002"} <= set(read)
    assert all(tag.inferred and tag.excerpt for tag in read.values())
    assert read["200002"].requirement.value == "required" and read["200002"].requirement_stated
    assert not read["100010"].requirement_stated  # the text names it, demands nothing


def test_a_given_code_is_kept_and_a_disagreement_recorded(enricher: ConceptEnricher) -> None:
    offer = enricher.offer(CODED)
    assert offer.concepts is not None
    assert [(t.rome_code, t.inferred) for t in offer.concepts.occupations] == [("M1203", False)]
    assert offer.concepts.disagreement is not None
    assert "D1214" in offer.concepts.disagreement and "M1203" in offer.concepts.disagreement


def test_a_rejected_skill_is_not_read_again(enricher: ConceptEnricher) -> None:
    read = enricher.profile(SEEKER)
    assert read.concepts is not None and "100010" in {t.code for t in read.concepts.skills}
    rejected = enricher.profile(SEEKER.model_copy(update={"rejected_skills": ["100010"]}))
    assert rejected.concepts is not None
    assert "100010" not in {t.code for t in rejected.concepts.skills}


def test_the_concept_channel_finds_offers_by_occupation_family_and_skill(
        engine: Engine) -> None:
    offers = engine.offers
    hits = offers.concept_search({"D1214": 1.0, "D1211": 0.7}, {}, Filters(), 10)
    assert [h.id for h in hits][:2] == ["u-vente", "u-sport"]  # own sheet first, then family
    by_skill = offers.concept_search({}, {"100021": 1.0}, Filters(), 10)
    assert [h.id for h in by_skill] == ["u-marine"]
    near = offers.concept_search({"D1214": 1.0, "D1211": 0.7}, {},
                                 Filters(geo=GeoFilter(AUBENAS, 5)), 10)
    assert [h.id for h in near] == ["u-vente"]  # filters apply inside the channel


def test_explanations_say_what_was_read_from_the_offer(engine: Engine) -> None:
    stored = engine.profiles.get("s-1")
    assert stored is not None
    matches = {m.id: m for m in engine.offers_for_profile(stored, top_k=5, include_weak=True)}
    uncoded = matches["u-vente"]
    assert uncoded.level is not None
    explanation = uncoded.explanation
    assert [(o.code, o.inferred) for o in explanation.occupations][:1] == [("D1214", True)]
    assert "déduit de l'annonce" in (explanation.occupation_relation or "")
    matched = {s.code: s for s in explanation.matched_skills}
    assert matched["100011"].inferred and matched["100011"].excerpt
    coded = matches["c-compta"].explanation
    assert [(o.code, o.inferred) for o in coded.occupations] == [("M1203", False)]


def test_results_below_the_floor_are_not_shown_as_matches(engine: Engine) -> None:
    stored = engine.profiles.get("s-1")
    assert stored is not None
    everything = engine.offers_for_profile(stored.model_copy(update={"radius_km": 100}),
                                           top_k=10, include_weak=True)
    shown = engine.offers_for_profile(stored.model_copy(update={"radius_km": 100}), top_k=10)
    assert [m.id for m in shown] == [m.id for m in everything if m.level is not None]
    assert len(shown) < len(everything)  # the boat mechanic is no match for a seller


def test_a_thin_list_says_why_and_what_would_widen_it(engine: Engine) -> None:
    seeker = SEEKER.model_copy(update={"rome_codes": ["D1211"], "titles": [], "concepts": None,
                                       "radius_km": 10})
    diagnosis = engine.diagnose_list(seeker, shown=0)
    assert diagnosis.own_occupation_offers == 0
    assert diagnosis.reason == ("aucune offre de votre métier (Vendeur / Vendeuse en articles "
                                "de sport) à moins de 10 km")
    wider = [w for w in diagnosis.widenings if w.kind == "radius"]
    assert len(wider) == 1 and wider[0].added == 1 and wider[0].radius_km in (20, 30)
    related = {w.occupations: w.added for w in diagnosis.widenings if w.kind == "related"}
    assert related == {("D1214",): 1}  # the prêt-à-porter shop in Aubenas, read as D1214
    assert engine.diagnose_list(seeker, shown=5).reason is None  # not thin: no reason



def test_a_widening_counts_only_offers_not_already_in_the_list(engine: Engine) -> None:
    seeker = SEEKER.model_copy(update={"rome_codes": ["D1211"], "titles": [], "concepts": None,
                                       "radius_km": 10})
    shown = engine.diagnose_list(seeker, shown=1, shown_ids=["u-vente"])
    assert ("D1214",) not in {w.occupations for w in shown.widenings if w.kind == "related"}
    assert shown.own_occupation_offers == 0
