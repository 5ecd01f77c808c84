"""Fitting the ranking model on the labelled dev sets, with cross-validation.

1. **Examples.** Each set's corpus is indexed as the product indexes it (records read into
   concepts); each query is matched with the hand-set weights to a depth of ``depth``, and each
   result becomes an example: its feature values (unknown ones kept unknown) and its grade.
2. **Model.** The score stays a weighted mean of the known feature values, so explanations keep
   their shares; only the weights are learnt. They minimise a pairwise logistic loss (a more
   relevant result should score higher than a less relevant one of the same query), kept
   non-negative and summing to 1, with an L2 pull towards the hand weights (``shrinkage``) so a
   feature the dev sets cannot see (distance, contract) keeps a sensible weight.
3. **Cross-validation.** Queries are split into ``folds`` groups (per set); each fold's model
   re-ranks the held-out queries' results, and nDCG@10 is reported against the hand weights on
   the same queries: never figures on the training folds.
4. **Calibration.** The held-out scores give the probability that a result is relevant
   (grade ≥ 2: same occupation or same family) as a function of its score (isotonic
   regression); the levels are the scores from which that probability reaches 0.7 ("très
   proche"), 0.45 ("proche") and 0.2 ("piste à explorer", the floor of a match).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.encoders import Encoder
from indexer.enrich import concept_enricher
from indexer.models import Offer
from indexer.settings import Settings
from matcher.evaluation.beir import LabelledSet, read_set
from matcher.evaluation.metrics import NDCG_CUTOFF, dcg
from matcher.evaluation.runner import (
    MemoEncoder,
    build_index,
    direction_of,
    eval_settings,
    prepare,
)
from matcher.matcher import Matcher
from matcher.ranking import FEATURES, LEVELS, RankingModel
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]
RELEVANT_GRADE = 2
LEVEL_PROBABILITIES = (0.7, 0.45, 0.2)
PAIR_SCALE = 10.0
"""Score differences are small (scores are weighted means in [0, 1]): the logistic loss looks
at them ten times magnified."""


@dataclass(frozen=True)
class Examples:
    """The results of every query: feature values (NaN: unknown), grades, query groups."""

    values: Array
    grades: npt.NDArray[np.int64]
    queries: npt.NDArray[np.int64]
    sets: tuple[str, ...]
    query_sets: npt.NDArray[np.int64]

    def subset(self, keep: npt.NDArray[np.bool_]) -> Examples:
        """The examples of the kept rows."""
        return Examples(self.values[keep], self.grades[keep], self.queries[keep], self.sets,
                        self.query_sets)


@dataclass
class TrainingReport:
    """What training measured: cross-validated nDCG@10 per set, learnt vs hand weights."""

    sets: dict[str, dict[str, float]] = field(default_factory=dict)
    folds: int = 0
    examples: int = 0
    queries: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"cross_validated_ndcg_10": self.sets, "folds": self.folds,
                "examples": self.examples, "queries": self.queries}


def collect(set_dirs: Sequence[Path], settings: Settings, encoder: Encoder,
            taxonomy: Taxonomy, depth: int) -> Examples:
    """Match every query of every set with the hand weights and keep each result's feature
    values and grade."""
    rows: list[Array] = []
    grades: list[int] = []
    queries: list[int] = []
    query_sets: list[int] = []
    names: list[str] = []
    for set_index, set_dir in enumerate(set_dirs):
        labelled = read_set(set_dir)
        names.append(labelled.name)
        for values, grade, query in _examples(labelled, settings, encoder, taxonomy, depth):
            rows.append(values)
            grades.append(grade)
            queries.append(query + 1_000_000 * set_index)
        query_sets.extend([set_index] * len(labelled.queries))
        log.info("training examples: %s done (%d so far)", labelled.name, len(rows))
    return Examples(np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES)),
                    np.array(grades, dtype=np.int64), np.array(queries, dtype=np.int64),
                    tuple(names), np.array(query_sets, dtype=np.int64))


def _examples(labelled: LabelledSet, settings: Settings, encoder: Encoder,
              taxonomy: Taxonomy, depth: int) -> list[tuple[Array, int, int]]:
    settings = eval_settings(settings, labelled)
    direction = direction_of(labelled)
    encoder = MemoEncoder(encoder)
    enricher = concept_enricher(settings, taxonomy, encoder)
    folder = settings.cache_dir / "train" / labelled.name
    index = build_index(labelled, direction, settings, encoder, folder, taxonomy, enricher)
    hand = RankingModel.hand(settings.matching)
    matcher = Matcher(index.offers, index.profiles, taxonomy, encoder, settings.matching,
                      enricher.reader.normaliser if enricher is not None else None,
                      model=hand)
    found = []
    for number, query in enumerate(labelled.queries):
        item = prepare(query, direction, taxonomy, settings.matching,
                       matcher.normaliser, enricher)
        matches = (matcher.candidates_for_offer(item.asker, top_k=depth)
                   if isinstance(item.asker, Offer)
                   else matcher.offers_for_profile(item.asker, top_k=depth))
        judged = labelled.qrels.get(query.id, {})
        for match in matches:
            values = np.array([next((c.value for c in match.explanation.components
                                     if c.name == name and c.weight > 0), np.nan)
                               for name in FEATURES], dtype=np.float64)
            found.append((values, judged.get(match.id, 0), number))
    return found


def scores(values: Array, weights: Array) -> Array:
    """The weighted mean of the known values of each row (NaN unknown, weight 0)."""
    known = ~np.isnan(values)
    filled = np.where(known, values, 0.0)
    total = known @ weights
    result: Array = (filled @ weights) / np.where(total > 0, total, 1.0)
    return result


def fit(examples: Examples, prior: Array, shrinkage: float = 0.5, steps: int = 400,
        rate: float = 0.05) -> Array:
    """Non-negative weights (sum 1) minimising the pairwise logistic loss plus
    ``shrinkage`` × ‖w − prior‖² (see module doc)."""
    left, right = _pairs(examples)
    start: Array = prior / prior.sum()
    weights = start
    if len(left) == 0:
        return weights
    known = ~np.isnan(examples.values)
    filled = np.where(known, examples.values, 0.0)
    for _ in range(steps):
        total = known @ weights
        total = np.where(total > 0, total, 1.0)
        score = (filled @ weights) / total
        # d score / d w_f = known_f (x_f - score) / total
        gradient_rows = known * (filled - score[:, None]) / total[:, None]
        margin = PAIR_SCALE * (score[left] - score[right])
        pull = -PAIR_SCALE / (1.0 + np.exp(margin))  # d loss / d margin
        gradient = (pull[:, None] * (gradient_rows[left] - gradient_rows[right])).mean(axis=0)
        # A gradient step on the loss, then the exact (proximal) step of the L2 pull, which
        # stays stable however strong the shrinkage.
        pull_strength = 2.0 * rate * shrinkage
        weights = (weights - rate * gradient + pull_strength * start) / (1.0 + pull_strength)
        weights = np.maximum(weights, 0.0)
        weights = weights / weights.sum() if weights.sum() > 0 else start
    return weights


def _pairs(examples: Examples) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Index pairs (better, worse) of results of the same query with different grades."""
    lefts: list[npt.NDArray[np.int64]] = []
    rights: list[npt.NDArray[np.int64]] = []
    for query in np.unique(examples.queries):
        rows = np.flatnonzero(examples.queries == query)
        grades = examples.grades[rows]
        better = grades[:, None] > grades[None, :]
        i, j = np.nonzero(better)
        lefts.append(rows[i])
        rights.append(rows[j])
    if not lefts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(lefts), np.concatenate(rights)


def mean_ndcg(examples: Examples, weights: Array) -> float:
    """Mean nDCG@10 of re-ranking each query's results by the weights (ideal from the grades
    of its results)."""
    values = scores(examples.values, weights)
    results = []
    for query in np.unique(examples.queries):
        rows = np.flatnonzero(examples.queries == query)
        grades = examples.grades[rows]
        if grades.max(initial=0) <= 0:
            continue
        order = np.lexsort((rows, -values[rows]))
        ideal = dcg(sorted(grades.tolist(), reverse=True)[:NDCG_CUTOFF])
        results.append(dcg(grades[order].tolist()[:NDCG_CUTOFF]) / ideal)
    return float(np.mean(results)) if results else 0.0


def cross_validate(examples: Examples, prior: Array, folds: int, seed: int,
                   shrinkage: float) -> tuple[TrainingReport, Array, Array]:
    """Per set, the held-out nDCG@10 of the learnt and the hand weights; and every result's
    held-out score with its relevance, for calibration."""
    rng = np.random.default_rng(seed)
    unique = np.unique(examples.queries)
    fold_of = dict(zip(unique.tolist(), rng.permutation(len(unique)) % folds, strict=True))
    fold = np.array([fold_of[q] for q in examples.queries.tolist()])
    held_scores = np.zeros(len(fold))
    report = TrainingReport(folds=folds, examples=len(fold), queries=len(unique))
    learnt_by_set: dict[int, list[float]] = {}
    hand_by_set: dict[int, list[float]] = {}
    for k in range(folds):
        train, test = fold != k, fold == k
        weights = fit(examples.subset(train), prior, shrinkage)
        held = examples.subset(test)
        held_scores[test] = scores(held.values, weights)
        for set_index in range(len(examples.sets)):
            in_set = (held.queries // 1_000_000) == set_index
            if in_set.any():
                part = held.subset(in_set)
                learnt_by_set.setdefault(set_index, []).append(mean_ndcg(part, weights))
                hand_by_set.setdefault(set_index, []).append(mean_ndcg(part, prior))
    for set_index, name in enumerate(examples.sets):
        if set_index in learnt_by_set:
            report.sets[name] = {"learnt": round(float(np.mean(learnt_by_set[set_index])), 4),
                                 "hand": round(float(np.mean(hand_by_set[set_index])), 4)}
    relevant = (examples.grades >= RELEVANT_GRADE).astype(np.float64)
    return report, held_scores, relevant


def calibrate(held_scores: Array, relevant: Array) -> tuple[float, float, float]:
    """The scores from which the isotonic probability of relevance reaches each level's
    probability (an unreachable level gets the highest score seen)."""
    order = np.argsort(held_scores)
    probability = _isotonic(relevant[order])
    sorted_scores = held_scores[order]
    thresholds = []
    for target in LEVEL_PROBABILITIES:
        reached = np.flatnonzero(probability >= target)
        thresholds.append(float(sorted_scores[reached[0]]) if len(reached)
                          else float(sorted_scores[-1]) + 1e-6)
    high, middle, low = (round(t, 4) for t in thresholds)
    middle, low = min(middle, high), min(low, middle, high)
    return high, middle, low


def _isotonic(labels: Array) -> Array:
    """Pool-adjacent-violators: the non-decreasing fit of ``labels`` (already in score
    order)."""
    blocks: list[list[float]] = []  # [sum, count]
    for value in labels.tolist():
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return np.concatenate([np.full(int(count), total / count) for total, count in blocks])


def train(set_dirs: Sequence[Path], settings: Settings, encoder: Encoder, taxonomy: Taxonomy,
          *, depth: int = 100, folds: int = 5, seed: int = 13,
          shrinkage: float = 0.5) -> tuple[RankingModel, TrainingReport]:
    """Fit, cross-validate and calibrate the ranking model on the sets (see module doc)."""
    hand = RankingModel.hand(settings.matching)
    prior = np.array([hand.weights[name] for name in FEATURES], dtype=np.float64)
    examples = collect(set_dirs, settings, encoder, taxonomy, depth)
    report, held_scores, relevant = cross_validate(examples, prior, folds, seed, shrinkage)
    weights = fit(examples, prior, shrinkage)
    thresholds = calibrate(held_scores, relevant)
    model = RankingModel(
        {name: round(float(w), 4) for name, w in zip(FEATURES, weights, strict=True)},
        thresholds, "learned", examples.sets,
        {**report.as_dict(), "level_probabilities": dict(zip(LEVELS, LEVEL_PROBABILITIES,
                                                             strict=True)),
         "shrinkage": shrinkage, "depth": depth, "encoder": encoder.name},
        datetime.now(UTC).isoformat(timespec="seconds"))
    log.info("ranking model: %s; cross-validated nDCG@10 %s", dict(model.weights),
             report.sets)
    return model, report

