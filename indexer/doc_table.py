"""Filterable fields of every indexed document, as columns, to evaluate ``Filters`` at once.

The vector store knows only ids and vectors; this table turns the portable ``Filters`` into the
allow-list of ids the vector search is restricted to, before its top-k cut. Its semantics are
those of ``Filters.accepts`` (the reference), computed column-wise with numpy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from indexer.stores.protocols import EARTH_RADIUS_KM, Filters, IndexedDoc

_NO_DATE = np.iinfo(np.int64).min


class DocTable:
    """Columns of ``IndexedDoc`` fields, rebuilt lazily after changes."""

    def __init__(self, docs: Iterable[IndexedDoc] = ()) -> None:
        self._docs: dict[str, IndexedDoc] = {doc.id: doc for doc in docs}
        self._built = False
        self._ids: npt.NDArray[np.object_] = np.empty(0, dtype=object)
        self._lat = np.empty(0)
        self._lon = np.empty(0)
        self._created = np.empty(0, dtype=np.int64)
        self._rows_by_contract: dict[str, npt.NDArray[np.int64]] = {}
        self._rows_by_rome: dict[str, npt.NDArray[np.int64]] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def get(self, doc_id: str) -> IndexedDoc | None:
        """The indexed form of one document."""
        return self._docs.get(doc_id)

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        """Add or replace documents."""
        for doc in docs:
            self._docs[doc.id] = doc
        self._built = False

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored."""
        for doc_id in ids:
            self._docs.pop(doc_id, None)
        self._built = False

    def allowed_ids(self, filters: Filters) -> set[str] | None:
        """The ids that pass ``filters``, or None when nothing is filtered."""
        if filters.is_empty():
            return None
        self._build()
        mask = np.ones(len(self._ids), dtype=bool)
        if filters.geo is not None:
            mask &= self._within(filters.geo.center.lat, filters.geo.center.lon,
                                 filters.geo.radius_km)
        if filters.contract_types:
            mask &= self._any_of(self._rows_by_contract, filters.contract_types)
        if filters.rome_codes:
            mask &= self._any_of(self._rows_by_rome, filters.rome_codes)
        if filters.created_after is not None:
            mask &= (self._created != _NO_DATE) & (
                self._created >= _epoch(filters.created_after))
        if filters.created_before is not None:
            mask &= (self._created != _NO_DATE) & (
                self._created <= _epoch(filters.created_before))
        return set(self._ids[mask].tolist())

    def _within(self, lat: float, lon: float, radius_km: float) -> npt.NDArray[np.bool_]:
        lat1, lon1 = np.radians(lat), np.radians(lon)
        lat2, lon2 = np.radians(self._lat), np.radians(self._lon)
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
            (lon2 - lon1) / 2) ** 2
        with np.errstate(invalid="ignore"):
            distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
            result: npt.NDArray[np.bool_] = distance <= radius_km
        return result  # NaN (no location) compares False

    def _any_of(self, rows_by_value: dict[str, npt.NDArray[np.int64]],
                values: frozenset[str]) -> npt.NDArray[np.bool_]:
        mask = np.zeros(len(self._ids), dtype=bool)
        for value in values:
            mask[rows_by_value.get(value, np.empty(0, dtype=np.int64))] = True
        return mask

    def _build(self) -> None:
        if self._built:
            return
        docs = list(self._docs.values())
        self._ids = np.array([doc.id for doc in docs], dtype=object)
        self._lat = np.array([doc.location.lat if doc.location else np.nan for doc in docs])
        self._lon = np.array([doc.location.lon if doc.location else np.nan for doc in docs])
        self._created = np.array(
            [_epoch(doc.created_at) if doc.created_at else _NO_DATE for doc in docs],
            dtype=np.int64)
        self._rows_by_contract = _inverted(docs, lambda doc: doc.contract_types)
        self._rows_by_rome = _inverted(docs, lambda doc: doc.rome_codes)
        self._built = True


def _epoch(moment: datetime) -> int:
    """Seconds since the epoch; a naive time is read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _inverted(docs: list[IndexedDoc], values_of: Callable[[IndexedDoc], tuple[str, ...]]
              ) -> dict[str, npt.NDArray[np.int64]]:
    rows: dict[str, list[int]] = defaultdict(list)
    for row, doc in enumerate(docs):
        for value in values_of(doc):
            rows[value].append(row)
    return {value: np.array(indices, dtype=np.int64) for value, indices in rows.items()}
