"""A shortlist of label keys by shared character trigrams, before fuzzy scoring.

Fuzzy-scoring a title against every key of a kind (``rapidfuzz`` over ≈ 22,500 title keys)
costs ≈ 9 ms, and concept reading scores every distinct title against three kinds. A key that
shares no trigram with the query cannot score well, and the keys that contain most of the
query's trigrams (or most of whose trigrams the query contains: ``rapidfuzz``'s token-set
ratio is 100 when either side's words are a subset of the other's) are the ones worth
scoring. The index is posting lists, trigram → keys holding it; a query counts its keys'
shared trigrams in one ``bincount``.

Trigrams are taken per word, padded as PostgreSQL's ``pg_trgm`` pads them (two spaces before,
one after), so a word's start weighs more than its middle and a misspelt word still shares
most of its trigrams with the right one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Positions = npt.NDArray[np.int64]


def trigrams(key: str) -> set[str]:
    """The distinct padded trigrams of ``key``'s words (see module doc)."""
    found: set[str] = set()
    for word in key.split():
        padded = f"  {word} "
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return found


class TrigramIndex:
    """Keys by their trigrams, to shortlist the ones a query shares most with.

    Posting lists in one block, as :class:`skills_taxonomy.postings.Postings` keeps them but
    without weights and with 32-bit rows: the taxonomy's pickle carries one index per kind of
    label (≈ 73k keys in all)."""

    def __init__(self, keys: Sequence[str]) -> None:
        """Index ``keys``; a shortlist names them by their position in this sequence."""
        lists: dict[str, list[int]] = {}
        sizes = np.zeros(len(keys), dtype=np.int32)
        for position, key in enumerate(keys):
            grams = trigrams(key)
            sizes[position] = len(grams)
            for gram in sorted(grams):
                lists.setdefault(gram, []).append(position)
        self._grams = {gram: number for number, gram in enumerate(lists)}
        self._offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(rows) for rows in lists.values()], out=self._offsets[1:])
        self._rows = np.fromiter((row for rows in lists.values() for row in rows),
                                 dtype=np.int32, count=int(self._offsets[-1]))
        self._sizes = sizes

    def _posting(self, gram: str) -> npt.NDArray[np.int32] | None:
        number = self._grams.get(gram)
        if number is None:
            return None
        return self._rows[self._offsets[number]:self._offsets[number + 1]]

    def __len__(self) -> int:
        """Number of keys indexed."""
        return len(self._sizes)

    def shortlist(self, key: str, size: int) -> Positions:
        """Up to ``size`` positions of the keys sharing most trigrams with ``key``, best first:
        by the share of the smaller side's trigrams they share (a key holding the whole query,
        or held whole by it, comes first), then by their Dice coefficient (the closer in
        length, the better), then by position. Keys sharing no trigram are never listed."""
        query = trigrams(key)
        lists = [found for gram in query if (found := self._posting(gram)) is not None]
        if not lists or size <= 0:
            return np.zeros(0, dtype=np.int64)
        shared = np.bincount(np.concatenate(lists), minlength=len(self._sizes))
        touched = np.flatnonzero(shared)
        common = shared[touched].astype(np.float64)
        sizes = self._sizes[touched]
        overlap = common / np.minimum(sizes, len(query))
        if len(touched) > size:  # sort only the keys that can make the list, ties included
            kept = overlap >= np.partition(overlap, len(touched) - size)[len(touched) - size]
            touched, common, sizes, overlap = (touched[kept], common[kept], sizes[kept],
                                               overlap[kept])
        dice = 2.0 * common / (sizes + len(query))
        order = np.lexsort((touched, -dice, -overlap))[:size]
        shortlisted: Positions = touched[order]
        return shortlisted
