"""IDF-weighted token overlap between short texts: the lexical signal of concept reading.

Texts are folded (case, accents, "H/F", inclusive and feminine forms), stop words dropped and
plurals put in the singular; each word is a token, and its first :data:`STEM_LENGTH` letters are
a second, half-weight token, so "caisse" meets "caissier". A token weighs its IDF over the
indexed texts: frequent head words ("agent", "responsable") weigh little, rare ones
("abatteuse", "équidés") decide.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from skills_taxonomy.plural import singular
from skills_taxonomy.postings import Postings
from skills_taxonomy.search import STOP_WORDS
from skills_taxonomy.text import fold

STEM_LENGTH = 5
STEM_WEIGHT = 0.5
Rows = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
_NO_ROWS: Rows = np.zeros(0, dtype=np.int64)
_NO_FLOATS: Floats = np.zeros(0, dtype=np.float64)
EXTRA_STOP_WORDS = frozenset({"un", "une", "pour", "par", "sur", "avec", "dans", "ou"})


def content_words(text: str, table: dict[str, str]) -> list[str]:
    """The folded, singular content words of ``text`` (stop words and letters dropped)."""
    return [word for word in map(_content_word, fold(text, table).split()) if word]


@lru_cache(maxsize=1 << 16)
def _content_word(word: str) -> str:
    """A folded word's singular, or "" for a stop word or a single letter (memoised: a
    reading folds thousands of words, most of them seen before)."""
    if word in STOP_WORDS or word in EXTRA_STOP_WORDS or len(word) <= 1:
        return ""
    return singular(word)


def word_tokens(words: Sequence[str]) -> dict[str, float]:
    """Token → multiplier: 1 for each word, :data:`STEM_WEIGHT` for its stem."""
    tokens: dict[str, float] = {}
    for word in words:
        tokens[f"w:{word}"] = 1.0
        if len(word) > STEM_LENGTH:
            tokens.setdefault(f"s:{word[:STEM_LENGTH]}", STEM_WEIGHT)
    return tokens


class LexicalIndex:
    """IDF-weighted Dice overlap between folded, lightly stemmed token sets."""

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
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(self._docs):
            for token in doc:
                positions[token].append(position)
        # each entry weighs its token's IDF: a query token's weights are one multiplication
        self._postings = Postings({token: (found, [self._idf[token]] * len(found))
                                   for token, found in positions.items()})
        self._mass = np.array([self.mass(doc) for doc in self._docs], dtype=np.float64)
        self._groups_of: defaultdict[str, set[str]] = defaultdict(set)

    def tokens(self, text: str) -> dict[str, float]:
        """Token → multiplier (1 for words, :data:`STEM_WEIGHT` for stems)."""
        return word_tokens(content_words(text, self._table))

    def idf(self, token: str) -> float:
        """The token's IDF (the highest one for a token never seen)."""
        return self._idf.get(token, self._unknown_idf)

    def mass(self, tokens: dict[str, float]) -> float:
        """The IDF mass of a token set."""
        return sum(self.idf(t) * m for t, m in tokens.items())

    def coverage(self, text: str, groups: dict[str, set[str]]) -> dict[str, float]:
        """Group → share of ``text``'s IDF mass whose tokens appear in the group's token set
        (only groups sharing a token)."""
        query = self.tokens(text)
        mass = self.mass(query)
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
        """Document position → IDF-weighted Dice similarity with ``text`` (only overlaps),
        in the order the text's tokens reach the documents."""
        positions, first, values = self._scored(text)
        order = np.argsort(first, kind="stable")
        return dict(zip(positions[order].tolist(), values[order].tolist(), strict=True))

    def best_per_group(self, text: str, group_of: Rows) -> tuple[Rows, Floats]:
        """Per group (``group_of[position]``: a small integer per document), the document
        with the best :meth:`scores` value and that value; of equal values, the document
        the text reaches first (the one a walk over :meth:`scores` keeps). All in arrays: a
        title reaches thousands of documents."""
        positions, first, values = self._scored(text)
        groups = group_of[positions]
        order = np.lexsort((first, -values, groups))  # by group, best value, first reached
        heads = np.ones(len(order), dtype=bool)
        np.not_equal(groups[order][1:], groups[order][:-1], out=heads[1:])
        best = order[heads]
        return positions[best], values[best]

    def _scored(self, text: str) -> tuple[Rows, Rows, Floats]:
        """The documents sharing a token with ``text`` (sorted), when the text's tokens first
        reach each one (an index into the gathered posting lists), and their Dice values.
        The overlaps are the sums adding token after token gives."""
        query = self.tokens(text)
        reached, weights = self._postings.gather(query.items())
        if not reached.size:
            return _NO_ROWS, _NO_ROWS, _NO_FLOATS
        overlap = np.bincount(reached, weights=weights, minlength=len(self._docs))
        positions, first = np.unique(reached, return_index=True)
        values = 2.0 * overlap[positions] / (self.mass(query) + self._mass[positions])
        return positions, first, values
