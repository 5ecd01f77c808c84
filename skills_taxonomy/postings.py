"""Posting lists in one block (compressed sparse rows): token → the rows holding it and a
weight per row.

The label and occupation indexes of concept reading hold tens of thousands of tokens. Kept as a
dict of small numpy arrays, each token costs two array objects to build, pickle and load; here
every list is a slice of two flat arrays, and the token → position dict is all that holds
Python objects, so the reader's cached state loads several times faster. Slices are views: a
look-up allocates nothing. The list boundaries are also kept as Python integers (not pickled,
rebuilt on load): slicing with them costs a third of slicing with numpy scalars, and a reading
gathers tens of thousands of lists.
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
        self._bounds: list[int] = self._offsets.tolist()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_bounds"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._bounds = self._offsets.tolist()

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, token: object) -> bool:
        return token in self._position

    def get(self, token: str) -> tuple[Rows, Weights] | None:
        """The rows holding ``token`` and their weights (views), or None for an unknown token."""
        index = self._position.get(token)
        if index is None:
            return None
        start, end = self._bounds[index], self._bounds[index + 1]
        return self._rows[start:end], self._weights[start:end]

    @classmethod
    def joined(cls, first: Postings, second: Postings, offset: int) -> Postings:
        """One set of lists holding, per token, ``first``'s rows then ``second``'s rows plus
        ``offset`` (each with its weights): two indexes looked up with one gather."""
        tokens = list(dict.fromkeys([*first._position, *second._position]))
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        lists: dict[str, tuple[Rows, Weights]] = {}
        for token in tokens:
            rows_1, weights_1 = first.get(token) or empty
            rows_2, weights_2 = second.get(token) or empty
            lists[token] = (np.concatenate((rows_1, rows_2 + offset)),
                            np.concatenate((weights_1, weights_2)))
        return cls(lists)

    def gather(self, tokens: Iterable[tuple[str, float]]) -> tuple[Rows, Weights]:
        """The rows of each known token's list, one list after the other in the order of
        ``tokens`` (rows repeat across lists), and their weights times the token's
        multiplier. ``np.bincount(rows, weights)`` then sums a row's weights in that order,
        as adding list after list would."""
        rows: list[Rows] = []
        weights: list[Weights] = []
        bounds, position = self._bounds, self._position
        for token, multiplier in tokens:
            index = position.get(token)
            if index is not None:
                start, end = bounds[index], bounds[index + 1]
                rows.append(self._rows[start:end])
                listed = self._weights[start:end]
                weights.append(listed if multiplier == 1.0 else listed * multiplier)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(rows), np.concatenate(weights)
