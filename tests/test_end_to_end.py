"""End to end on the real data: index the 299 real offers and generated profiles through the
CLI, then check that seekers of an occupation get offers of that occupation first."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import matcher.matcher as matcher_module
from indexer.models import Offer
from indexer.settings import load_settings
from indexer.stores.protocols import IndexedDoc
from matcher.engine import Engine
from matcher.matcher import Matcher
from matcher.queries import profile_filters
from tests.conftest import real_static_model
from webapp.cli import main

pytestmark = pytest.mark.slow

MIN_PRECISION_AT_5 = 0.6


@pytest.fixture(scope="module")
def real_index(real_demo_index: tuple[Path, Path]) -> Path:
    return real_demo_index[0]


@pytest.fixture(scope="module")
def model_env(real_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The static model the index was built with (distilled once per session), for the CLI
    commands and engines that use their own cache folder."""
    return {"EMPLOI_MODEL": str(real_static_model(tmp_path_factory))}


@pytest.fixture(scope="module")
def engine(real_index: Path, real_data_dir: Path, model_env: dict[str, str]) -> Engine:
    return Engine.open(load_settings(data_dir=real_data_dir, index_dir=real_index,
                                     cache_dir=real_index.parent / "engine-cache",
                                     model=model_env["EMPLOI_MODEL"]))


def test_offers_of_the_seekers_occupation_dominate_the_top_5(engine: Engine) -> None:
    """Precision@5 against the offers each seeker's own filters let through: a seeker who
    wants only CDD, or whose radius holds no offer of their occupation, cannot be judged."""
    offer_codes = Counter(o.rome_code for o in engine.offers)
    seekers = [p for p in engine.profiles if p.rome_codes and p.rome_codes[0] in offer_codes]
    assert len(seekers) >= 300, "the generator puts most seekers in the offers' occupations"
    documents = _offer_documents(engine)
    precisions, baselines, unreachable = [], [], 0
    for profile in seekers:
        code = profile.rome_codes[0]
        filters = profile_filters(profile)
        reachable = [offer for offer, doc in documents if filters.accepts(doc)]
        relevant = sum(1 for o in reachable if o.rome_code == code)
        if relevant == 0:
            unreachable += 1
            continue
        top = engine.offers_for_profile(profile, top_k=5)
        hits = sum(1 for m in top if _offer_code(engine, m.id) == code)
        precisions.append(hits / min(5, relevant))
        # A random ranking of the reachable offers puts relevant/len(reachable) of them in
        # each slot; normalised the same way as the precision above.
        baselines.append(min(5, len(reachable)) * relevant / len(reachable) / min(5, relevant))
    precision = sum(precisions) / len(precisions)
    baseline = sum(baselines) / len(baselines)
    message = (f"precision@5 {precision:.3f} over {len(precisions)} seekers (random baseline "
               f"{baseline:.3f}; {unreachable} seekers had no offer of their occupation within "
               f"their filters); target >= {MIN_PRECISION_AT_5}")
    print(message)
    assert len(precisions) >= 300, message
    assert precision >= MIN_PRECISION_AT_5, message
    assert precision > 2 * baseline, message


def _offer_documents(engine: Engine) -> list[tuple[Offer, IndexedDoc]]:
    """Every offer with its stored document, read once for all the seekers' filters."""
    return [(o, doc) for o in engine.offers if (doc := engine.offers.document(o.id)) is not None]


def _offer_code(engine: Engine, offer_id: str) -> str | None:
    offer = engine.offers.get(offer_id)
    return offer.rome_code if offer else None


def test_match_offers_json_contract(real_index: Path, real_data_dir: Path,
                                    model_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(real_data_dir), "match", "offers",
                                       "--index-dir", str(real_index), "--profile", "P000001",
                                       "--top", "5", "--all", "--json"], env=model_env)
    assert result.exit_code == 0, result.output
    matches = json.loads(result.output)
    assert len(matches) == 5
    assert all(set(m) == {"id", "score", "level", "explanation"} for m in matches)
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    components = matches[0]["explanation"]["components"]
    assert {c["name"] for c in components} == {"retrieval", "skills", "occupation", "distance",
                                               "contract", "experience", "freshness"}
    assert sum(c["contribution"] for c in components) == pytest.approx(scores[0], abs=1e-3)


def test_match_offers_lists_only_matches_unless_all(real_index: Path, real_data_dir: Path,
                                                    model_env: dict[str, str]) -> None:
    def run(*extra: str) -> list[dict[str, object]]:
        result = CliRunner().invoke(main, ["--data-dir", str(real_data_dir), "match", "offers",
                                           "--index-dir", str(real_index), "--profile",
                                           "P000001", "--top", "20", "--json", *extra],
                                    env=model_env)
        assert result.exit_code == 0, result.output
        listed = json.loads(result.output)
        assert isinstance(listed, list)
        return listed

    matches, everything = run(), run("--all")
    assert len(matches) <= len(everything) <= 20
    assert all(m["level"] is not None for m in matches)
    assert any(m["level"] is None for m in everything)  # this seeker has results below
    assert [m["id"] for m in matches] == [m["id"] for m in everything
                                          if m["level"] is not None]


def test_match_candidates_never_show_names(real_index: Path, real_data_dir: Path,
                                           engine: Engine, model_env: dict[str, str]) -> None:
    offer_id = engine.offers.ids()[0]
    result = CliRunner().invoke(main, ["--data-dir", str(real_data_dir), "match",
                                       "candidates", "--index-dir", str(real_index),
                                       "--offer", offer_id, "--top", "10"], env=model_env)
    assert result.exit_code == 0, result.output
    names = {p.personal.name for p in engine.profiles if p.personal and p.personal.name}
    assert names, "generated profiles carry fake names to test this"
    assert not any(name in result.output for name in names)
    assert "C-" in result.output  # pseudonyms


def test_search_around_a_commune(real_index: Path, real_data_dir: Path,
                                 model_env: dict[str, str]) -> None:
    # 07019 is Aubenas (Ardèche), where many of the real offers are.
    result = CliRunner().invoke(main, ["--data-dir", str(real_data_dir), "search",
                                       "--index-dir", str(real_index), "--text", "vendeuse",
                                       "--commune", "07019", "--radius", "30", "--json"],
                                env=model_env)
    assert result.exit_code == 0, result.output
    matches = json.loads(result.output)
    assert matches
    assert all(m["explanation"]["distance_km"] <= 30 for m in matches)


def test_bounded_scoring_returns_the_top_k_of_scoring_every_candidate(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher reads and scores candidates by decreasing bound and stops early; with an
    infinite slack it scores every retrieved candidate. Both must rank the same."""
    profiles = engine.profiles.ids()[:40]
    offers = engine.offers.ids()[:15]
    matcher = Matcher(engine.offers, engine.profiles, engine.taxonomy, engine.encoder,
                      engine.settings.matching.model_copy(update={"result_cache": 0}),
                      engine.normaliser)

    def rankings(widen: bool) -> tuple[list[list[tuple[str, float]]], list[int]]:
        found, scored = [], []
        for profile_id in profiles:
            profile = engine.profiles.get(profile_id)
            assert profile is not None
            matches = matcher.offers_for_profile(profile, top_k=10, widen_search=widen)
            found.append([(m.id, m.score) for m in matches])
            scored.append(matcher.last_scored)
        for offer_id in offers:
            offer = engine.offers.get(offer_id)
            assert offer is not None
            found.append([(m.id, m.score) for m in matcher.candidates_for_offer(offer, 5)])
            scored.append(matcher.last_scored)
        return found, scored

    for widen in (False, True):
        bounded, bounded_scored = rankings(widen)
        monkeypatch.setattr(matcher_module, "SCORE_BOUND_SLACK", math.inf)
        exhaustive, exhaustive_scored = rankings(widen)
        monkeypatch.undo()
        for got, expected in zip(bounded, exhaustive, strict=True):
            assert [i for i, _ in got] == [i for i, _ in expected]
            assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-9)
        assert sum(bounded_scored) < 0.8 * sum(exhaustive_scored)
