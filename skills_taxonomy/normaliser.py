"""Free-text job titles → ranked ROME occupations with a confidence.

Three signals, each computed over the *forms* of the taxonomy's job titles (every masculine and
feminine form of the 13k ROME appellations, their short labels and the 1,584 occupation
labels; with the ESCO ↔ ROME crosswalk on, also the French ESCO labels of the occupations the
crosswalk maps to a ROME job title), then aggregated per ROME occupation (the best form wins):

- **fuzzy**: the taxonomy's :class:`skills_taxonomy.search.LabelIndex` (exact folded key, then
  ``rapidfuzz`` ``WRatio`` over the keys sharing most character trigrams with the title) —
  good at spelling variants, blind to which words matter;
- **lexical**: an IDF-weighted Dice overlap of folded, stemmed tokens
  (:class:`skills_taxonomy.lexical.LexicalIndex`), in [0, 1];
- **vector**: cosine similarity between the title and each form with the given encoder,
  rescaled so that the cosine of two *unrelated* forms (a high percentile of random pairs,
  measured at build time) maps to 0: the calibration follows the encoder.

Two occupation-level signals complete them, so an occupation whose *several* titles share the
query's words or meaning beats one with a single lucky form: the share of the query's IDF mass
found anywhere among the occupation's forms, and the cosine with the occupation's centroid.

The confidence of an occupation is the weighted mean of the five (:class:`NormaliserWeights`),
comparable across queries and encoders; an exact folded match of a ROME form is 1. Titles are
folded first (case, accents, "H/F", inclusive forms, feminine → masculine), so gendered and
inclusive spellings of a title normalise to the same ranking.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from skills_taxonomy.gender import neutraliser_for
from skills_taxonomy.lexical import LexicalIndex
from skills_taxonomy.lru import LruCache
from skills_taxonomy.pickling import pickled_by_fields
from skills_taxonomy.rome_reader import split_gendered
from skills_taxonomy.search import TITLE_KINDS
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.vectors import FloatArray, IntegerRows, TextEncoder, unit_rows

log = logging.getLogger(__name__)

VECTOR_DEPTH = 300
FUZZY_DEPTH = 30
UNRELATED_PERCENTILE = 95.0
CALIBRATION_PAIRS = 20_000
CACHE_SIZE = 4096
TITLE_MEMO = 32_768
"""Distinct canonical titles whose ranking is kept: indexing a million offers meets about
13,000 (a ranking costs tens of milliseconds, a kept one a few kilobytes)."""
PREFETCHED = 1024
"""Titles whose closest forms :meth:`Normaliser.prefetch` keeps until they are ranked."""
_SEED = 13
_Parts = tuple[float, float, float, float, float]
"""Lexical, vector, fuzzy, breadth and centroid evidence of one occupation."""
_FUZZY_KINDS_WITH_CROSSWALK = (*TITLE_KINDS, "esco_occupation")


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
    behind it (each in [0, 1]); ``form`` is the best-matching form."""

    rome_code: str
    label: str
    confidence: float
    lexical: float
    vector: float
    fuzzy: float
    form: str
    occupation_lexical: float = 0.0
    occupation_vector: float = 0.0
    appellation_code: str | None = None
    """The ROME job title of ``form`` (None when the form is an occupation label)."""


@dataclass(frozen=True, slots=True)
class NormaliserState:
    """What building a normaliser computes from the taxonomy and the encoder: kept by the
    reader cache (:mod:`skills_taxonomy.reader_cache`) so a new process skips the build."""

    forms: list[TitleForm]
    lexical: LexicalIndex
    groups: dict[str, set[str]]
    form_vectors: IntegerRows | None
    floor: float
    centroid_codes: list[str]
    centroids: FloatArray | None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TitleForm:
    """One form of a job title, the occupation it belongs to and its ROME job title."""

    text: str
    rome_code: str
    appellation_code: str | None = None


class Normaliser:
    """Rank ROME occupations for a free-text job title, with a confidence (see module doc).

    Built on first use or by :meth:`prepare`; thread-safe. ``encoder`` None runs the lexical
    and fuzzy signals only. ``use_crosswalk`` adds the ESCO labels the official ESCO ↔ ROME
    crosswalk maps to ROME job titles (turn it off to evaluate against that crosswalk).
    """

    def __init__(self, taxonomy: Taxonomy, encoder: TextEncoder | None = None, *,
                 weights: NormaliserWeights | None = None, use_crosswalk: bool = True) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.weights = weights or NormaliserWeights()
        self.use_crosswalk = use_crosswalk
        self._lock = threading.RLock()
        self._forms: list[TitleForm] | None = None
        self._lexical: LexicalIndex | None = None
        self._form_vectors: IntegerRows | None = None
        self._floor = 0.0
        self._groups: dict[str, set[str]] = {}
        self._centroids: FloatArray | None = None
        self._centroid_codes: list[str] = []
        self._form_groups: npt.NDArray[np.int64] | None = None
        self._centroid_rows: tuple[dict[str, int], npt.NDArray[np.bool_]] | None = None
        self._neutraliser = neutraliser_for(taxonomy)
        self._rankings: LruCache[tuple[str, int], tuple[OccupationMatch, ...]] = \
            LruCache(TITLE_MEMO)
        self._prefetched: LruCache[str, tuple[npt.NDArray[np.int64], FloatArray]] = \
            LruCache(PREFETCHED)
        self._vector_of = lru_cache(maxsize=CACHE_SIZE)(self._encode_neutral)

    # ----------------------------------------------------------------------------- build

    def prepare(self) -> None:
        """Build everything the first request needs (encoding the title forms, through the
        encoder's cache), so that request answers as fast as the next ones."""
        self._ensure_built()

    def _ensure_built(self) -> list[TitleForm]:
        with self._lock:
            if self._forms is None:
                started = time.monotonic()
                forms = list(title_forms(self.taxonomy, self.use_crosswalk))
                self._lexical = LexicalIndex([f.text for f in forms],
                                             self.taxonomy.feminine_to_masculine)
                self._groups = self._lexical.group([f.rome_code for f in forms])
                if self.encoder is not None and forms:
                    log.info("normaliser: vectors of %d title forms (%s)", len(forms),
                             self.encoder.name)
                    matrix = unit_rows(self.encoder.encode_documents([f.text for f in forms]))
                    self._form_vectors = IntegerRows(matrix)
                    self._floor = unrelated_floor(matrix)
                    self._centroid_codes, self._centroids = centroids(forms, matrix)
                self._form_groups = _code_groups(forms)
                self._forms = forms
                log.info("normaliser ready in %.1f s: %d forms of %d occupations%s",
                         time.monotonic() - started, len(forms),
                         len({f.rome_code for f in forms}),
                         f", {self.encoder.name} floor {self._floor:.3f}"
                         if self.encoder is not None else "")
            return self._forms

    def state(self) -> NormaliserState:
        """The built state (building it first when needed), for the reader cache."""
        forms = self._ensure_built()
        assert self._lexical is not None
        return NormaliserState(forms, self._lexical, self._groups, self._form_vectors,
                               self._floor, self._centroid_codes, self._centroids)

    def restore(self, state: NormaliserState) -> None:
        """Adopt a state built earlier for the same taxonomy, encoder and settings."""
        with self._lock:
            self._lexical, self._groups = state.lexical, state.groups
            self._form_vectors, self._floor = state.form_vectors, state.floor
            self._centroid_codes, self._centroids = state.centroid_codes, state.centroids
            self._centroid_rows = None
            self._form_groups = _code_groups(state.forms)
            self._forms = state.forms

    # ----------------------------------------------------------------------------- search

    def normalise(self, text: str, limit: int = 10) -> list[OccupationMatch]:
        """ROME occupations for a job title, best first, each with its confidence."""
        if not text.strip() or limit <= 0:
            return []
        return list(self._ranking(self._neutraliser.canonical_title(text), limit))

    def _ranking(self, text: str, limit: int) -> tuple[OccupationMatch, ...]:
        """The ranking of a canonical title, memoised by it (so gendered, inclusive and
        unaccented spellings of a title share one entry and one answer)."""
        return self._rankings.get_or_compute((text, limit),
                                             lambda: tuple(self._normalise(text, limit)))

    def prefetch(self, texts: Iterable[str], limit: int) -> None:
        """Find the closest title forms of the texts not yet ranked (at ``limit``) in one
        matrix product, kept until :meth:`normalise` ranks them: several times cheaper per
        title than one product each, with the same values (:class:`IntegerRows`)."""
        if self.encoder is None or not self._ensure_built() or self._form_vectors is None:
            return
        wanted = [text for text in dict.fromkeys(
                      self._neutraliser.canonical_title(t) for t in texts if t.strip())
                  if (text, limit) not in self._rankings and text not in self._prefetched]
        if not wanted:
            return
        vectors = np.stack([self._vector_of(text) for text in wanted])
        for text, hits in zip(wanted, self._form_vectors.top_rows(vectors, VECTOR_DEPTH),
                              strict=True):
            self._prefetched.put(text, hits)

    def _normalise(self, text: str, limit: int) -> list[OccupationMatch]:
        forms = self._ensure_built()
        assert self._lexical is not None
        lexical, lexical_form = self._lexical_scores(text, forms)
        vector, vector_form = self._vector_scores(text, forms)
        fuzzy, fuzzy_form = self._fuzzy_scores(text)
        breadth = self._lexical.coverage(text, self._groups)
        cosines = self._centroid_cosines(text)
        weights = self._effective_weights()
        ranked: list[tuple[float, float, str, _Parts]] = []
        for code in self._contenders(lexical, vector, fuzzy, breadth, cosines, weights, limit):
            parts = (lexical.get(code, 0.0), vector.get(code, 0.0), fuzzy.get(code, 0.0),
                     breadth.get(code, 0.0), self._centroid_score(code, cosines))
            evidence = sum(w * p for w, p in zip(weights, parts, strict=True))
            confidence = round(min(1.0 if parts[2] >= 1.0 else evidence, 1.0), 4)
            ranked.append((-confidence, -evidence, code, parts))
        matches = []
        for negative, _, code, parts in heapq.nsmallest(limit, ranked):
            form = (lexical_form.get(code) or fuzzy_form.get(code) or vector_form.get(code)
                    or TitleForm("", code))
            matches.append(OccupationMatch(
                code, self.taxonomy.occupations[code].label, -negative,
                round(parts[0], 4), round(parts[1], 4), round(parts[2], 4), form.text,
                round(parts[3], 4), round(parts[4], 4), form.appellation_code))
        return matches

    def _contenders(self, lexical: dict[str, float], vector: dict[str, float],
                    fuzzy: dict[str, float], breadth: dict[str, float],
                    cosines: FloatArray | None, weights: _Parts, limit: int) -> set[str]:
        """The occupations of the taxonomy that may rank among the best ``limit``: those the
        lexical, vector or fuzzy signal names, and those whose centroid is closer than
        unrelated. The centroid reaches most occupations, so their confidences are first
        summed in arrays, and only those within 0.001 of the ``limit``-th best are kept: no
        other can reach the top ``limit`` once the exact confidences (to four decimals,
        :meth:`_normalise`) are computed."""
        named = set(lexical) | set(vector) | set(fuzzy)
        occupations = self.taxonomy.occupations
        if cosines is None:
            return {code for code in named if code in occupations}
        index, known = self._centroid_index()
        contender = cosines > self._floor
        contender[[index[code] for code in named if code in index]] = True
        contender &= known
        signals = [_spread(signal, index, len(cosines))
                   for signal in (lexical, vector, fuzzy, breadth)]
        evidence = weights[4] * self._rescaled_all(cosines)
        for weight, values in zip(weights[:4], signals, strict=True):
            evidence += weight * values
        confidence = np.minimum(np.where(signals[2] >= 1.0, 1.0, evidence), 1.0)
        scored = confidence[contender]
        if len(scored) > limit:
            threshold = np.partition(scored, len(scored) - limit)[len(scored) - limit]
            contender &= confidence >= threshold - 1e-3
        kept = {self._centroid_codes[row] for row in np.flatnonzero(contender).tolist()}
        return kept | {code for code in named if code not in index and code in occupations}

    def _effective_weights(self) -> tuple[float, float, float, float, float]:
        w = self.weights
        has_vectors = self._form_vectors is not None
        raw = (w.lexical, w.vector if has_vectors else 0.0, w.fuzzy, w.occupation_lexical,
               w.occupation_vector if has_vectors else 0.0)
        total = sum(raw) or 1.0
        a, b, c, d, e = (value / total for value in raw)
        return a, b, c, d, e

    def encode_titles(self, titles: Sequence[str]) -> None:
        """Encode many titles in one batch (an encoder with a cache keeps them)."""
        self._ensure_built()
        if self.encoder is not None:
            neutral = list(dict.fromkeys(self._neutraliser.canonical_title(t)
                                         for t in titles if t))
            if neutral:
                self.encoder.encode_documents(neutral)

    def vector(self, text: str) -> FloatArray | None:
        """The gender-neutral text's unit vector (None without an encoder), memoised."""
        if self.encoder is None:
            return None
        vector: FloatArray = self._vector_of(self._neutraliser.canonical_title(text))
        return vector

    def _encode_neutral(self, text: str) -> FloatArray:
        assert self.encoder is not None
        vector: FloatArray = unit_rows(self.encoder.encode_documents([text]))[0]
        return vector

    def _rescaled(self, cosine: float) -> float:
        return max(0.0, (cosine - self._floor) / max(1.0 - self._floor, 1e-6))

    def _rescaled_all(self, cosines: FloatArray) -> npt.NDArray[np.float64]:
        """:meth:`_rescaled` of each cosine (the same float64 operations, so the same values)."""
        span = max(1.0 - self._floor, 1e-6)
        rescaled: npt.NDArray[np.float64] = np.maximum(
            (cosines.astype(np.float64) - self._floor) / span, 0.0)
        return rescaled

    def _centroid_cosines(self, text: str) -> FloatArray | None:
        """The text's cosine with each occupation's centroid (rows of ``_centroid_codes``),
        or None without vectors."""
        vector = self.vector(text) if self._centroids is not None else None
        if vector is None or self._centroids is None:
            return None
        cosines: FloatArray = self._centroids @ vector
        return cosines

    def _centroid_score(self, code: str, cosines: FloatArray | None) -> float:
        """The occupation-vector evidence of ``code``: its centroid's rescaled cosine, 0 when
        no closer than unrelated."""
        if cosines is None:
            return 0.0
        row = self._centroid_index()[0].get(code)
        if row is None:
            return 0.0
        cosine = float(cosines[row])
        return self._rescaled(cosine) if cosine > self._floor else 0.0

    def _centroid_index(self) -> tuple[dict[str, int], npt.NDArray[np.bool_]]:
        """Centroid row by ROME code, and per row whether the taxonomy knows the code."""
        if self._centroid_rows is None:
            codes = self._centroid_codes
            self._centroid_rows = ({code: row for row, code in enumerate(codes)},
                                   np.array([c in self.taxonomy.occupations for c in codes],
                                            dtype=bool))
        return self._centroid_rows

    def _lexical_scores(self, text: str, forms: Sequence[TitleForm]
                        ) -> tuple[dict[str, float], dict[str, TitleForm]]:
        """Per occupation, its best form's lexical score and that form (as
        :func:`_best_per_code` over the index's scores would keep them, in arrays)."""
        assert self._lexical is not None and self._form_groups is not None
        positions, values = self._lexical.best_per_group(text, self._form_groups)
        best = [forms[position] for position in positions.tolist()]
        return ({form.rome_code: value for form, value in zip(best, values.tolist(), strict=True)},
                {form.rome_code: form for form in best})

    def _vector_scores(self, text: str, forms: Sequence[TitleForm]
                       ) -> tuple[dict[str, float], dict[str, TitleForm]]:
        """Per occupation, its best form among the ``VECTOR_DEPTH`` closest to the text, and
        that form's rescaled cosine (as :func:`_best_per_code` would keep them, in arrays:
        the hits come best first, so an occupation's first hit is its best)."""
        if self._form_vectors is None or self._form_groups is None:
            return {}, {}
        hits = self._prefetched.pop(text)
        if hits is None:
            vector = self.vector(text)
            if vector is None:
                return {}, {}
            hits = self._form_vectors.top_rows(vector, VECTOR_DEPTH)[0]
        rows, cosines = hits
        _, first = np.unique(self._form_groups[rows], return_index=True)
        first.sort()
        rescaled = self._rescaled_all(cosines[first])
        best = [forms[row] for row in rows[first].tolist()]
        return ({form.rome_code: value for form, value in zip(best, rescaled.tolist(),
                                                               strict=True)},
                {form.rome_code: form for form in best})

    def _fuzzy_scores(self, text: str) -> tuple[dict[str, float], dict[str, TitleForm]]:
        kinds = _FUZZY_KINDS_WITH_CROSSWALK if self.use_crosswalk else TITLE_KINDS
        found = self.taxonomy.index.search(text, kinds, FUZZY_DEPTH)
        return _best_per_code((TitleForm(m.label, m.rome_code,
                                         m.code if m.kind == "appellation" else None), m.score)
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


def _code_groups(forms: Sequence[TitleForm]) -> npt.NDArray[np.int64]:
    """Per form, a small integer naming its occupation (the same for the same code)."""
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(form.rome_code, len(numbers)) for form in forms],
                    dtype=np.int64)


def _spread(signal: dict[str, float], index: dict[str, int], size: int
            ) -> npt.NDArray[np.float64]:
    """The values of ``signal`` at the rows ``index`` gives their codes (0 elsewhere)."""
    values = np.zeros(size)
    pairs = [(index[code], value) for code, value in signal.items() if code in index]
    if pairs:
        rows, found = zip(*pairs, strict=True)
        values[list(rows)] = found
    return values


def _best_per_code(scored: Iterable[tuple[TitleForm, float]]
                   ) -> tuple[dict[str, float], dict[str, TitleForm]]:
    best: dict[str, float] = {}
    form: dict[str, TitleForm] = {}
    for item, score in scored:
        if score > best.get(item.rome_code, -1.0):
            best[item.rome_code] = score
            form[item.rome_code] = item
    return best, form


def title_forms(taxonomy: Taxonomy, use_crosswalk: bool = True) -> Iterable[TitleForm]:
    """Every distinct (form, ROME code) of the ROME job titles and occupation labels, and with
    ``use_crosswalk`` the French ESCO labels the crosswalk maps to a ROME job title."""
    seen: set[tuple[str, str]] = set()

    candidates: list[TitleForm] = []
    for app in sorted(taxonomy.appellations.values(), key=lambda a: a.code):
        candidates.extend(TitleForm(text, app.rome_code, app.code)
                          for text in (*app.forms, app.short_label))
    for occ in sorted(taxonomy.occupations.values(), key=lambda o: o.code):
        candidates.extend(TitleForm(text, occ.code) for text in split_gendered(occ.label))
    if use_crosswalk:
        candidates.extend(esco_title_forms(taxonomy))
    for form in candidates:
        key = (_clean(form.text), form.rome_code)
        if key[0] and key not in seen:
            seen.add(key)
            yield TitleForm(key[0], form.rome_code, form.appellation_code)


def esco_title_forms(taxonomy: Taxonomy) -> Iterable[TitleForm]:
    """The French labels of each ESCO occupation the crosswalk maps, by an exact match, to a
    ROME job title (preferred labels split on "/", and alternative labels)."""
    for row in sorted(taxonomy.crosswalk, key=lambda r: (r.esco_uri, r.appellation_code)):
        appellation = taxonomy.appellations.get(row.appellation_code)
        concept = taxonomy.esco_occupations.get(row.esco_uri)
        if appellation is None or concept is None or row.relation != "skos:exactMatch":
            continue
        labels = [part.strip() for part in concept.preferred_label.split("/")]
        for label in (*labels, *concept.alt_labels):
            yield TitleForm(label, appellation.rome_code, appellation.code)


def centroids(forms: Sequence[TitleForm], matrix: FloatArray) -> tuple[list[str], FloatArray]:
    """Each occupation's unit-length mean form vector."""
    codes = sorted({f.rome_code for f in forms})
    row = {code: i for i, code in enumerate(codes)}
    sums = np.zeros((len(codes), matrix.shape[1]), dtype=np.float32)
    for position, form in enumerate(forms):
        sums[row[form.rome_code]] += matrix[position]
    return codes, unit_rows(sums)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def unrelated_floor(matrix: FloatArray) -> float:
    """A high percentile of the cosine between random pairs of rows: what "unrelated" looks
    like for this encoder."""
    count = matrix.shape[0]
    if count < 2:
        return 0.0
    rng = np.random.default_rng(_SEED)
    left = rng.integers(0, count, CALIBRATION_PAIRS)
    right = (left + rng.integers(1, count, CALIBRATION_PAIRS)) % count  # never a row itself
    cosines = np.einsum("ij,ij->i", matrix[left], matrix[right])
    return float(np.percentile(cosines, UNRELATED_PERCENTILE))
