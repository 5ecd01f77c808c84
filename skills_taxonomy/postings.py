"""Posting lists in one block (compressed sparse rows): token → the rows holding it and a
weight per row.

The label and occupation indexes of concept reading hold tens of thousands of tokens. Kept as a
dict of small numpy arrays, each token costs two array objects to build, pickle and load; here
every list is a slice of two flat arrays, and the token → position dict is all that holds
Python objects, so the reader's cached state loads several times faster. Slices are views: a
look-up allocates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

Rows = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float64]


class Postings:
    """Read-only posting lists (see module doc)."""

    def __init__(self, lists: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]]) -> None:
        """``lists``: token → (rows, weights) of equal lengths, in the order to keep."""
        self._position = {token: index for index, token in enumerate(lists)}
        rows = [np.asarray(r, dtype=np.int64).reshape(-1) for r, _ in lists.values()]
        weights = [np.asarray(w, dtype=np.float64).reshape(-1) for _, w in lists.values()]
        for token, r, w in zip(lists, rows, weights, strict=True):
            if len(r) != len(w):
                raise ValueError(f"token {token!r}: {len(r)} rows but {len(w)} weights")
        self._offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=self._offsets[1:])
        self._rows: Rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        self._weights: Weights = (np.concatenate(weights) if weights
                                  else np.zeros(0, dtype=np.float64))

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, token: object) -> bool:
        return token in self._position

    def get(self, token: str) -> tuple[Rows, Weights] | None:
        """The rows holding ``token`` and their weights (views), or None for an unknown token."""
        index = self._position.get(token)
        if index is None:
            return None
        start, end = self._offsets[index], self._offsets[index + 1]
        return self._rows[start:end], self._weights[start:end]

    def gather(self, tokens: Iterable[tuple[str, float]]) -> tuple[Rows, Weights]:
        """The rows of each known token's list, one list after the other in the order of
        ``tokens`` (rows repeat across lists), and their weights times the token's
        multiplier. ``np.bincount(rows, weights)`` then sums a row's weights in that order,
        as adding list after list would."""
        rows: list[Rows] = []
        weights: list[Weights] = []
        for token, multiplier in tokens:
            index = self._position.get(token)
            if index is not None:
                start, end = self._offsets[index], self._offsets[index + 1]
                rows.append(self._rows[start:end])
                weights.append(self._weights[start:end] * multiplier)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(rows), np.concatenate(weights)
