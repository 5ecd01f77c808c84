"""Classification metrics and stratified folds (no third-party dependency)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClassScores:
    """Precision, recall and F1 of one class, and its number of true examples."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Scores of predictions against gold labels."""

    accuracy: float
    macro_f1: float
    per_class: tuple[ClassScores, ...]
    confusion: dict[tuple[str, str], int]
    """(gold, predicted) → count, errors and hits alike."""

    def top_confusions(self, limit: int = 8) -> list[tuple[str, str, int]]:
        """The most frequent (gold, predicted) errors, most frequent first."""
        errors = [(g, p, n) for (g, p), n in self.confusion.items() if g != p]
        return sorted(errors, key=lambda e: (-e[2], e[0], e[1]))[:limit]


def f1_of(precision: float, recall: float) -> float:
    """The harmonic mean (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def report(gold: Sequence[str], predicted: Sequence[str],
           labels: Sequence[str] | None = None) -> Report:
    """Accuracy, macro-F1 over ``labels`` (default: every gold or predicted label) and the
    per-class scores; a class never predicted has precision 0."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = sorted(set(gold) | set(predicted)) if labels is None else list(labels)
    confusion: Counter[tuple[str, str]] = Counter(zip(gold, predicted, strict=True))
    per_class = []
    for label in labels:
        tp = confusion[(label, label)]
        predicted_n = sum(n for (_, p), n in confusion.items() if p == label)
        gold_n = sum(n for (g, _), n in confusion.items() if g == label)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        per_class.append(ClassScores(label, precision, recall, f1_of(precision, recall),
                                     gold_n))
    accuracy = sum(n for (g, p), n in confusion.items() if g == p) / len(gold) if gold else 0.0
    macro = sum(c.f1 for c in per_class) / len(per_class) if per_class else 0.0
    return Report(accuracy, macro, tuple(per_class), dict(confusion))


def stratified_folds(labels: Sequence[str], k: int, seed: int) -> list[list[int]]:
    """``k`` disjoint test folds covering every position, each class spread evenly (its
    positions shuffled with ``seed``, then dealt round-robin, continuing where the previous
    class stopped so fold sizes stay within one)."""
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    by_class: dict[str, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        by_class[label].append(position)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    turn = 0
    for label in sorted(by_class):
        positions = by_class[label]
        rng.shuffle(positions)
        for position in positions:
            folds[turn % k].append(position)
            turn += 1
    return [sorted(fold) for fold in folds]
