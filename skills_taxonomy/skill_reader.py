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

What a passage says whatever the record's occupations (its tokens, the label rows sharing
them with their lexical shares, its ESCO skills, its vector) is computed once per distinct
passage and kept in a bounded memo (:data:`PASSAGE_MEMO`): descriptions repeat boilerplate
("Avantages : mutuelle, tickets restaurant", "Poste à pourvoir dès que possible"). Only
passages seen twice are kept, so that the many a description alone holds do not push out the
ones that recur. A reading then scores the candidates of all its passages at once, as flat
arrays of (passage, label) pairs: one matrix-vector product per passage for the cosines (each
the value the passage alone gets), a few numpy operations for the rest.
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
from skills_taxonomy.lru import LruCache
from skills_taxonomy.normaliser import unrelated_floor
from skills_taxonomy.pickling import pickled_by_fields
from skills_taxonomy.postings import Postings
from skills_taxonomy.segments import Passage, StatedRequirement, passages
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.vectors import FloatArray, TextEncoder, unit_rows

log = logging.getLogger(__name__)

MAX_EXCERPT_CHARS = 200
WHOLE_LABEL = 0.99
"""A lexical share from which the passage contains the item's label whole."""
CORE_PRIOR = 1.0
LINKED_PRIOR = 0.6
PASSAGE_MEMO = 8192
"""Distinct passages whose evidence is kept (about 25 KB each on real offers: 200 MB at
most), among those seen twice (:data:`PASSAGE_SIGHTINGS`)."""
PASSAGE_SIGHTINGS = 65_536
"""Passages seen once that the memo remembers (by hash), to keep the next sighting's
evidence: most passages of a description are its own, and would push the recurring ones out."""
Rows = npt.NDArray[np.int64]
LabelRows = npt.NDArray[np.int32]
Floats = npt.NDArray[np.float64]
_NO_ROWS: Rows = np.zeros(0, dtype=np.int64)
_NO_FLOATS: Floats = np.zeros(0, dtype=np.float64)


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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    label: str
    kind: str
    words: int


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What one passage says whatever the record's occupations: the ROME label rows sharing
    a token with it (sorted; 32-bit, as the memo keeps thousands of passages touching
    thousands of labels) and their lexical shares, the rows that are lexical candidates,
    the ESCO skills it names whole (entry, share) and its vector."""

    rows: LabelRows
    shares: Floats
    lexical: LabelRows
    esco: tuple[tuple[_Entry, float], ...]
    vector: FloatArray | None


@dataclass(frozen=True, slots=True)
class _Prior:
    """The item prior of a set of occupations: label rows (sorted) and their values."""

    rows: Rows
    values: Floats


@dataclass(frozen=True, slots=True)
class _Candidates:
    """A text's candidate items scored together, one entry per (passage, label row) pair:
    the passage's index, the label row, the lexical share, the rescaled cosine and the item
    prior."""

    passage: Rows
    rows: Rows
    share: Floats
    cosine: Floats
    prior: Floats


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
        self._postings = Postings({token: ([row for row, _ in pairs], [w for _, w in pairs])
                                   for token, pairs in postings.items()})
        self._mass = np.array(masses, dtype=np.float64)
        self._ignored = np.array(common_single, dtype=bool)

    def __len__(self) -> int:
        return len(self.entries)

    def shares(self, tokens: Iterable[str]) -> npt.NDArray[np.float64]:
        """Per label, the share of its IDF mass present among ``tokens`` (0 for a one-word
        label whose word is common: "Accueil" alone says little)."""
        found = np.zeros(len(self.entries), dtype=np.float64)
        for token in tokens:
            posting = self._postings.get(token)
            if posting is not None:
                found[posting[0]] += posting[1]
        found[self._ignored] = 0.0
        return np.minimum(found / np.where(self._mass > 0, self._mass, 1.0), 1.0)

    def touched(self, tokens: Iterable[str]) -> tuple[Rows, Floats]:
        """:meth:`shares` of the labels sharing a token with ``tokens`` only (the others are
        0): their rows, sorted, and their shares, zero shares left out. The same values as
        :meth:`shares` (each row's weights are added in the same order)."""
        rows, weights = self._postings.gather((token, 1.0) for token in tokens)
        if not rows.size:
            return _NO_ROWS, _NO_FLOATS
        # one dense sum over every label: no sort of the (often thousands of) touched rows
        sums = np.bincount(rows, weights=weights, minlength=len(self.entries)
                           ).astype(np.float64, copy=False)
        return self.shares_of(sums, np.flatnonzero(sums > 0))

    def shares_of(self, sums: Floats, rows: Rows) -> tuple[Rows, Floats]:
        """The rows (sorted) whose summed token weights ``sums[rows]`` are the lexical
        evidence, without the ignored one-word labels, and their shares."""
        rows = rows[~self._ignored[rows]]
        mass = self._mass[rows]
        return rows, np.minimum(sums[rows] / np.where(mass > 0, mass, 1.0), 1.0)

    @property
    def postings(self) -> Postings:
        """Token → the rows of the labels holding it and its weight there."""
        return self._postings


class _BothLabels:
    """The ROME item labels and the ESCO skill labels looked up together: one gather and one
    dense sum for both (their lists joined, the ESCO rows after the items'), with the values
    each index's :meth:`_LabelIndex.touched` gives."""

    def __init__(self, items: _LabelIndex, esco: _LabelIndex) -> None:
        self.items, self.esco = items, esco
        self._postings = Postings.joined(items.postings, esco.postings, len(items))

    def touched(self, tokens: Iterable[str]
                ) -> tuple[tuple[Rows, Floats], tuple[Rows, Floats]]:
        """:meth:`_LabelIndex.touched` of the items, then of the ESCO labels."""
        rows, weights = self._postings.gather((token, 1.0) for token in tokens)
        if not rows.size:
            return (_NO_ROWS, _NO_FLOATS), (_NO_ROWS, _NO_FLOATS)
        size = len(self.items)
        sums = np.bincount(rows, weights=weights, minlength=size + len(self.esco)
                           ).astype(np.float64, copy=False)
        unique = np.flatnonzero(sums > 0)
        split = int(np.searchsorted(unique, size))
        return (self.items.shares_of(sums, unique[:split]),
                self.esco.shares_of(sums[size:], unique[split:] - size))


@dataclass(frozen=True, slots=True)
class SkillReaderState:
    """What building a skill reader computes from the taxonomy and the encoder: kept by the
    reader cache (:mod:`skills_taxonomy.reader_cache`) so a new process skips the build."""

    labels: _BothLabels
    matrix: FloatArray | None
    floor: float


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
        self._labels: _BothLabels | None = None
        self._row_of: dict[str, int] = {}
        self._matrix: FloatArray | None = None
        self._floor = 0.0
        self._memo: LruCache[str, _Evidence] = LruCache(PASSAGE_MEMO,
                                                          second_sight=PASSAGE_SIGHTINGS)
        self._links_memo: dict[str, tuple[Rows, Floats]] = {}

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
                self._labels = _BothLabels(self._items, self._esco)
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

    def state(self) -> SkillReaderState:
        """The built state (building it first when needed), for the reader cache."""
        self._built()
        assert self._labels is not None
        return SkillReaderState(self._labels, self._matrix, self._floor)

    def restore(self, state: SkillReaderState) -> None:
        """Adopt a state built earlier for the same taxonomy, encoder and settings."""
        with self._lock:
            self._labels, self._matrix, self._floor = state.labels, state.matrix, state.floor
            self._esco = state.labels.esco
            self._row_of = {e.code: row for row, e in enumerate(state.labels.items.entries)}
            self._items = state.labels.items

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
        if isinstance(text, str):
            parts = [p for p in passages(text) if p.text]
            evidence = self._evidence([p.text for p in parts])
        else:
            parts = text.passages
            evidence = [self._evidence_of(tokens, None if text.vectors is None
                                          else text.vectors[index])
                        for index, tokens in enumerate(text.tokens)]
        prior = self._prior(occupations or {})
        best: dict[str, SkillReading] = {}
        supported = self._read_passages(parts, evidence, prior)
        for part, found, readings in zip(parts, evidence, supported, strict=True):
            ranked = sorted(readings, key=lambda r: (-r.confidence, r.code))
            whole = [r for r in ranked if r.lexical >= WHOLE_LABEL]
            partial = [r for r in ranked if r.lexical < WHOLE_LABEL]
            for reading in (*whole, *partial[:self.settings.per_passage]):
                if reading.code not in best or reading.confidence > best[reading.code].confidence:
                    best[reading.code] = reading
            for entry, share in found.esco:
                best.setdefault(entry.code, _reading(entry, part, 0.9 * share, share, 0.0, 0.0))
        ranked = sorted(best.values(), key=lambda r: (-r.confidence, r.start, r.code))
        return ranked[:self.settings.max_skills]

    def _prior(self, occupations: Mapping[str, float]) -> _Prior:
        """The item prior of the occupations' ROME links: per item row, the best of
        (core or linked) × the occupation's confidence; items at 0 are left out."""
        parts = [(rows, base * min(confidence, 1.0)) for code, confidence in occupations.items()
                 if code in self.taxonomy.occupations
                 for rows, base in (self._links(code),)]
        if not parts:
            return _Prior(_NO_ROWS, _NO_FLOATS)
        if len(parts) == 1:
            rows, values = parts[0]
        else:
            rows, inverse = np.unique(np.concatenate([r for r, _ in parts]),
                                      return_inverse=True)
            values = np.zeros(len(rows))
            np.maximum.at(values, inverse, np.concatenate([v for _, v in parts]))
        positive = values > 0
        return _Prior(rows[positive], values[positive])

    def _links(self, code: str) -> tuple[Rows, Floats]:
        """The label rows an occupation's ROME links reach (sorted) and each one's prior at
        full confidence (core items more), memoised per occupation."""
        with self._lock:
            known = self._links_memo.get(code)
        if known is not None:
            return known
        best: dict[int, float] = {}
        for link in self.taxonomy.items_of(code):
            row = self._row_of.get(link.item.code)
            if row is not None:
                value = CORE_PRIOR if link.core else LINKED_PRIOR
                best[row] = max(value, best.get(row, 0.0))
        rows = sorted(best)
        made = (np.array(rows, dtype=np.int64), np.array([best[r] for r in rows]))
        with self._lock:
            self._links_memo[code] = made
        return made

    def _evidence(self, texts: Sequence[str]) -> list[_Evidence]:
        """The evidence of each passage text, from the memo or computed (the missing
        passages' vectors in one batch)."""
        self._built()
        found: dict[str, _Evidence] = {}
        for text in texts:
            known = self._memo.get(text)
            if known is not None:
                found[text] = known
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = None
            if self.encoder is not None and self._matrix is not None:
                vectors = unit_rows(self.encoder.encode_documents(missing))
            table = self.taxonomy.feminine_to_masculine
            made = {text: self._evidence_of(word_tokens(content_words(text, table)),
                                            None if vectors is None else vectors[row])
                    for row, text in enumerate(missing)}
            found.update(made)
            for text, evidence in made.items():
                self._memo.put(text, evidence)
        return [found[text] for text in texts]

    def _evidence_of(self, tokens: Mapping[str, float], vector: FloatArray | None
                     ) -> _Evidence:
        self._built()
        assert self._labels is not None
        (rows, shares), (esco_rows, esco_shares) = self._labels.touched(tokens)
        compact = rows.astype(np.int32)
        lexical = compact[shares >= self.settings.min_lexical * 0.5]
        return _Evidence(compact, shares, lexical,
                         tuple(self._esco_hits(esco_rows, esco_shares)), vector)

    def _passage_vectors(self, parts: Sequence[Passage]) -> FloatArray | None:
        if self.encoder is None or self._matrix is None:
            return None
        return unit_rows(self.encoder.encode_documents([p.text for p in parts]))

    def _read_passages(self, parts: Sequence[Passage], evidence: Sequence[_Evidence],
                       prior: _Prior) -> list[list[SkillReading]]:
        """The items each passage supports, every passage's candidates scored at once: the
        lexical candidates, and with vectors the prior's items too (by meaning)."""
        items = self._built()
        s = self.settings
        supported: list[list[SkillReading]] = [[] for _ in parts]
        found = self._candidates(evidence, prior)
        if found is None:
            return supported
        share, cosine, item_prior = found.share, found.cosine, found.prior
        text = 1.0 - (1.0 - share) * (1.0 - cosine)
        confidence = (1.0 - s.prior_weight) * text + s.prior_weight * item_prior
        floor = np.where(item_prior > 0, s.min_confidence, s.unlinked_min_confidence)
        # the occupation prior alone never extracts a skill
        kept = ((share >= s.min_lexical) | (cosine >= s.min_vector)) & (confidence >= floor)
        for index, row, value, lexical, vector, linked in zip(
                *(column[kept].tolist() for column in (
                    found.passage, found.rows, confidence, share, cosine, item_prior)),
                strict=True):
            supported[index].append(_reading(items.entries[row], parts[index], value, lexical,
                                             vector, linked))
        return supported

    def _candidates(self, evidence: Sequence[_Evidence], prior: _Prior) -> _Candidates | None:
        """Every passage's candidate labels, as flat arrays (None when there are none): with
        vectors, the prior's items and the lexical candidates; without, the latter."""
        lexical = [e.lexical for e in evidence]
        rows = np.concatenate(lexical).astype(np.int64) if lexical else _NO_ROWS
        passage = _owners(lexical)
        if self._matrix is not None and all(e.vector is not None for e in evidence):
            return self._candidates_by_meaning(evidence, prior, rows, passage)
        if not rows.size:
            return None
        return _Candidates(passage, rows, self._shares(evidence, passage, rows),
                           np.zeros(len(rows)), _at(prior.rows, prior.values, rows))

    def _candidates_by_meaning(self, evidence: Sequence[_Evidence], prior: _Prior,
                               lexical_rows: Rows, lexical_passage: Rows) -> _Candidates | None:
        """The prior's items for each passage, then each passage's lexical candidates
        outside them, with their cosines."""
        outside = ~_within(lexical_rows, prior.rows)
        other_rows, other_passage = lexical_rows[outside], lexical_passage[outside]
        count = len(evidence)
        passage = np.concatenate((np.repeat(np.arange(count), len(prior.rows)), other_passage))
        rows = np.concatenate((np.tile(prior.rows, count), other_rows))
        if not rows.size:
            return None
        cosine = self._cosines([e.vector for e in evidence if e.vector is not None],
                               prior.rows, np.split(other_rows, np.searchsorted(
                                   other_passage, np.arange(1, count))))
        item_prior = np.concatenate((np.tile(prior.values, count), np.zeros(len(other_rows))))
        return _Candidates(passage, rows, self._shares(evidence, passage, rows), cosine,
                           item_prior)

    def _shares(self, evidence: Sequence[_Evidence], passage: Rows, rows: Rows) -> Floats:
        """The lexical share of each (passage, label row) pair in its passage's evidence."""
        size = len(self._built())
        touched = [e.rows for e in evidence]
        # (passage, row) keys, sorted: passages in order, each one's rows sorted
        keys = _owners(touched) * size + np.concatenate(touched)
        return _at(keys, np.concatenate([e.shares for e in evidence]), passage * size + rows)

    def _cosines(self, vectors: Sequence[FloatArray], prior_rows: Rows,
                 other_rows: Sequence[Rows]) -> Floats:
        """Rescaled cosines of each passage with the prior's labels, then of each passage
        with its other candidates (``other_rows``, one array per passage): one
        matrix-vector product each, so each cosine is the one the passage alone gets (a
        matrix-matrix product sums in another order)."""
        assert self._matrix is not None
        matrix = self._matrix
        prior_labels = matrix[prior_rows]
        raw = np.concatenate([*(prior_labels @ vector for vector in vectors),
                              *(matrix[rows] @ vector
                                for vector, rows in zip(vectors, other_rows, strict=True))])
        span = max(1.0 - self._floor, 1e-6)
        rescaled: Floats = np.maximum((raw - self._floor) / span, 0.0).astype(np.float64)
        return rescaled

    def _esco_hits(self, rows: Rows, shares: Floats) -> Iterable[tuple[_Entry, float]]:
        """The ESCO skills whose labels (two words or more) occur whole in a passage, from
        the shares of the ESCO labels it touches."""
        esco = self._esco
        if esco is None or not len(esco):
            return
        whole = shares >= self.settings.esco_min_lexical
        for row, share in zip(rows[whole].tolist(), shares[whole].tolist(), strict=True):
            entry = esco.entries[row]
            if entry.words < 2:
                continue
            concept = self.taxonomy.esco_skills[entry.code]
            yield _Entry(entry.code, concept.preferred_label, entry.kind, entry.words), share


def _owners(lists: Sequence[LabelRows]) -> Rows:
    """For the lists concatenated, the index of the list each element comes from."""
    return np.repeat(np.arange(len(lists)), [len(values) for values in lists])


def _within(rows: Rows, members: Rows) -> npt.NDArray[np.bool_]:
    """Whether each of ``rows`` is among ``members`` (sorted)."""
    return _located(members, rows)[1]


def _located(rows: Rows, wanted: Rows) -> tuple[Rows, npt.NDArray[np.bool_]]:
    """Where each of ``wanted`` is in ``rows`` (sorted; a valid index even where it is
    missing) and whether it is there."""
    if not rows.size:
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    position = np.minimum(np.searchsorted(rows, wanted), len(rows) - 1)
    return position, rows[position] == wanted


def _at(rows: Rows, values: Floats, wanted: Rows) -> Floats:
    """``values`` at ``wanted`` rows (0 where ``rows``, sorted, lacks one)."""
    if not rows.size:
        return np.zeros(len(wanted))
    position, found = _located(rows, wanted)
    return np.where(found, values[position], 0.0)


def _reading(entry: _Entry, part: Passage, confidence: float, lexical: float, vector: float,
             prior: float) -> SkillReading:
    return SkillReading(entry.code, entry.label, entry.kind, round(confidence, 4), part.start,
                        part.end, part.text[:MAX_EXCERPT_CHARS], part.requirement,
                        round(lexical, 4), round(vector, 4), round(prior, 4))


def _esco_labels(taxonomy: Taxonomy) -> Iterable[tuple[str, str, str]]:
    for concept in sorted(taxonomy.esco_skills.values(), key=lambda c: c.uri):
        for label in (concept.preferred_label, *concept.alt_labels):
            yield concept.uri, label, "esco_skill"
