"""Free-text job titles and skills → ranked ROME concepts with a confidence.

Three signals, each computed over the *forms* of the taxonomy's job titles (every masculine and
feminine form of the 13k ROME appellations, their short labels and the 1,584 occupation
labels), then aggregated per ROME occupation (the best form wins):

- **fuzzy**: the taxonomy's :class:`skills_taxonomy.search.LabelIndex` (exact folded key, then
  ``rapidfuzz`` ``WRatio``) — good at spelling variants, blind to which words matter;
- **lexical**: an IDF-weighted Dice overlap of folded, stemmed tokens — frequent head words
  ("agent", "responsable", "technicien") weigh little, rare ones ("abatteuse", "équidés")
  decide; the score is in [0, 1] (1 = the same weighted words on both sides);
- **vector**: cosine similarity between the title and each form, with the configured encoder
  (forms are encoded once, cached by content in ``cache_dir``), rescaled so that the cosine of
  two *unrelated* forms (a high percentile of random pairs, measured at build time) maps to 0:
  the calibration follows the encoder, whatever its cosine range.

Two occupation-level signals complete them, so an occupation whose *several* titles share the
query's words or meaning beats one with a single lucky form:

- **occupation lexical**: the share of the query's IDF mass found anywhere among the
  occupation's forms;
- **occupation vector**: the cosine with the occupation's centroid (mean of its forms'
  vectors), rescaled like the form cosine.

The confidence of an occupation is the weighted mean of the five (weights in
:class:`NormaliserWeights`), so it is comparable across queries and encoders; an exact folded
match of a ROME form is 1. Titles are folded first (case, accents, "H/F", inclusive forms
"vendeur·se", "vendeur(se)", feminine → masculine), so gendered and inclusive spellings of a
title normalise to the same ranking.

No ESCO label and no crosswalk is ever searched here: only ROME appellations and occupations.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from indexer.encoders import EmbeddingCache, Encoder, encode_documents_cached
from indexer.stores.faiss_store import FaissVectorStore
from skills_taxonomy import Taxonomy
from skills_taxonomy.rome_reader import split_gendered
from skills_taxonomy.search import STOP_WORDS, TITLE_KINDS
from skills_taxonomy.text import fold

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]

STEM_LENGTH = 5
STEM_WEIGHT = 0.5
VECTOR_DEPTH = 300
FUZZY_DEPTH = 30
UNRELATED_PERCENTILE = 95.0
CALIBRATION_PAIRS = 20_000
CACHE_SIZE = 4096
_EXTRA_STOP_WORDS = frozenset({"un", "une", "pour", "par", "sur", "avec", "dans", "ou"})
_SEED = 13


@dataclass(frozen=True, slots=True)
class NormaliserWeights:
    """How much each signal counts in the confidence (normalised to sum 1)."""

    lexical: float = 0.30
    vector: float = 0.30
    fuzzy: float = 0.10
    occupation_lexical: float = 0.15
    occupation_vector: float = 0.15


@dataclass(frozen=True, slots=True)
class OccupationMatch:
    """A ROME occupation a text normalises to, with its confidence in [0, 1] and the signals
    behind it (each in [0, 1]); ``form`` is the best-matching ROME form."""

    rome_code: str
    label: str
    confidence: float
    lexical: float
    vector: float
    fuzzy: float
    form: str
    occupation_lexical: float = 0.0
    occupation_vector: float = 0.0


@dataclass(frozen=True, slots=True)
class _Form:
    text: str
    rome_code: str


class LexicalIndex:
    """IDF-weighted Dice overlap between folded, lightly stemmed token sets.

    A token contributes its IDF (``log(1 + N / df)``); a 5-letter stem of each word is a second,
    half-weight token, so "caisse" meets "caissier" and plurals meet singulars.
    """

    def __init__(self, texts: Sequence[str], table: dict[str, str]) -> None:
        self._table = table
        self._docs = [self.tokens(text) for text in texts]
        frequency: defaultdict[str, int] = defaultdict(int)
        for doc in self._docs:
            for token in doc:
                frequency[token] += 1
        total = max(len(self._docs), 1)
        self._idf = {token: math.log(1.0 + total / count) for token, count in frequency.items()}
        self._unknown_idf = math.log(1.0 + total)
        self._postings: defaultdict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(self._docs):
            for token in doc:
                self._postings[token].append(position)
        self._mass = [self._weight(doc) for doc in self._docs]
        self._groups_of: defaultdict[str, set[str]] = defaultdict(set)

    def tokens(self, text: str) -> dict[str, float]:
        """Token → multiplier (1 for words, ``STEM_WEIGHT`` for stems)."""
        words = [w for w in fold(text, self._table).split()
                 if w not in STOP_WORDS and w not in _EXTRA_STOP_WORDS and len(w) > 1]
        tokens: dict[str, float] = {}
        for word in words:
            word = _singular(word)
            tokens[f"w:{word}"] = 1.0
            if len(word) > STEM_LENGTH:
                tokens.setdefault(f"s:{word[:STEM_LENGTH]}", STEM_WEIGHT)
        return tokens

    def idf(self, token: str) -> float:
        """The token's IDF (the highest one for a token never seen)."""
        return self._idf.get(token, self._unknown_idf)

    def _weight(self, tokens: dict[str, float]) -> float:
        return sum(self.idf(t) * m for t, m in tokens.items())

    def coverage(self, text: str, groups: dict[str, set[str]]) -> dict[str, float]:
        """Group → share of ``text``'s IDF mass whose tokens appear in the group's token set
        (only groups sharing a token)."""
        query = self.tokens(text)
        mass = self._weight(query)
        if mass <= 0:
            return {}
        shared: defaultdict[str, float] = defaultdict(float)
        for token, multiplier in query.items():
            weight = self.idf(token) * multiplier
            for group in self._groups_of.get(token, ()):
                shared[group] += weight
        return {group: min(value / mass, 1.0) for group, value in shared.items()
                if group in groups}

    def group(self, keys: Sequence[str]) -> dict[str, set[str]]:
        """Group the documents by ``keys`` (one per document): group → its tokens; also
        indexes which groups hold each token, for :meth:`coverage`."""
        groups: defaultdict[str, set[str]] = defaultdict(set)
        for key, doc in zip(keys, self._docs, strict=True):
            groups[key].update(doc)
        self._groups_of = defaultdict(set)
        for key, tokens in groups.items():
            for token in tokens:
                self._groups_of[token].add(key)
        return dict(groups)

    def scores(self, text: str) -> dict[int, float]:
        """Document position → IDF-weighted Dice similarity with ``text`` (only overlaps)."""
        query = self.tokens(text)
        if not query:
            return {}
        query_mass = self._weight(query)
        shared: defaultdict[int, float] = defaultdict(float)
        for token, multiplier in query.items():
            weight = self.idf(token) * multiplier
            for position in self._postings.get(token, ()):
                shared[position] += weight
        return {position: 2.0 * overlap / (query_mass + self._mass[position])
                for position, overlap in shared.items()}


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith("ss"):
        return word[:-1]
    return word


class Normaliser:
    """Rank ROME occupations for a free-text job title, with a confidence (see module doc).

    Built lazily on first use; thread-safe. ``encoder`` None runs lexical + fuzzy only.
    """

    def __init__(self, taxonomy: Taxonomy, encoder: Encoder | None = None,
                 cache_dir: Path | None = None,
                 weights: NormaliserWeights | None = None) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.weights = weights or NormaliserWeights()
        self._lock = threading.RLock()
        self._forms: list[_Form] | None = None
        self._lexical: LexicalIndex | None = None
        self._vectors: FaissVectorStore | None = None
        self._floor = 0.0
        self._groups: dict[str, set[str]] = {}
        self._centroids: FloatArray | None = None
        self._centroid_codes: list[str] = []
        self._last_vector: tuple[str, FloatArray] | None = None
        self._neutraliser: GenderNeutraliser | None = None
        self._memo: OrderedDict[tuple[str, int], list[OccupationMatch]] = OrderedDict()

    # ----------------------------------------------------------------------------- build

    def _ensure_built(self) -> list[_Form]:
        with self._lock:
            if self._forms is None:
                forms = list(_title_forms(self.taxonomy))
                self._lexical = LexicalIndex([f.text for f in forms],
                                             self.taxonomy.feminine_to_masculine)
                self._groups = self._lexical.group([f.rome_code for f in forms])
                self._neutraliser = GenderNeutraliser(self.taxonomy)
                if self.encoder is not None and forms:
                    self._vectors, matrix = self._build_vectors(forms, self.encoder)
                    self._floor = _unrelated_floor(matrix)
                    self._centroid_codes, self._centroids = _centroids(forms, matrix)
                self._forms = forms
                log.info("normaliser ready: %d forms of %d occupations%s", len(forms),
                         len({f.rome_code for f in forms}),
                         f", {self.encoder.name} floor {self._floor:.3f}"
                         if self.encoder is not None else "")
            return self._forms

    def _build_vectors(self, forms: Sequence[_Form],
                       encoder: Encoder) -> tuple[FaissVectorStore, FloatArray]:
        texts = [f.text for f in forms]
        if self.cache_dir is not None:
            matrix = encode_documents_cached(encoder, texts, EmbeddingCache(self.cache_dir))
        else:
            matrix = encoder.encode_documents(texts)
        store = FaissVectorStore(encoder.dimension)
        store.upsert([str(i) for i in range(len(texts))], matrix)
        return store, matrix

    # ----------------------------------------------------------------------------- search

    def normalise(self, text: str, limit: int = 10) -> list[OccupationMatch]:
        """ROME occupations for a job title, best first, each with its confidence."""
        if not text.strip() or limit <= 0:
            return []
        key = (fold(text, self.taxonomy.feminine_to_masculine), limit)
        with self._lock:
            cached = self._memo.get(key)
            if cached is not None:
                self._memo.move_to_end(key)
                return cached
        result = self._normalise(text, limit)
        with self._lock:
            self._memo[key] = result
            if len(self._memo) > CACHE_SIZE:
                self._memo.popitem(last=False)
        return result

    def _normalise(self, text: str, limit: int) -> list[OccupationMatch]:
        forms = self._ensure_built()
        assert self._lexical is not None
        lexical, lexical_form = self._lexical_scores(text, forms)
        vector, vector_form = self._vector_scores(text, forms)
        fuzzy, fuzzy_form = self._fuzzy_scores(text)
        breadth = self._lexical.coverage(text, self._groups)
        centroid = self._centroid_scores(text)
        weights = self._effective_weights()
        matches = []
        evidence: dict[str, float] = {}
        for code in set(lexical) | set(vector) | set(fuzzy) | set(centroid):
            if code not in self.taxonomy.occupations:
                continue
            parts = (lexical.get(code, 0.0), vector.get(code, 0.0), fuzzy.get(code, 0.0),
                     breadth.get(code, 0.0), centroid.get(code, 0.0))
            evidence[code] = sum(w * p for w, p in zip(weights, parts, strict=True))
            confidence = 1.0 if parts[2] >= 1.0 else evidence[code]
            form = lexical_form.get(code) or fuzzy_form.get(code) or vector_form.get(code, "")
            matches.append(OccupationMatch(
                code, self.taxonomy.occupations[code].label, round(min(confidence, 1.0), 4),
                round(parts[0], 4), round(parts[1], 4), round(parts[2], 4), form,
                round(parts[3], 4), round(parts[4], 4)))
        matches.sort(key=lambda m: (-m.confidence, -evidence[m.rome_code], m.rome_code))
        return matches[:limit]

    def _effective_weights(self) -> tuple[float, float, float, float, float]:
        w = self.weights
        has_vectors = self._vectors is not None
        raw = (w.lexical, w.vector if has_vectors else 0.0, w.fuzzy, w.occupation_lexical,
               w.occupation_vector if has_vectors else 0.0)
        total = sum(raw) or 1.0
        a, b, c, d, e = (value / total for value in raw)
        return a, b, c, d, e

    def _centroid_scores(self, text: str) -> dict[str, float]:
        if self._centroids is None or self.encoder is None:
            return {}
        cosines = self._centroids @ self._encode(text)[0]
        span = max(1.0 - self._floor, 1e-6)
        return {code: max(0.0, (float(c) - self._floor) / span)
                for code, c in zip(self._centroid_codes, cosines, strict=True)
                if c > self._floor}

    def _encode(self, text: str) -> FloatArray:
        assert self.encoder is not None and self._neutraliser is not None
        # The gender-neutral text is encoded, so "vendeuse" and "vendeur" get one vector.
        # Forms and titles are the same kind of text: encode the title as a document too, so
        # asymmetric models (e5's query:/passage:) compare like with like.
        text = self._neutraliser.neutral(text)
        with self._lock:
            if self._last_vector is None or self._last_vector[0] != text:
                self._last_vector = (text, self.encoder.encode_documents([text]))
            return self._last_vector[1]

    def _lexical_scores(self, text: str, forms: Sequence[_Form]
                        ) -> tuple[dict[str, float], dict[str, str]]:
        assert self._lexical is not None
        return _best_per_code((forms[p], s) for p, s in self._lexical.scores(text).items())

    def _vector_scores(self, text: str, forms: Sequence[_Form]
                       ) -> tuple[dict[str, float], dict[str, str]]:
        if self._vectors is None or self.encoder is None:
            return {}, {}
        vector = self._encode(text)
        hits = self._vectors.search(vector, VECTOR_DEPTH)[0]
        span = max(1.0 - self._floor, 1e-6)
        return _best_per_code((forms[int(h.id)], max(0.0, (h.score - self._floor) / span))
                              for h in hits)

    def _fuzzy_scores(self, text: str) -> tuple[dict[str, float], dict[str, str]]:
        found = self.taxonomy.index.search(text, TITLE_KINDS, FUZZY_DEPTH)
        return _best_per_code((_Form(m.label, m.rome_code), m.score)
                              for m in found if m.rome_code)

    def best_codes(self, text: str, limit: int, min_confidence: float,
                   relative: float) -> list[OccupationMatch]:
        """The top occupations whose confidence reaches ``min_confidence`` and
        ``relative`` × the best one's (a clear winner keeps its runners-up out)."""
        matches = self.normalise(text, limit)
        if not matches:
            return []
        floor = max(min_confidence, relative * matches[0].confidence)
        return [m for m in matches if m.confidence >= floor]


def _best_per_code(scored: Iterable[tuple[_Form, float]]
                   ) -> tuple[dict[str, float], dict[str, str]]:
    best: dict[str, float] = {}
    form: dict[str, str] = {}
    for item, score in scored:
        if score > best.get(item.rome_code, -1.0):
            best[item.rome_code] = score
            form[item.rome_code] = item.text
    return best, form


def _title_forms(taxonomy: Taxonomy) -> Iterable[_Form]:
    """Every distinct (form, ROME code) of the ROME job titles and occupation labels."""
    seen: set[tuple[str, str]] = set()
    for app in sorted(taxonomy.appellations.values(), key=lambda a: a.code):
        for text in (*app.forms, app.short_label):
            key = (_clean(text), app.rome_code)
            if key[0] and key not in seen:
                seen.add(key)
                yield _Form(key[0], app.rome_code)
    for occ in sorted(taxonomy.occupations.values(), key=lambda o: o.code):
        for text in split_gendered(occ.label):
            key = (_clean(text), occ.code)
            if key[0] and key not in seen:
                seen.add(key)
                yield _Form(key[0], occ.code)


def _centroids(forms: Sequence[_Form], matrix: FloatArray) -> tuple[list[str], FloatArray]:
    """Each occupation's unit-length mean form vector."""
    codes = sorted({f.rome_code for f in forms})
    row = {code: i for i, code in enumerate(codes)}
    sums = np.zeros((len(codes), matrix.shape[1]), dtype=np.float32)
    for position, form in enumerate(forms):
        sums[row[form.rome_code]] += matrix[position]
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return codes, np.ascontiguousarray(sums / norms, dtype=np.float32)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _unrelated_floor(matrix: FloatArray) -> float:
    """A high percentile of the cosine between random pairs of forms: what "unrelated"
    looks like for this encoder."""
    count = matrix.shape[0]
    if count < 2:
        return 0.0
    rng = np.random.default_rng(_SEED)
    left = rng.integers(0, count, CALIBRATION_PAIRS)
    right = rng.integers(0, count, CALIBRATION_PAIRS)
    cosines = np.einsum("ij,ij->i", matrix[left], matrix[right])
    return float(np.percentile(cosines, UNRELATED_PERCENTILE))


# --------------------------------------------------------------------------- gender-neutral text

_DOTS = "·•‧∙⋅"
_LETTER = "a-zà-öø-ÿœ"
_HF_MARK = re.compile(
    rf"(?<![{_LETTER}0-9])\(?\s*(?:h\s*[/-]\s*f|f\s*[/-]\s*h)(?:\s*[/-]\s*x)?\s*\)?"
    rf"(?![{_LETTER}0-9])")
_INCLUSIVE_SUFFIX = re.compile(
    rf"(?<=[{_LETTER}])(?:[{_DOTS}./]|\()(?:euse|trice|rice|esse|ère|ere|nne|ffe|lle|tte|es|ne|"
    rf"se|fe|le|te|e)\)?(?:[{_DOTS}.]?s)?(?![{_LETTER}0-9])")
_WORD = re.compile(rf"[{_LETTER}]+")
_REPEATED_GROUP = re.compile(r"(?<!\S)(\S.*?) ?/ ?\1(?!\S)")


class GenderNeutraliser:
    """Rewrites free text with every feminine job-title word in the masculine, accents kept
    ("Vendeuse en prêt-à-porter H/F" → "vendeur en prêt-à-porter"), so that a seeker's
    query does not depend on the gender of the words they (or their counsellor) typed.

    The word table is the taxonomy's feminine → masculine table (learnt from the ROME's
    paired forms); the masculine spelling with accents is the most frequent one in the ROME
    labels.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._table = taxonomy.feminine_to_masculine
        spellings: defaultdict[str, dict[str, int]] = defaultdict(dict)
        labels = [f for a in taxonomy.appellations.values() for f in a.forms]
        labels += [o.label for o in taxonomy.occupations.values()]
        for label in labels:
            for word in _WORD.findall(label.lower()):
                counts = spellings[fold(word)]
                counts[word] = counts.get(word, 0) + 1
        self._spelling = {key: max(sorted(counts), key=lambda w: counts[w])
                          for key, counts in spellings.items()}

    def neutral(self, text: str) -> str:
        """``text`` lower-cased, without "H/F" marks or inclusive suffixes, feminine
        job-title words in the masculine."""
        lowered = _INCLUSIVE_SUFFIX.sub("", _HF_MARK.sub(" ", text.lower()))
        rewritten = re.sub(r"\s+", " ", _WORD.sub(self._masculine, lowered)).strip()
        return _REPEATED_GROUP.sub(r"\1", rewritten)

    def _masculine(self, match: re.Match[str]) -> str:
        word = match.group(0)
        masculine = self._table.get(fold(word))
        if masculine is None:
            return word
        return self._spelling.get(masculine, masculine)
