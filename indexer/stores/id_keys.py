"""Document ids by a 64-bit key, which the embedded keyword store indexes as a fast field so
that a hit's id is read from a column instead of the document store.

Reading an id back from tantivy's document store decompresses the block that holds it: at
1M offers, the 200 ids of one request cost 0.82 ms that way, against 0.12 ms for their keys
(one fast-field read) resolved here (docs/performance.md, "Stop 39"). The key is a hash of
the id (:func:`id_key`), so it needs no counter and stays the same through segment merges
and reloads; :class:`IdsByKey` maps it back. A key it cannot map with certainty (not read
yet, of a removed id, or shared by two ids) maps to None, and the caller reads the document
store as before: the map speeds searches up, and does not change what they return. (Only a
document the map never saw, written into the same folder by another process, whose key
equals a mapped id's, would be misread; a live generation's folder is not written again,
and the odds of two equal keys among n ids are about n² / 2⁶⁵: 3 · 10⁻⁸ at 1M.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

KEY_FIELD = "key"
"""The keyword store's fast field that holds :func:`id_key` of each document's id."""


def id_key(doc_id: str) -> int:
    """A stable signed 64-bit key of ``doc_id`` (the first 8 bytes of its BLAKE2b hash)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass(frozen=True, slots=True)
class _Packed:
    """Ids read from an index: their keys sorted, and the ids in that order as one UTF-8
    buffer, id ``i`` at ``blob[ends[i]:ends[i + 1]]``."""

    keys: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    blob: bytes

    def id_at(self, position: int) -> str:
        return self.blob[int(self.ends[position]):int(self.ends[position + 1])].decode("utf-8")


_EMPTY = _Packed(np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64), b"")


class IdsByKey:
    """The id of each key: a packed part read from a whole index once (:meth:`load`: sorted
    keys, and the ids as one UTF-8 buffer with their end offsets, ≈ 30 bytes an id), and the
    ids added since in a dict. Writes are recorded from :meth:`begin_load` on only: a store
    built from scratch holds no map of its million ids, which no search would read. Safe for
    one writer beside readers (the packed part is replaced whole, never changed)."""

    def __init__(self) -> None:
        self._read = _EMPTY  # replaced whole by a load, so a reader sees one or the other
        self._added: dict[int, str] = {}
        self._unusable: set[int] = set()
        """Keys of removed ids, and keys two ids share: mapped to None."""
        self._shared: set[int] = set()
        """Keys two different ids share (kept unusable for good)."""
        self._recording = False
        self.loaded = False

    def __len__(self) -> int:
        return len(self._read.keys) + len(self._added)

    def begin_load(self) -> None:
        """Record the writes from now on: call it before reading the index that
        :meth:`load` is given, so that what is written meanwhile keeps its state."""
        self._recording = True

    def load(self, keys: Sequence[int | None], ids: Sequence[str]) -> None:
        """Replace the packed part with ``ids`` and their ``keys`` (None: a document without
        a key, skipped), as read from an index; ids added or removed since
        :meth:`begin_load` keep their state."""
        pairs = sorted((key, doc_id) for key, doc_id in zip(keys, ids, strict=True)
                       if key is not None)
        packed = np.fromiter((key for key, _ in pairs), dtype=np.int64, count=len(pairs))
        for position in np.flatnonzero(packed[1:] == packed[:-1]).tolist():
            if pairs[position][1] != pairs[position + 1][1]:
                self._share(int(packed[position]))
        encoded = [doc_id.encode("utf-8") for _, doc_id in pairs]
        ends = np.zeros(len(encoded) + 1, dtype=np.int64)
        ends[1:] = np.cumsum([len(raw) for raw in encoded])
        self._read = _Packed(packed, ends, b"".join(encoded))
        self._recording = self.loaded = True

    def add(self, doc_id: str) -> None:
        """Map ``doc_id``'s key to it (a key another id holds becomes unusable); nothing
        before :meth:`begin_load`."""
        if not self._recording:
            return
        key = id_key(doc_id)
        known = self._added.get(key) or self._read_id(key)
        if known is not None and known != doc_id:
            self._share(key)
            return
        self._added[key] = doc_id
        if key not in self._shared:
            self._unusable.discard(key)

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id``: its key maps to None until the id is added again (nothing
        before :meth:`begin_load`)."""
        if not self._recording:
            return
        key = id_key(doc_id)
        self._added.pop(key, None)
        self._unusable.add(key)

    def ids_of(self, keys: Sequence[int | None]) -> list[str | None]:
        """The id of each key, or None where it is unknown, removed or shared."""
        packed = self._read
        found: list[str | None] = [None] * len(keys)
        if len(packed.keys):
            wanted = np.array([0 if key is None else key for key in keys], dtype=np.int64)
            positions = np.minimum(np.searchsorted(packed.keys, wanted), len(packed.keys) - 1)
            hits = np.flatnonzero(packed.keys[positions] == wanted).tolist()
            starts = packed.ends[positions[hits]].tolist()
            ends = packed.ends[positions[hits] + 1].tolist()
            blob = packed.blob
            for slot, start, end in zip(hits, starts, ends, strict=True):
                if keys[slot] is not None:
                    found[slot] = blob[start:end].decode("utf-8")
        added, unusable = self._added, self._unusable
        if added or unusable:
            for slot, key in enumerate(keys):
                if key in unusable:
                    found[slot] = None
                elif key in added:
                    found[slot] = added[key]
        return found

    def _read_id(self, key: int) -> str | None:
        packed = self._read
        position = int(np.searchsorted(packed.keys, key))
        if position < len(packed.keys) and int(packed.keys[position]) == key:
            return packed.id_at(position)
        return None

    def _share(self, key: int) -> None:
        self._shared.add(key)
        self._unusable.add(key)
        self._added.pop(key, None)
