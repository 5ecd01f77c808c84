"""Precision and recall of the entity extractor on the dev set's hand-marked entities.

A predicted entity is right when it matches a marked one of its kind: the same value for
offer ids, ROME codes, amounts, e-mail addresses and phone numbers; the same commune (names
folded) for communes; an overlapping span for dates and occupations (the marked text is
found in the message, the prediction must overlap it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indexer.geo import Gazetteer
from indexer.geo import fold as geo_fold
from indexer.settings import load_settings
from matcher.folding import fold_keep_length
from matcher.inbox.devset import LabelledMessage
from matcher.inbox.entities import Entity, EntityExtractor, EntityKind
from matcher.inbox.metrics import f1_of
from skills_taxonomy import load_taxonomy
from skills_taxonomy.text import strip_accents

KIND_OF_FIELD = {"dates": EntityKind.DATE, "offer_ids": EntityKind.OFFER,
                 "rome_codes": EntityKind.ROME, "occupations": EntityKind.OCCUPATION,
                 "communes": EntityKind.COMMUNE, "amounts": EntityKind.AMOUNT,
                 "emails": EntityKind.EMAIL, "phones": EntityKind.PHONE}
SPAN_KINDS = frozenset({EntityKind.DATE, EntityKind.OCCUPATION})


@dataclass(slots=True)
class KindCounts:
    """Counts of one entity kind."""

    predicted: int = 0
    predicted_right: int = 0
    gold: int = 0
    gold_found: int = 0

    @property
    def precision(self) -> float:
        """Share of predictions that match a marked entity."""
        return self.predicted_right / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of marked entities found."""
        return self.gold_found / self.gold if self.gold else 0.0


def default_extractor() -> EntityExtractor:
    """An extractor over the real taxonomy and gazetteer of the configured data folder,
    preferring Ardèche (07) among homonymous communes, as an Ardèche agency would."""
    settings = load_settings()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
    return EntityExtractor(taxonomy, gazetteer, preferred_departments=("07",))


def _key(text: str) -> str:
    return " ".join(strip_accents(text.lower()).replace("’", "'").split())


def _gold_spans(text: str, surface: str) -> list[tuple[int, int]]:
    """Every place the marked text occurs (case and accents aside; the folded text keeps
    the length of the original, so the spans are the message's)."""
    folded, key = fold_keep_length(text), fold_keep_length(surface)
    spans, position = [], folded.find(key)
    while position >= 0:
        spans.append((position, position + len(key)))
        position = folded.find(key, position + 1)
    return spans


def _matches(entity: Entity, gold: str | float, text: str) -> bool:
    if entity.kind is EntityKind.AMOUNT:
        return entity.value is not None and abs(float(entity.value) - float(gold)) < 0.005
    if entity.kind is EntityKind.COMMUNE:
        return geo_fold(entity.label or entity.text) == geo_fold(str(gold))
    if entity.kind in SPAN_KINDS:
        return any(entity.start < end and start < entity.end
                   for start, end in _gold_spans(text, str(gold)))
    value = entity.value or entity.text
    return _key(value).replace(" ", "") == _key(str(gold)).replace(" ", "")


def score(items: Sequence[LabelledMessage], extractor: EntityExtractor
          ) -> dict[EntityKind, KindCounts]:
    """Counts per kind over the dev set."""
    counts = {kind: KindCounts() for kind in KIND_OF_FIELD.values()}
    for item in items:
        text = item.message.text
        entities = extractor.extract(text, item.message.sent_at)
        for field_name, kind in KIND_OF_FIELD.items():
            gold = list(item.entities.get(field_name, []))
            predicted = [e for e in entities if e.kind is kind]
            counts[kind].predicted += len(predicted)
            counts[kind].predicted_right += sum(
                1 for e in predicted if any(_matches(e, g, text) for g in gold))
            counts[kind].gold += len(gold)
            counts[kind].gold_found += sum(
                1 for g in gold if any(_matches(e, g, text) for e in predicted))
    return counts


def entity_table(items: Sequence[LabelledMessage],
                 extractor: EntityExtractor | None = None) -> str:
    """The Markdown table of precision and recall per kind."""
    counts = score(items, extractor or default_extractor())
    lines = ["| entity | marked | predicted | precision | recall | F1 |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind, c in counts.items():
        lines.append(f"| {kind.value} | {c.gold} | {c.predicted} | {100 * c.precision:.1f} | "
                     f"{100 * c.recall:.1f} | {100 * f1_of(c.precision, c.recall):.1f} |")
    return "\n".join(lines)
