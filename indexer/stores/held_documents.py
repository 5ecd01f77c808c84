"""Documents a keyword store holds before writing them in curve order, in one buffer.

``TantivyKeywordStore.add_new`` writes a fresh generation's documents in blocks sorted by
the curve key of their place (:mod:`indexer.geo_cells`). Holding a block as tantivy
documents cost ≈ 8–11 KB each at 1M GENERATED offers (the documents' Rust values, and the
Python heap the held objects kept fragmented): 32,768 of them added ≈ 270 MiB to the
build's peak, over its 4 GB target. Here a held document is its searchable fields,
marshalled into one growing buffer (≈ 2 KB each: the texts as UTF-8), with its curve key
and end offset in two lists; the buffer is one allocation, given back whole once the
block is written (docs/performance.md, stop 34).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from typing import NamedTuple

from indexer.stores.protocols import IndexedDoc
from indexer.utc import epoch_micros


class DocumentFields(NamedTuple):
    """What a keyword store indexes of one document, in values ``marshal`` can write."""

    id: str
    title: str
    text: str
    concept_text: str
    rome_codes: tuple[str, ...]
    skill_codes: tuple[str, ...]
    contract_types: tuple[str, ...]
    concepts: tuple[str, ...]
    lat: float | None
    lon: float | None
    created_micros: int | None

    @classmethod
    def of(cls, doc: IndexedDoc) -> DocumentFields:
        """The fields of ``doc`` a keyword store indexes."""
        location = doc.location
        return cls(
            doc.id, doc.title, doc.text, doc.concept_text, doc.rome_codes, doc.skill_codes,
            doc.contract_types, doc.concepts,
            None if location is None else float(location.lat),
            None if location is None else float(location.lon),
            None if doc.created_at is None else epoch_micros(doc.created_at))


class HeldDocuments:
    """A block of held documents: their fields marshalled end to end in one buffer."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends: list[int] = []
        self._keys: list[int] = []

    def __len__(self) -> int:
        return len(self._keys)

    def hold(self, key: int, fields: DocumentFields) -> None:
        """Keep ``fields`` under the sort key ``key``."""
        self._buffer += marshal.dumps(tuple(fields))
        self._ends.append(len(self._buffer))
        self._keys.append(key)

    def in_key_order(self) -> Iterator[DocumentFields]:
        """The held fields by ascending key, in holding order within a key (a stable sort).
        Read once: the caller drops the block afterwards."""
        order = sorted(range(len(self._keys)), key=self._keys.__getitem__)
        with memoryview(self._buffer) as view:
            for position in order:
                start = self._ends[position - 1] if position else 0
                yield DocumentFields._make(marshal.loads(view[start:self._ends[position]]))
