"""Reading skills from free text: descriptions and summaries → ROME skills and knowledge items
(and ESCO skills), each with the passage it was read from, a confidence and the requirement
the passage states.

How a skill is recognised in a passage (:mod:`skills_taxonomy.segments` cuts the text):

- **lexical**: the share of the item label's IDF mass whose words (folded, singular; 5-letter
  stems at half weight) occur in the passage — "baliser les zones glissantes" inside
  "préparer le matériel et baliser les zones glissantes" is 1;
- **vector** (with an encoder): the cosine between the passage and the label, rescaled so that
  what unrelated labels score (a high percentile of random pairs) maps to 0 — "nettoyage des
  locaux" meets "Entretenir, nettoyer un espace, un lieu, un local";
- **occupation prior**: items the ROME links to the occupations the record is read into weigh
  more (core items most), times those occupations' confidence.

Candidates are the items sharing words with the passage and the items linked to the record's
occupations. The text's evidence is the noisy-or of the lexical and vector signals (either can
carry it: "Plonge" is all words and little meaning for the encoder, "nettoyage des locaux" the
reverse); the confidence is its weighted mean with the prior. A candidate is kept when its
confidence reaches :attr:`SkillReaderSettings.min_confidence` and the text itself supports it
(lexical or vector evidence above a floor: the prior alone never extracts a skill); an item the
ROME does not link to the record's occupations needs more. A passage keeps its best few items
(the ROME has many near duplicates). ESCO skills are read lexically only (their labels must
occur whole). Each item is kept once, with its best passage.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skills_taxonomy.lexical import content_words, word_tokens
from skills_taxonomy.normaliser import unrelated_floor
from skills_taxonomy.segments import Passage, StatedRequirement, passages
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.vectors import FloatArray, TextEncoder, unit_rows

log = logging.getLogger(__name__)

MAX_EXCERPT_CHARS = 200
WHOLE_LABEL = 0.99
"""A lexical share from which the passage contains the item's label whole."""
CORE_PRIOR = 1.0
LINKED_PRIOR = 0.6


@dataclass(frozen=True, slots=True)
class SkillReaderSettings:
    """Weights and floors of skill reading."""

    prior_weight: float = 0.25
    min_confidence: float = 0.5
    min_lexical: float = 0.6
    """Lexical share above which the text alone supports a skill."""
    min_vector: float = 0.45
    """Rescaled cosine above which the text alone supports a skill."""
    min_idf_single_word: float = 5.0
    """A one-word label ("Anglais") needs a word at least this rare in the labels."""
    max_skills: int = 20
    per_passage: int = 2
    """A passage names few skills: besides the items whose label it contains whole, keep its
    best ROME items only (the ROME holds many near duplicates, "Respecter des règles de
    sécurité", "Respecter les normes de sécurité"…)."""
    unlinked_min_confidence: float = 0.7
    """An item the ROME does not link to the record's occupations needs this much."""
    esco_min_lexical: float = 1.0


@dataclass(frozen=True, slots=True)
class SkillReading:
    """A skill read from a text: the concept, where it was read and how sure we are."""

    code: str
    """ROME ``code_ogr`` (kinds skill, knowledge) or ESCO URI (kind esco_skill)."""
    label: str
    kind: str
    confidence: float
    start: int
    end: int
    excerpt: str
    requirement: StatedRequirement | None
    lexical: float = 0.0
    vector: float = 0.0
    prior: float = 0.0


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """A text cut into passages, each with its tokens and (with an encoder) its vector."""

    passages: list[Passage]
    tokens: list[dict[str, float]]
    vectors: FloatArray | None


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    label: str
    kind: str
    words: int


class _LabelIndex:
    """Labels as weighted token sets, scored against a passage all at once: per token, the
    rows of the labels holding it and its weight there (IDF × multiplier), so a passage's
    lexical shares are a few numpy additions, whatever the number of labels."""

    def __init__(self, entries: Sequence[tuple[str, str, str]], table: dict[str, str],
                 min_idf_single_word: float) -> None:
        self.table = table
        raw = [(code, label, kind, content_words(label, table)) for code, label, kind in entries]
        frequency: defaultdict[str, int] = defaultdict(int)
        for *_, words in raw:
            for token in word_tokens(words):
                frequency[token] += 1
        total = max(len(raw), 1)
        idf = {token: math.log(1.0 + total / count) for token, count in frequency.items()}
        self.entries: list[_Entry] = []
        postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        masses: list[float] = []
        common_single: list[bool] = []
        for code, label, kind, words in raw:
            tokens = word_tokens(words)
            if not tokens:
                continue
            row = len(self.entries)
            self.entries.append(_Entry(code, label, kind, len(set(words))))
            masses.append(sum(idf[t] * m for t, m in tokens.items()))
            common_single.append(len(set(words)) == 1 and max(
                idf[t] for t in tokens) < min_idf_single_word)
            for token, multiplier in tokens.items():
                postings[token].append((row, idf[token] * multiplier))
        self._rows = {t: np.array([r for r, _ in p], dtype=np.int64) for t, p in postings.items()}
        self._weights = {t: np.array([w for _, w in p]) for t, p in postings.items()}
        self._mass = np.array(masses, dtype=np.float64)
        self._ignored = np.array(common_single, dtype=bool)

    def __len__(self) -> int:
        return len(self.entries)

    def shares(self, tokens: Iterable[str]) -> npt.NDArray[np.float64]:
        """Per label, the share of its IDF mass present among ``tokens`` (0 for a one-word
        label whose word is common: "Accueil" alone says little)."""
        found = np.zeros(len(self.entries), dtype=np.float64)
        for token in tokens:
            rows = self._rows.get(token)
            if rows is not None:
                found[rows] += self._weights[token]
        found[self._ignored] = 0.0
        return np.minimum(found / np.where(self._mass > 0, self._mass, 1.0), 1.0)


class SkillReader:
    """Read ROME skills / knowledge items and ESCO skills from free text (module doc).

    Built on first use or by :meth:`prepare`; thread-safe. ``encoder`` None reads lexically
    (with the occupation prior) only.
    """

    def __init__(self, taxonomy: Taxonomy, encoder: TextEncoder | None = None,
                 settings: SkillReaderSettings | None = None) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings or SkillReaderSettings()
        self._lock = threading.Lock()
        self._items: _LabelIndex | None = None
        self._esco: _LabelIndex | None = None
        self._row_of: dict[str, int] = {}
        self._matrix: FloatArray | None = None
        self._floor = 0.0

    def prepare(self) -> None:
        """Index the labels and encode them (through the encoder's cache), so the first
        reading answers as fast as the next ones."""
        self._built()

    def _built(self) -> _LabelIndex:
        with self._lock:
            if self._items is None:
                started = time.monotonic()
                table = self.taxonomy.feminine_to_masculine
                items = sorted(self.taxonomy.items.values(), key=lambda i: i.code)
                self._items = _LabelIndex([(i.code, i.label, i.kind) for i in items], table,
                                          self.settings.min_idf_single_word)
                self._esco = _LabelIndex(list(_esco_labels(self.taxonomy)), table,
                                         self.settings.min_idf_single_word)
                self._row_of = {e.code: row for row, e in enumerate(self._items.entries)}
                if self.encoder is not None and self._items.entries:
                    log.info("skill reader: vectors of %d item labels (%s)",
                             len(self._items.entries), self.encoder.name)
                    labels = [e.label for e in self._items.entries]
                    self._matrix = unit_rows(self.encoder.encode_documents(labels))
                    self._floor = unrelated_floor(self._matrix)
                log.info("skill reader ready in %.1f s: %d items, %d ESCO skill labels",
                         time.monotonic() - started, len(self._items.entries),
                         len(self._esco.entries))
            return self._items

    def analyse(self, text: str) -> TextAnalysis:
        """Cut ``text`` into passages, with their tokens and (with an encoder) vectors: what
        :meth:`read` needs, computed once for several readings of one text."""
        items = self._built()
        parts = [p for p in passages(text) if p.text]
        tokens = [word_tokens(content_words(p.text, items.table)) for p in parts]
        return TextAnalysis(parts, tokens, self._passage_vectors(parts) if parts else None)

    def encode_passages(self, texts: Sequence[str]) -> None:
        """Encode the passages of many texts in one batch (an encoder with a cache keeps
        them), so reading those texts one by one costs no model call each."""
        self._built()
        if self.encoder is None or self._matrix is None:
            return
        pieces = list(dict.fromkeys(p.text for text in texts for p in passages(text)
                                    if p.text))
        if pieces:
            self.encoder.encode_documents(pieces)

    def read(self, text: str | TextAnalysis, occupations: Mapping[str, float] | None = None
             ) -> list[SkillReading]:
        """The skills of ``text`` (or of its :meth:`analyse`), most confident first;
        ``occupations`` (ROME code → confidence) are the occupations the record is read into,
        for the prior."""
        analysis = self.analyse(text) if isinstance(text, str) else text
        prior = self._prior(occupations or {})
        prior_rows = np.array(sorted(self._row_of[c] for c in prior if c in self._row_of),
                              dtype=np.int64)
        vectors = analysis.vectors
        best: dict[str, SkillReading] = {}
        for index, (part, part_tokens) in enumerate(
                zip(analysis.passages, analysis.tokens, strict=True)):
            vector = None if vectors is None else vectors[index]
            found = sorted(self._read_passage(part, part_tokens, vector, prior, prior_rows),
                           key=lambda r: (-r.confidence, r.code))
            whole = [r for r in found if r.lexical >= WHOLE_LABEL]
            partial = [r for r in found if r.lexical < WHOLE_LABEL]
            for reading in (*whole, *partial[:self.settings.per_passage]):
                if reading.code not in best or reading.confidence > best[reading.code].confidence:
                    best[reading.code] = reading
            for reading in self._read_esco(part, part_tokens):
                best.setdefault(reading.code, reading)
        ranked = sorted(best.values(), key=lambda r: (-r.confidence, r.start, r.code))
        return ranked[:self.settings.max_skills]

    def _prior(self, occupations: Mapping[str, float]) -> dict[str, float]:
        """Item code → prior in [0, 1] from the occupations' ROME links."""
        prior: dict[str, float] = {}
        for code, confidence in occupations.items():
            if code not in self.taxonomy.occupations:
                continue
            for link in self.taxonomy.items_of(code):
                value = (CORE_PRIOR if link.core else LINKED_PRIOR) * min(confidence, 1.0)
                if value > prior.get(link.item.code, 0.0):
                    prior[link.item.code] = value
        return prior

    def _passage_vectors(self, parts: Sequence[Passage]) -> FloatArray | None:
        if self.encoder is None or self._matrix is None:
            return None
        return unit_rows(self.encoder.encode_documents([p.text for p in parts]))

    def _rescaled(self, cosine: float) -> float:
        return max(0.0, (cosine - self._floor) / max(1.0 - self._floor, 1e-6))

    def _read_passage(self, part: Passage, tokens: Mapping[str, float],
                      vector: FloatArray | None, prior: Mapping[str, float],
                      prior_rows: npt.NDArray[np.int64]) -> Iterable[SkillReading]:
        items = self._built()
        s = self.settings
        shares = items.shares(tokens)
        lexical_rows = np.flatnonzero(shares >= s.min_lexical * 0.5)
        cosines = self._cosines(vector, np.union1d(prior_rows, lexical_rows))
        for row in sorted(set(lexical_rows.tolist()) | set(cosines)):
            share, cosine = float(shares[row]), cosines.get(row, 0.0)
            if share < s.min_lexical and cosine < s.min_vector:
                continue  # the occupation prior alone never extracts a skill
            entry = items.entries[row]
            item_prior = prior.get(entry.code, 0.0)
            text = 1.0 - (1.0 - share) * (1.0 - cosine)
            confidence = (1.0 - s.prior_weight) * text + s.prior_weight * item_prior
            floor = s.min_confidence if item_prior > 0 else s.unlinked_min_confidence
            if confidence >= floor:
                yield _reading(entry, part, confidence, share, cosine, item_prior)

    def _cosines(self, vector: FloatArray | None, pool: npt.NDArray[np.int64]
                 ) -> dict[int, float]:
        """Rescaled cosine of the passage with the labels of ``pool`` (the prior's items and
        the lexical candidates)."""
        if vector is None or self._matrix is None or pool.size == 0:
            return {}
        span = max(1.0 - self._floor, 1e-6)
        rescaled = np.maximum((self._matrix[pool] @ vector - self._floor) / span, 0.0)
        return dict(zip(pool.tolist(), rescaled.tolist(), strict=True))

    def _read_esco(self, part: Passage, tokens: Mapping[str, float]) -> Iterable[SkillReading]:
        esco = self._esco
        if esco is None or not len(esco):
            return
        shares = esco.shares(tokens)
        for row in np.flatnonzero(shares >= self.settings.esco_min_lexical).tolist():
            entry = esco.entries[row]
            if entry.words < 2:
                continue
            concept = self.taxonomy.esco_skills[entry.code]
            named = _Entry(entry.code, concept.preferred_label, entry.kind, entry.words)
            yield _reading(named, part, 0.9 * float(shares[row]), float(shares[row]), 0.0, 0.0)


def _reading(entry: _Entry, part: Passage, confidence: float, lexical: float, vector: float,
             prior: float) -> SkillReading:
    return SkillReading(entry.code, entry.label, entry.kind, round(confidence, 4), part.start,
                        part.end, part.text[:MAX_EXCERPT_CHARS], part.requirement,
                        round(lexical, 4), round(vector, 4), round(prior, 4))


def _esco_labels(taxonomy: Taxonomy) -> Iterable[tuple[str, str, str]]:
    for concept in sorted(taxonomy.esco_skills.values(), key=lambda c: c.uri):
        for label in (concept.preferred_label, *concept.alt_labels):
            yield concept.uri, label, "esco_skill"
