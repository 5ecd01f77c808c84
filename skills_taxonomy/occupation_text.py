"""Which occupations a whole text speaks of: BM25 over one document per ROME occupation.

An occupation's document gathers what the ROME says of it: its label and every form of its job
titles (counted twice: titles name the job), the labels of its skills and knowledge items
(core items twice) and its definition. A description is scored against all of them with
Okapi BM25 on folded, singular words; the score of an occupation is its BM25 divided by the
best one, in [0, 1], so the signal says which occupations the text favours, not how long it is.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from skills_taxonomy.lexical import content_words
from skills_taxonomy.postings import Postings
from skills_taxonomy.taxonomy import Taxonomy

BM25_K1 = 1.2
BM25_B = 0.75
MAX_QUERY_WORDS = 600


class OccupationTextIndex:
    """BM25 of a text against each occupation's document (see module doc)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        table = taxonomy.feminine_to_masculine
        self._table = table
        self._codes = sorted(taxonomy.occupations)
        lengths: list[int] = []
        postings: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        for row, code in enumerate(self._codes):
            counts = Counter(content_words(" ".join(_document(taxonomy, code)), table))
            lengths.append(sum(counts.values()))
            for word, count in counts.items():
                postings[word].append((row, count))
        total = max(len(self._codes), 1)
        average = (sum(lengths) / total) if lengths else 1.0
        lists: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        for word, pairs in postings.items():
            idf = math.log(1.0 + (total - len(pairs) + 0.5) / (len(pairs) + 0.5))
            rows = np.array([row for row, _ in pairs], dtype=np.int64)
            frequency = np.array([count for _, count in pairs], dtype=np.float64)
            norms = 1.0 - BM25_B + BM25_B * np.array(lengths, dtype=np.float64)[rows] / average
            lists[word] = (rows, idf * frequency * (BM25_K1 + 1.0)
                           / (frequency + BM25_K1 * norms))
        self._postings = Postings(lists)

    def scores(self, text: str, top: int | None = None) -> dict[str, float]:
        """Occupation → BM25 of ``text`` relative to the best occupation (only those > 0; the
        ``top`` best when given)."""
        words = Counter(content_words(text, self._table)[:MAX_QUERY_WORDS])
        rows, weights = self._postings.gather(
            (word, 1.0 + math.log(count)) for word, count in words.items())
        if not rows.size:
            return {}
        # one sum in word order: the same additions as adding word after word
        raw = np.bincount(rows, weights=weights, minlength=len(self._codes))
        best = float(raw.max()) if len(raw) else 0.0
        if best <= 0:
            return {}
        hits = np.flatnonzero(raw)
        if top is not None and len(hits) > top:
            hits = hits[np.argpartition(-raw[hits], top - 1)[:top]]
        return {self._codes[row]: float(raw[row]) / best for row in hits.tolist()}


def _document(taxonomy: Taxonomy, code: str) -> Iterable[str]:
    occupation = taxonomy.occupations[code]
    titles = [occupation.label, *(form for app in taxonomy.appellations_of(code)
                                  for form in (*app.forms, app.short_label))]
    yield from titles
    yield from titles
    for link in taxonomy.items_of(code):
        yield link.item.label
        if link.core:
            yield link.item.label
    yield taxonomy.definition(code)
