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

from skills_taxonomy.plural import singular
from skills_taxonomy.search import STOP_WORDS
from skills_taxonomy.text import fold

STEM_LENGTH = 5
STEM_WEIGHT = 0.5
EXTRA_STOP_WORDS = frozenset({"un", "une", "pour", "par", "sur", "avec", "dans", "ou"})


def content_words(text: str, table: dict[str, str]) -> list[str]:
    """The folded, singular content words of ``text`` (stop words and letters dropped)."""
    return [singular(word) for word in fold(text, table).split()
            if word not in STOP_WORDS and word not in EXTRA_STOP_WORDS and len(word) > 1]


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
        self._postings: defaultdict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(self._docs):
            for token in doc:
                self._postings[token].append(position)
        self._mass = [self.mass(doc) for doc in self._docs]
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
        """Document position → IDF-weighted Dice similarity with ``text`` (only overlaps)."""
        query = self.tokens(text)
        if not query:
            return {}
        query_mass = self.mass(query)
        shared: defaultdict[int, float] = defaultdict(float)
        for token, multiplier in query.items():
            weight = self.idf(token) * multiplier
            for position in self._postings.get(token, ()):
                shared[position] += weight
        return {position: 2.0 * overlap / (query_mass + self._mass[position])
                for position, overlap in shared.items()}
