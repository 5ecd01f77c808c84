"""The ranking model: levels, artifact round trip and refusals, and the fitting pieces
(pairwise weights, isotonic calibration) on small hand-made examples."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from indexer.catalog import SearchIndex
from indexer.settings import MatchingSettings
from matcher.engine import Engine
from matcher.evaluation.training import Examples, calibrate, fit, mean_ndcg, scores
from matcher.ranking import FEATURES, RankingModel, RankingModelError, ranking_model


def test_levels_follow_the_thresholds() -> None:
    model = RankingModel.hand(MatchingSettings()).__class__(
        dict.fromkeys(FEATURES, 1.0), (0.7, 0.5, 0.3))
    assert [model.level(s) for s in (0.9, 0.7, 0.6, 0.3, 0.29)] == [
        "très proche", "très proche", "proche", "piste à explorer", None]
    assert model.floor == 0.3


def test_artifact_round_trip_and_refusals(tmp_path: Path) -> None:
    model = RankingModel({**dict.fromkeys(FEATURES, 0.1), "occupation": 0.4}, (0.8, 0.6, 0.4),
                         "learned", ("a", "c"), {"folds": 5})
    path = tmp_path / "ranking.json"
    model.save(path)
    loaded = RankingModel.load(path)
    assert loaded.weights == model.weights and loaded.thresholds == model.thresholds
    assert loaded.version == model.version and loaded.trained_on == ("a", "c")
    data = json.loads(path.read_text())
    for broken, message in ((
            {**data, "format_version": 99}, "format"),
            ({**data, "weights": {**data["weights"], "salary": 1.0}}, "unknown"),
            ({**data, "thresholds": [0.2, 0.5, 0.9]}, "thresholds")):
        path.write_text(json.dumps(broken))
        with pytest.raises(RankingModelError, match=message):
            RankingModel.load(path)


def test_settings_choose_the_model(tmp_path: Path) -> None:
    hand = ranking_model(MatchingSettings(ranking_model="hand"))
    assert hand.source == "hand" and hand.weights["retrieval"] == 0.45
    path = tmp_path / "m.json"
    RankingModel(dict.fromkeys(FEATURES, 1.0), (0.9, 0.8, 0.7), "learned").save(path)
    assert ranking_model(MatchingSettings(ranking_model=str(path))).floor == 0.7


def _examples(values: list[list[float]], grades: list[int], queries: list[int]) -> Examples:
    return Examples(np.array(values, dtype=np.float64), np.array(grades, dtype=np.int64),
                    np.array(queries, dtype=np.int64), ("toy",), np.zeros(1, dtype=np.int64))


def test_scores_are_weighted_means_of_known_values() -> None:
    values = np.array([[1.0, 0.0] + [np.nan] * 5, [0.5, np.nan] + [np.nan] * 5])
    weights = np.array([1.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert scores(values, weights).tolist() == pytest.approx([0.25, 0.5])


def test_fit_moves_weight_to_the_feature_that_orders_the_pairs() -> None:
    rng = np.random.default_rng(0)
    rows, grades, queries = [], [], []
    for query in range(30):
        for _ in range(10):
            grade = int(rng.integers(0, 3))
            noise = rng.random(len(FEATURES))
            noise[2] = grade / 2 + 0.05 * rng.random()  # "occupation" predicts the grade
            rows.append(noise.tolist())
            grades.append(grade)
            queries.append(query)
    examples = _examples(rows, grades, queries)
    prior = np.full(len(FEATURES), 1.0)
    weights = fit(examples, prior, shrinkage=0.01)
    assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
    assert weights[2] == weights.max() and weights[2] > 0.3
    assert mean_ndcg(examples, weights) > mean_ndcg(examples, prior)
    pulled = fit(examples, prior, shrinkage=100.0)
    assert np.abs(pulled - prior / prior.sum()).max() < 0.02  # strong shrinkage stays put


def test_calibration_finds_where_relevance_becomes_likely() -> None:
    held = np.linspace(0.0, 1.0, 101)
    relevant = (held >= 0.6).astype(np.float64)
    high, middle, low = calibrate(held, relevant)
    assert high == middle == low == pytest.approx(0.6)
    noisy = np.where(held >= 0.5, 1.0, 0.0)
    noisy[::4] = 0.0  # a quarter of the high scores are not relevant
    high, middle, low = calibrate(held, noisy)
    assert 0.5 <= low <= middle <= high <= 1.0 + 1e-6


def test_engine_warns_when_the_index_recorded_another_ranking_model(
        tiny_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    index = SearchIndex.open(tiny_engine.index.directory, tiny_engine.settings,
                             tiny_engine.encoder)
    index.manifest.ranking_model = "learned-000000000000"  # in memory only
    with caplog.at_level(logging.WARNING, logger="matcher.engine"):
        engine = Engine(tiny_engine.settings, tiny_engine.taxonomy, tiny_engine.gazetteer,
                        tiny_engine.encoder, index)
    used = engine.matcher.model.version
    assert used != "learned-000000000000"
    assert any("learned-000000000000" in r.getMessage() and used in r.getMessage()
               for r in caplog.records)


def test_the_shipped_learned_model_loads_and_earned_its_place_in_cross_validation() -> None:
    model = ranking_model(MatchingSettings(ranking_model="learned"))
    assert model.source == "learned" and model.version.startswith("learned-")
    assert set(model.weights) == set(FEATURES)
    figures = model.metrics["cross_validated_ndcg_10"]
    assert figures and all(f["learnt"] >= f["hand"] for f in figures.values())
