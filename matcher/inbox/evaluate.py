"""Cross-validated quality of the inbox classifier and extractor on the dev set.

    python -m matcher.inbox.evaluate                 # the default configuration
    python -m matcher.inbox.evaluate --compare       # every configuration of the table
    python -m matcher.inbox.evaluate --encoder       # also with USE-m3 features
    python -m matcher.inbox.evaluate --encoder static  # ... with the default static encoder

Stratified k-fold (5 folds on the intent, seed 13): each message is predicted by a model
that never saw it; macro-F1 is computed on the pooled out-of-fold predictions. The output is
Markdown, pasted into ``docs/evaluation.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from indexer.encoders import Encoder
from matcher.inbox.classifier import ClassifierConfig, InboxClassifier
from matcher.inbox.devset import LabelledMessage, load_dev_set
from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.metrics import Report, report, stratified_folds
from matcher.inbox.urgency import cues_of

log = logging.getLogger(__name__)

DEFAULT_FOLDS = 5
DEFAULT_SEED = 13
INTENTS = [i.value for i in Intent]
URGENCIES = [u.value for u in Urgency]


@dataclass(frozen=True, slots=True)
class CvResult:
    """Out-of-fold reports of one configuration."""

    name: str
    intent: Report
    urgency: Report
    fold_intent_f1: tuple[float, ...]
    seconds: float


def cross_validate(items: Sequence[LabelledMessage], config: ClassifierConfig,
                   folds: int = DEFAULT_FOLDS, seed: int = DEFAULT_SEED,
                   encoder: Encoder | None = None, name: str = "") -> CvResult:
    """Train on k-1 folds, predict the held-out one, for each fold; score the pooled
    predictions (and each fold's intent macro-F1, to show the spread)."""
    start = time.perf_counter()
    intents = [i.intent.value for i in items]
    predicted_intent = [""] * len(items)
    predicted_urgency = [""] * len(items)
    fold_scores = []
    for test in stratified_folds(intents, folds, seed):
        held = set(test)
        train = [item for position, item in enumerate(items) if position not in held]
        model = InboxClassifier(config, encoder).fit(
            [i.message for i in train], [i.intent for i in train], [i.urgency for i in train])
        predictions = model.predict([items[p].message for p in test])
        for position, prediction in zip(test, predictions, strict=True):
            predicted_intent[position] = prediction.intent.value
            predicted_urgency[position] = prediction.urgency.value
        fold_scores.append(report([intents[p] for p in test],
                                  [predicted_intent[p] for p in test], INTENTS).macro_f1)
    result = CvResult(name, report(intents, predicted_intent, INTENTS),
                      report([i.urgency.value for i in items], predicted_urgency, URGENCIES),
                      tuple(fold_scores), time.perf_counter() - start)
    log.info("%s: intent macro-F1 %.3f, urgency macro-F1 %.3f (%.0f s)", name or "config",
             result.intent.macro_f1, result.urgency.macro_f1, result.seconds)
    return result


def rules_only_urgency(item: LabelledMessage) -> str:
    """The baseline of the urgency cues alone: high when a raising cue is found, low when
    only a lowering one is, else normal."""
    cues = cues_of(item.message.text)
    if any(cue.raises for cue in cues):
        return Urgency.HIGH.value
    if cues:
        return Urgency.LOW.value
    return Urgency.NORMAL.value


def baselines(items: Sequence[LabelledMessage]) -> dict[str, tuple[float, float]]:
    """(intent macro-F1, urgency macro-F1) of trivial predictors."""
    intents = [i.intent.value for i in items]
    urgencies = [i.urgency.value for i in items]
    majority_intent = max(set(intents), key=intents.count)
    majority_urgency = max(set(urgencies), key=urgencies.count)
    return {
        "always the most frequent class": (
            report(intents, [majority_intent] * len(items), INTENTS).macro_f1,
            report(urgencies, [majority_urgency] * len(items), URGENCIES).macro_f1),
        "urgency cues alone (rules)": (
            float("nan"),
            report(urgencies, [rules_only_urgency(i) for i in items], URGENCIES).macro_f1),
    }


CONFIGURATIONS: dict[str, Callable[[ClassifierConfig], ClassifierConfig]] = {
    "words (1-2) + chars (2-5) + role + cues [default]": lambda c: c,
    "words (1-2) only": lambda c: replace(c, char_ngrams=(0, 0)),
    "chars (2-5) only": lambda c: replace(c, word_ngrams=(1, 0)),
    "without urgency cues": lambda c: replace(c, use_cues=False),
    "without role token": lambda c: replace(c, use_role=False),
    "stronger L2 (1e-3)": lambda c: replace(c, l2=1e-3),
}


def _percent(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.1f}"


def markdown_table(results: Sequence[CvResult],
                   baseline: dict[str, tuple[float, float]]) -> str:
    """The comparison table, in Markdown."""
    lines = ["| configuration | intent macro-F1 | intent accuracy | urgency macro-F1 | "
             "fold spread (intent F1) | time |", "|---|---:|---:|---:|---:|---:|"]
    for result in results:
        spread = f"{100 * min(result.fold_intent_f1):.1f}–{100 * max(result.fold_intent_f1):.1f}"
        lines.append(f"| {result.name} | {_percent(result.intent.macro_f1)} | "
                     f"{_percent(result.intent.accuracy)} | {_percent(result.urgency.macro_f1)} "
                     f"| {spread} | {result.seconds:.0f} s |")
    for name, (intent_f1, urgency_f1) in baseline.items():
        lines.append(f"| baseline: {name} | {_percent(intent_f1)} | | {_percent(urgency_f1)} "
                     "| | |")
    return "\n".join(lines)


def markdown_details(result: CvResult) -> str:
    """Per-class scores and the most frequent confusions of one configuration."""
    lines = ["| intent | precision | recall | F1 | messages |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {c.label} | {_percent(c.precision)} | {_percent(c.recall)} | "
              f"{_percent(c.f1)} | {c.support} |" for c in result.intent.per_class]
    lines += ["", "| urgency | precision | recall | F1 | messages |",
              "|---|---:|---:|---:|---:|"]
    lines += [f"| {c.label} | {_percent(c.precision)} | {_percent(c.recall)} | "
              f"{_percent(c.f1)} | {c.support} |" for c in result.urgency.per_class]
    lines += ["", "Most frequent intent confusions (gold → predicted: count): "
              + "; ".join(f"{g} → {p}: {n}" for g, p, n in result.intent.top_confusions())]
    lines += ["", "Urgency confusions: "
              + "; ".join(f"{g} → {p}: {n}" for g, p, n in result.urgency.top_confusions())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print Markdown."""
    parser = argparse.ArgumentParser(prog="python -m matcher.inbox.evaluate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--compare", action="store_true",
                        help="evaluate every configuration of the comparison table")
    parser.add_argument("--encoder", nargs="?", const="use", choices=("use", "static"),
                        help="also evaluate with sentence-encoder features: USE-m3 (the "
                             "default when no name is given) or the static encoder of the "
                             "settings (the engine's default, distilled on first use)")
    parser.add_argument("--entities", action="store_true",
                        help="also score the entity extractor on the dev set")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    items = load_dev_set()
    base = ClassifierConfig()
    chosen = CONFIGURATIONS if args.compare else dict(list(CONFIGURATIONS.items())[:1])
    results = [cross_validate(items, make(base), args.folds, args.seed, name=name)
               for name, make in chosen.items()]
    if args.encoder:
        encoder, label = _encoder(args.encoder)
        for weight in (0.5, 1.0):
            results.append(cross_validate(
                items, replace(base, encoder_weight=weight), args.folds, args.seed, encoder,
                name=f"default + {label} vectors (weight {weight:g})"))
        results.append(cross_validate(
            items, replace(base, word_ngrams=(1, 0), char_ngrams=(0, 0), use_cues=False,
                           use_role=False, encoder_weight=1.0, min_df=1),
            args.folds, args.seed, encoder, name=f"{label} vectors only"))
    print(f"Dev set: {len(items)} messages; stratified {args.folds}-fold CV, seed {args.seed}\n")
    print(markdown_table(results, baselines(items)))
    print(f"\nDetails of «{results[0].name}»:\n")
    print(markdown_details(results[0]))
    if args.entities:
        from matcher.inbox.entity_eval import entity_table
        print("\n" + entity_table(items))
    return 0


def _encoder(name: str) -> tuple[Encoder, str]:
    """The encoder named on the command line, with its name for the table."""
    if name == "static":
        from indexer.encoders.factory import static_encoder
        from indexer.settings import load_settings

        return static_encoder(load_settings()), "static"
    from indexer.encoders import UseEncoder

    return UseEncoder(), "USE"


if __name__ == "__main__":
    sys.exit(main())
