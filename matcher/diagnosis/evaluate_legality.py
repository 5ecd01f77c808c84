"""Precision and recall of the legality check, and its flags over every real offer.

    python -m matcher.diagnosis.evaluate_legality               # the labelled passages
    python -m matcher.diagnosis.evaluate_legality --all-offers  # flags on the 1,672 offers

The labelled set (``data/legality_passages.jsonl``) holds passages written for the project
(discriminatory, legitimate and borderline wordings) and passages of real offers, stored as
an offer id and a span of its published description (the text is read from the data folder,
never copied into the repository), each labelled by hand with the categories it breaks
(none for a legitimate one). A passage is checked alone (``LegalityChecker.check_text``; a
title with ``check_offer``), with the ROME's feminine → masculine lexicon. Output: Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.settings import load_settings
from matcher.diagnosis.legality import LegalityChecker, LegalityFlag
from matcher.diagnosis.legality_rules import CATEGORY_LABELS, Category
from matcher.diagnosis.offer_texts import OfferText, read_offer_texts
from skills_taxonomy import load_taxonomy

PASSAGES = Path(__file__).parent / "data" / "legality_passages.jsonl"


@dataclass(frozen=True, slots=True)
class Passage:
    """A labelled passage and its text."""

    id: str
    source: str
    field: str
    text: str
    labels: frozenset[Category]


def load_passages(offers: dict[str, OfferText], path: Path = PASSAGES) -> list[Passage]:
    """The labelled passages, real ones read from ``offers``; a passage whose offer is
    missing is an error naming it."""
    passages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        labels = frozenset(Category(label) for label in row["labels"])
        if row["source"] == "ecrit":
            passages.append(Passage(row["id"], "ecrit", "description", row["text"], labels))
            continue
        offer = offers.get(row["offer_id"])
        if offer is None:
            raise ValueError(f"{path}, line {number}: offer {row['offer_id']} not found in "
                             "the data folder")
        text = offer.title if row["field"] == "title" else \
            offer.description[row["start"]:row["end"]]
        passages.append(Passage(row["id"], "offre", row["field"], text, labels))
    return passages


def flagged(checker: LegalityChecker, passage: Passage) -> frozenset[Category]:
    """The categories the checker flags in a passage."""
    report = checker.check_offer(passage.text) if passage.field == "title" else \
        checker.check_text(passage.text)
    return report.categories


def score_table(passages: Sequence[Passage], checker: LegalityChecker) -> str:
    """Per-category precision and recall, then passage-level, in Markdown, then errors."""
    predicted = {p.id: flagged(checker, p) for p in passages}
    lines = [f"{len(passages)} passages ({sum(1 for p in passages if p.source == 'ecrit')} "
             f"written, {sum(1 for p in passages if p.source == 'offre')} from real offers; "
             f"{sum(1 for p in passages if not p.labels)} legitimate)\n",
             "| category | labelled | flagged | precision | recall |",
             "|---|---:|---:|---:|---:|"]
    for category in Category:
        gold = {p.id for p in passages if category in p.labels}
        found = {pid for pid, cats in predicted.items() if category in cats}
        if not gold and not found:
            continue
        hits = len(gold & found)
        lines.append(f"| {CATEGORY_LABELS[category]} | {len(gold)} | {len(found)} | "
                     f"{_ratio(hits, len(found))} | {_ratio(hits, len(gold))} |")
    gold_any = {p.id for p in passages if p.labels}
    found_any = {pid for pid, cats in predicted.items() if cats}
    hits = len(gold_any & found_any)
    lines.append(f"| **any category (passage flagged or not)** | {len(gold_any)} | "
                 f"{len(found_any)} | {_ratio(hits, len(found_any))} | "
                 f"{_ratio(hits, len(gold_any))} |")
    for source in ("ecrit", "offre"):
        subset = [p for p in passages if p.source == source]
        g = {p.id for p in subset if p.labels}
        f = {p.id for p in subset if predicted[p.id]}
        lines.append(f"| any category, {'written' if source == 'ecrit' else 'real'} passages "
                     f"only | {len(g)} | {len(f)} | {_ratio(len(g & f), len(f))} | "
                     f"{_ratio(len(g & f), len(g))} |")
    errors = [(p, predicted[p.id]) for p in passages if predicted[p.id] != p.labels]
    lines += ["", "Disagreements (passage: labelled → flagged):", ""]
    lines += [f"- {p.id} « {p.text.strip()[:110]} »: {_names(p.labels)} → {_names(cats)}"
              for p, cats in errors]
    return "\n".join(lines)


def _ratio(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "n/a"


def _names(categories: frozenset[Category]) -> str:
    return ", ".join(sorted(c.value for c in categories)) or "aucune"


def all_offers_table(offers: Sequence[OfferText], checker: LegalityChecker,
                     examples: int = 3) -> str:
    """Flags per category and severity over every offer, with examples."""
    counts: Counter[tuple[Category, str]] = Counter()
    offers_per_category: dict[Category, set[str]] = defaultdict(set)
    samples: dict[Category, list[tuple[str, LegalityFlag]]] = defaultdict(list)
    flagged_offers = set()
    for offer in offers:
        report = checker.check_offer(offer.title, offer.description)
        for flag in report.flags:
            counts[(flag.category, flag.severity.value)] += 1
            offers_per_category[flag.category].add(offer.id)
            flagged_offers.add(offer.id)
            if len(samples[flag.category]) < examples:
                samples[flag.category].append((offer.id, flag))
    lines = [f"{len(offers)} offers checked; {len(flagged_offers)} with at least one flag.\n",
             "| category | offers flagged | flags « interdit » | flags « à vérifier » |",
             "|---|---:|---:|---:|"]
    for category in Category:
        if category not in offers_per_category:
            continue
        lines.append(f"| {CATEGORY_LABELS[category]} | {len(offers_per_category[category])} | "
                     f"{counts[(category, 'interdit')]} | {counts[(category, 'a_verifier')]} |")
    lines += ["", "First examples per category (offer id, rule, passage, sentence):", ""]
    for category, items in samples.items():
        for offer_id, flag in items:
            context = " ".join(flag.context.split())[:140]
            lines.append(f"- {category.value} — {offer_id} `{flag.rule_id}` « {flag.passage} » "
                         f"in « {context} »")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation tables."""
    parser = argparse.ArgumentParser(prog="python -m matcher.diagnosis.evaluate_legality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--all-offers", action="store_true",
                        help="also check every real offer and count the flags")
    args = parser.parse_args(argv)
    settings = load_settings()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    checker = LegalityChecker(taxonomy.feminine_to_masculine)
    offers = read_offer_texts(settings.data_dir / "offers")
    by_id = {offer.id: offer for offer in offers}
    print(score_table(load_passages(by_id), checker))
    if args.all_offers:
        print("\n" + all_offers_table(offers, checker))
    return 0


if __name__ == "__main__":
    sys.exit(main())
