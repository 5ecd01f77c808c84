"""Filterable fields of every indexed document, as numpy columns, to evaluate ``Filters`` at once.

The vector store knows only ids and vectors; this table turns the portable ``Filters`` into the
allow-list the vector search is restricted to, before its top-k cut. Its semantics are those
of ``Filters.accepts`` (the reference), computed column-wise with numpy.

One row per stored document, appended on upsert (a replaced or deleted document leaves a dead
row until ``compact``). Besides the filter fields a row holds the document's FAISS label and
where its record lies in ``documents.jsonl`` (offset, length), so the collection keeps no
record in memory. The table is saved as one ``.npz`` file next to the records and loaded
without parsing a record: opening an index of a million offers reads a few arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.atomic import atomic_binary_writer
from indexer.distance import KM_PER_DEGREE, haversine_km_many, longitude_reach
from indexer.models import GeoPoint
from indexer.skill_identity import IDENTITY_SEPARATOR
from indexer.stores.protocols import Filters, IndexedDoc
from indexer.utc import epoch_seconds, from_epoch_seconds

_NO_DATE = np.iinfo(np.int64).min
_ROW_TYPES = (np.float64, np.float64, np.int64, np.int64, np.int64, np.int64)
"""The types of a pending row's fields, as :meth:`DocTable._flush` stores them."""
TABLE_FILE = "table.npz"

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
RowArray = npt.NDArray[np.int32]
"""The row of each entry of a multi-valued column: 4 bytes, not 8 (a table holds far fewer
than 2³¹ rows), which is 124 MB less at 1M GENERATED offers, 15.5 skills and 15.5 skill keys
each (docs/performance.md, "Stop 46")."""


@dataclass(frozen=True, slots=True)
class Columns:
    """What the table knows of some documents without reading their records: enough for the
    matcher to bound a candidate's score before paying for the record. ``found`` gives, for
    each row of the columns, the position of its id in the list asked for (unknown ids are
    left out)."""

    found: IntArray
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    created: npt.NDArray[np.float64]
    """Creation time in seconds since the epoch, NaN when unknown."""
    contracts: Entries
    """Each row's contract types (an offer's own, a seeker's wishes), in the order given."""
    romes: Entries
    """Each row's ROME codes with their confidence (1 for a code the record carries)."""
    skills: Entries | None = None
    """Each row's skills with their weights (:attr:`IndexedDoc.skill_keys`), or None when the
    table was saved before it kept them."""


@dataclass(frozen=True, slots=True)
class Entries:
    """A multi-valued column's values for some rows, flattened: entry ``i`` is the value
    ``vocabulary[codes[i]]``, with weight ``weights[i]``, of the row at position ``owner[i]``
    of those asked for (a row's entries are contiguous, in the order they were added)."""

    owner: IntArray
    codes: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float64]
    vocabulary: Sequence[str]
    code_of: Mapping[str, int]
    """The code of each value of ``vocabulary``."""
    parts: Callable[[str], Mapping[str, Sequence[int]]]
    """Given a separator, each part of the vocabulary's joined values → the codes of the
    values that hold it (:meth:`_Multi.part_index`)."""

    def grouped(self, size: int) -> list[list[tuple[str, float]]]:
        """The entries of each of ``size`` rows as (value, weight) pairs, in order."""
        rows: list[list[tuple[str, float]]] = [[] for _ in range(size)]
        for owner, code, weight in zip(self.owner.tolist(), self.codes.tolist(),
                                       self.weights.tolist(), strict=True):
            rows[owner].append((self.vocabulary[code], weight))
        return rows


FloatArray = npt.NDArray[np.float32]
PACK_EVERY = 65_536
"""Pending entries (of a multi-valued column) or rows (of the table) are packed into arrays
this often: a build of a million offers kept ≈ 20 million Python triples otherwise."""


class _Multi:
    """A multi-valued column (contract types, ROME codes, skill codes): (row, value code,
    weight) triples; the weight is 1 unless given (an inferred occupation's confidence).
    In a ``distinct`` column a row holds a value once (a repeat keeps its first weight)."""

    def __init__(self, distinct: bool = True) -> None:
        self.distinct = distinct
        self.vocabulary: list[str] = []
        self._code_of: dict[str, int] = {}
        self.rows: RowArray = np.empty(0, dtype=np.int32)
        self.codes = np.empty(0, dtype=np.int32)
        self.weights: FloatArray = np.empty(0, dtype=np.float32)
        self._pending: list[tuple[int, int, float]] = []
        self._packed: list[tuple[RowArray, npt.NDArray[np.int32], FloatArray]] = []
        """Entries added since the last flush, packed into arrays every ``PACK_EVERY``
        (a Python triple costs ≈ 70 bytes where the arrays take 16)."""
        self._postings: dict[int, tuple[RowArray, FloatArray]] | None = None
        self._by_row: _ByRow | None = None
        self._parts: tuple[str, int, dict[str, list[int]]] | None = None

    def add(self, row: int, values: Iterable[str], weights: Sequence[float] = ()) -> None:
        """Give ``row`` the ``values`` (in a distinct column, a repeat is dropped)."""
        seen: set[str] = set()
        for position, value in enumerate(values):
            if self.distinct:
                if value in seen:
                    continue
                seen.add(value)
            code = self._code_of.get(value)
            if code is None:
                code = self._code_of[value] = len(self.vocabulary)
                self.vocabulary.append(value)
            weight = weights[position] if position < len(weights) else 1.0
            self._pending.append((row, code, weight))
        if len(self._pending) >= PACK_EVERY:
            self._pack()
        self._postings = None
        self._by_row = None

    def _pack(self) -> None:
        rows, codes, weights = zip(*self._pending, strict=True)
        self._packed.append((np.asarray(rows, dtype=np.int32), np.asarray(codes, dtype=np.int32),
                             np.asarray(weights, dtype=np.float32)))
        self._pending = []

    def flush(self) -> None:
        if self._pending:
            self._pack()
        if self._packed:
            self.rows = np.concatenate([self.rows, *(rows for rows, _, _ in self._packed)])
            self.codes = np.concatenate([self.codes, *(codes for _, codes, _ in self._packed)])
            self.weights = np.concatenate([self.weights,
                                           *(weights for _, _, weights in self._packed)])
            self._packed = []
            self._postings = None
            self._by_row = None

    def _row_index(self) -> _ByRow:
        """The entries sorted by row (stable: a row's values keep their order), with where
        each row's entries start."""
        self.flush()
        if self._by_row is None:
            order = np.argsort(self.rows, kind="stable")
            self._by_row = _ByRow.of(self.rows[order], self.weights[order], self.codes[order])
        return self._by_row

    def part_index(self, separator: str) -> Mapping[str, Sequence[int]]:
        """Each ``separator``-joined part of the vocabulary's values → the codes of the values
        that hold it (extended with the values added since the last call)."""
        built = self._parts
        size = len(self.vocabulary)
        if built is None or built[0] != separator:
            built = (separator, 0, {})
        if built[1] < size:
            index = built[2]
            for code in range(built[1], size):
                for part in self.vocabulary[code].split(separator):
                    index.setdefault(part, []).append(code)
            built = (separator, size, index)
        self._parts = built
        return built[2]

    def entries(self, rows: IntArray) -> Entries:
        """The values of ``rows`` with their weights, flattened (the cost follows ``rows``)."""
        by_row = self._row_index()
        positions, counts = by_row.positions(rows)
        return Entries(np.repeat(np.arange(len(rows)), counts), by_row.codes[positions],
                       by_row.weights[positions].astype(np.float64), self.vocabulary,
                       self._code_of, self.part_index)

    def postings(self, value: str) -> tuple[RowArray, FloatArray]:
        """The rows holding ``value`` and its weight in each (all rows, dead ones included)."""
        postings = self._all_postings()
        code = self._code_of.get(value)
        if code is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        return postings[code]

    def prepare(self) -> None:
        """Build the postings and the row order now rather than on the first search."""
        self._all_postings()
        self._row_index()

    def _all_postings(self) -> dict[int, tuple[RowArray, FloatArray]]:
        self.flush()
        if self._postings is None:
            order = np.argsort(self.codes, kind="stable")
            codes, rows, weights = self.codes[order], self.rows[order], self.weights[order]
            bounds = np.searchsorted(codes, np.arange(len(self.vocabulary) + 1))
            self._postings = {code: (rows[bounds[code]:bounds[code + 1]],
                                     weights[bounds[code]:bounds[code + 1]])
                              for code in range(len(self.vocabulary))}
        return self._postings

    def gather(self, weights: Mapping[str, float], weighted: bool
               ) -> tuple[RowArray, npt.NDArray[np.float64]]:
        """The rows holding each of the values ``weights`` names, concatenated, with the
        value's weight (× the row's own weight in it when ``weighted``) for each."""
        rows: list[RowArray] = []
        values: list[npt.NDArray[np.float64]] = []
        for value, weight in weights.items():
            held, own = self.postings(value)
            rows.append(held)
            values.append(weight * own.astype(np.float64) if weighted
                          else np.full(len(held), weight, dtype=np.float64))
        if not rows:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        return np.concatenate(rows), np.concatenate(values)

    def mask(self, values: Iterable[str], size: int) -> BoolArray:
        mask = np.zeros(size, dtype=bool)
        for value in values:
            mask[self.postings(value)[0]] = True
        return mask

    def remap(self, keep: BoolArray, new_row: IntArray) -> None:
        self.flush()
        alive = keep[self.rows]
        self.rows = new_row[self.rows[alive]].astype(np.int32)
        self.codes = self.codes[alive]
        self.weights = self.weights[alive]
        self._postings = None
        self._by_row = None

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[np.generic]]:
        self.flush()
        return {f"{prefix}_rows": self.rows, f"{prefix}_codes": self.codes,
                f"{prefix}_weights": self.weights,
                f"{prefix}_vocabulary": np.array(self.vocabulary, dtype=str)}

    @classmethod
    def from_arrays(cls, data: np.lib.npyio.NpzFile, prefix: str, distinct: bool = True
                    ) -> _Multi:
        column = cls(distinct)
        column.vocabulary = data[f"{prefix}_vocabulary"].tolist()
        column._code_of = {value: code for code, value in enumerate(column.vocabulary)}
        column.rows = data[f"{prefix}_rows"].astype(np.int32)  # int64 in older tables
        column.codes = data[f"{prefix}_codes"].astype(np.int32)
        column.weights = data[f"{prefix}_weights"].astype(np.float32)
        return column


@dataclass(frozen=True, slots=True)
class _ByRow:
    """A multi-valued column's entries sorted by row, in compressed sparse row form: the
    entries of row ``r`` lie at ``starts[r]:starts[r + 1]``, so finding a request's rows costs
    two reads each, not two binary searches over every entry of the column."""

    codes: npt.NDArray[np.int32]
    weights: FloatArray
    starts: npt.NDArray[np.int32] | IntArray
    """Where each row's entries start, for rows 0 to the last holding one, plus one past."""

    @classmethod
    def of(cls, sorted_rows: RowArray, weights: FloatArray, codes: npt.NDArray[np.int32]
           ) -> _ByRow:
        """Index entries already sorted by row (``sorted_rows``, ascending)."""
        last = int(sorted_rows[-1]) if len(sorted_rows) else -1
        starts: IntArray = np.searchsorted(sorted_rows, np.arange(last + 2))
        if len(sorted_rows) <= np.iinfo(np.int32).max:
            return cls(codes, weights, starts.astype(np.int32))  # 4 bytes a row: 4 MB at 1M
        return cls(codes, weights, starts)

    def positions(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """Where the entries of each of ``rows`` lie (concatenated, row after row) and how
        many each row has (0 for a row past the last one holding entries)."""
        end = len(self.starts) - 1
        starts = self.starts[np.minimum(rows, end)]
        counts = self.starts[np.minimum(rows + 1, end)] - starts
        offsets = np.cumsum(counts) - counts
        positions: IntArray = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        return positions, counts


def _touched_rows(size: int, *postings: RowArray) -> tuple[RowArray, npt.NDArray[np.int32]]:
    """The distinct rows of ``postings`` (a table of ``size`` rows), ascending, and a
    table-sized array that gives each of them its position there (what it holds at other
    rows is undefined).

    Sorting the postings and numbering them through a scratch array costs ≈ 1.2 ms less at
    1M rows than marking them in a table-sized mask and listing its set rows, whose
    ``nonzero`` over a million scattered flags alone took ≈ 1 ms (docs/performance.md,
    "Stop 38")."""
    touched = np.sort(np.concatenate(postings))
    first = np.empty(len(touched), dtype=bool)
    first[:1] = True
    np.not_equal(touched[1:], touched[:-1], out=first[1:])
    rows: RowArray = touched[first]
    slot = np.empty(size, dtype=np.int32)  # untouched pages are never written
    slot[rows] = np.arange(len(rows), dtype=np.int32)
    return rows, slot


class DocTable:
    """Columns of ``IndexedDoc`` fields plus each row's vector label and record location."""

    def __init__(self, docs: Iterable[IndexedDoc] = ()) -> None:
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._alive = np.empty(0, dtype=bool)
        self._lat = np.empty(0)
        self._lon = np.empty(0)
        self._created = np.empty(0, dtype=np.int64)
        self._label = np.empty(0, dtype=np.int64)
        self._offset = np.empty(0, dtype=np.int64)
        self._length = np.empty(0, dtype=np.int64)
        self._pending: list[tuple[float, float, int, int, int, int]] = []
        """Rows added since the last flush: latitude, longitude, creation (epoch seconds),
        vector label, record offset and length; packed every ``PACK_EVERY`` rows."""
        self._packed_rows: list[list[npt.NDArray[Any]]] = []
        self._dead_pending: list[int] = []
        self._contracts = _Multi()
        self._romes = _Multi()
        self._skills = _Multi()
        self._skill_keys = _Multi(distinct=False)
        """What each row asks, in order, a skill asked twice included (the bounds count it)."""
        self._skill_keys_known = True
        """False for a table saved before it kept the skill keys (until it is rebuilt)."""
        self._labels_ok: bool | None = None
        self._writes = 0
        """Bumped by every write: what the memoised filter mask was computed at."""
        self._last_mask: tuple[Filters, int, BoolArray] | None = None
        self._latitude_order: tuple[IntArray, npt.NDArray[np.float64]] | None = None
        self.upsert(docs)

    # --- reads --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    @property
    def rows(self) -> int:
        """Rows, dead ones included."""
        return len(self._ids)

    def ids(self) -> list[str]:
        """Live ids in row order (an id replaced by an upsert moves to the end)."""
        self._flush()
        return [self._ids[row] for row in np.flatnonzero(self._alive).tolist()]

    def location(self, doc_id: str) -> tuple[int, int] | None:
        """(offset, length) of a document's record, or None."""
        row = self._row_of.get(doc_id)
        if row is None:
            return None
        self._flush()
        return int(self._offset[row]), int(self._length[row])

    def columns(self, ids: Sequence[str]) -> Columns:
        """The filter columns of the known ``ids``, without any record read."""
        self._flush()
        looked_up = np.fromiter(map(self._row_of.get, ids, repeat(-1)), np.int64, len(ids))
        found = np.flatnonzero(looked_up >= 0)
        rows = looked_up[found]
        created = self._created[rows].astype(np.float64)
        created[self._created[rows] == _NO_DATE] = np.nan
        return Columns(found, self._lat[rows], self._lon[rows], created,
                       self._contracts.entries(rows), self._romes.entries(rows),
                       self._skill_keys.entries(rows) if self._skill_keys_known else None)

    def newest_created(self) -> datetime | None:
        """The latest creation time of the live documents, or None when none has one."""
        self._flush()
        created = self._created[self._alive]
        created = created[created != _NO_DATE]
        return from_epoch_seconds(int(created.max())) if len(created) else None

    def occupation_postings(self, rome_code: str) -> tuple[RowArray, FloatArray]:
        """The live rows whose occupations include ``rome_code``, with its confidence there."""
        self._flush()
        rows, weights = self._romes.postings(rome_code)
        alive = self._alive[rows]
        return rows[alive], weights[alive]

    def skill_postings(self, code: str) -> RowArray:
        """The live rows whose skills (listed or read from the text) include ``code``."""
        self._flush()
        rows = self._skills.postings(code)[0]
        live: RowArray = rows[self._alive[rows]]
        return live

    def skill_frequency(self, code: str) -> int:
        """How many live rows hold the skill ``code``."""
        return len(self.skill_postings(code))

    def concept_scores(self, occupations: Mapping[str, float], skills: Mapping[str, float],
                       occupation_share: float, allowed: BoolArray | None = None
                       ) -> tuple[RowArray, npt.NDArray[np.float64]]:
        """Live rows (those of ``allowed`` when given, a mask from :meth:`allowed_mask`)
        holding any of the ``occupations`` or ``skills``, in row order, each scored
        ``occupation_share`` × (the best code weight × the row's confidence in that code) +
        (1 − ``occupation_share``) × (the share of the skills' weight the row holds).

        The postings are combined over the rows they touch only, numbered in row order
        (:func:`_touched_rows`): the cost follows the postings, not the table."""
        self._flush()
        occupation_rows, occupation_values = self._romes.gather(occupations, weighted=True)
        skill_rows, skill_values = self._skills.gather(skills, weighted=False)
        rows, slot = _touched_rows(len(self._ids), occupation_rows, skill_rows)
        occupation = np.zeros(len(rows), dtype=np.float64)
        np.maximum.at(occupation, slot[occupation_rows], occupation_values)
        total = sum(skills.values())
        skill = np.bincount(slot[skill_rows], weights=skill_values / total if total > 0 else
                            skill_values, minlength=len(rows))
        live = (self._alive if allowed is None else allowed)[rows]
        scores = (occupation_share * occupation[live]
                  + (1.0 - occupation_share) * skill[live])
        rows = rows[live]
        keep = scores > 0
        return rows[keep], scores[keep]

    def count_with_occupations(self, codes: Iterable[str], filters: Filters,
                               min_confidence: float = 0.0, excluding: Iterable[str] = ()
                               ) -> int:
        """How many live documents that pass ``filters`` hold one of the occupations
        ``codes`` with at least ``min_confidence``, the ids ``excluding`` left out."""
        self._flush()
        holding = np.zeros(len(self._ids), dtype=bool)
        for code in codes:
            rows, confidence = self._romes.postings(code)
            holding[rows[confidence >= min_confidence]] = True
        for doc_id in excluding:
            row = self._row_of.get(doc_id)
            if row is not None:
                holding[row] = False
        allowed = self.allowed_mask(filters)
        holding &= self._alive if allowed is None else allowed
        return int(holding.sum())

    def prepare_reads(self) -> None:
        """Build now what the first searches would otherwise build and pay for: each
        multi-valued column's postings and row order, the skill keys' identity index and the
        rows' latitude order (at 1M offers about a second, most of it sorting the skill
        entries)."""
        self._flush()
        for column in self._multis():
            column.prepare()
        self._skill_keys.part_index(IDENTITY_SEPARATOR)
        self._by_latitude()

    def id_of(self, row: int) -> str:
        """The id of a row."""
        return self._ids[row]

    def has_labels(self) -> bool:
        """Whether every live row knows its vector label."""
        self._flush()
        if self._labels_ok is None:
            self._labels_ok = bool((self._label[self._alive] >= 0).all())
        return self._labels_ok

    # --- writes -------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[IndexedDoc], labels: Sequence[int] | None = None,
               locations: Sequence[tuple[int, int]] | None = None) -> None:
        """Add or replace documents, with their vector labels and record locations."""
        self._labels_ok = None
        self._writes += 1
        for index, doc in enumerate(docs):
            old = self._row_of.get(doc.id)
            if old is not None:
                self._dead_pending.append(old)
            row = len(self._ids)
            self._ids.append(doc.id)
            self._row_of[doc.id] = row
            offset, length = locations[index] if locations is not None else (-1, -1)
            self._pending.append((
                doc.location.lat if doc.location else np.nan,
                doc.location.lon if doc.location else np.nan,
                epoch_seconds(doc.created_at) if doc.created_at else _NO_DATE,
                labels[index] if labels is not None else -1,
                offset, length))
            if len(self._pending) >= PACK_EVERY:
                self._pack_rows()
            self._contracts.add(row, doc.contract_types)
            self._romes.add(row, doc.rome_codes, doc.occupation_weights)
            self._skills.add(row, doc.skill_codes)
            self._skill_keys.add(row, doc.skill_keys, doc.skill_key_weights)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored."""
        self._writes += 1
        for doc_id in ids:
            row = self._row_of.pop(doc_id, None)
            if row is not None:
                self._dead_pending.append(row)

    # --- filters ------------------------------------------------------------------------------

    def allowed_mask(self, filters: Filters) -> BoolArray | None:
        """A read-only boolean mask over rows of the live documents that pass ``filters``,
        or None when nothing is filtered. The last one is kept until the next write: one
        request asks it of the keyword, vector and concept channels (a 30 km radius at 1M
        offers: ≈ 2.8 ms, 7.6 before the latitude order and the longitude reach)."""
        if filters.is_empty():
            return None
        self._flush()
        writes, last = self._writes, self._last_mask
        if last is not None and last[1] == writes and last[0] == filters:
            return last[2]
        mask = self._filter_mask(filters)
        mask.flags.writeable = False
        self._last_mask = (filters, writes, mask)
        return mask

    def _filter_mask(self, filters: Filters) -> BoolArray:
        mask = self._alive.copy()
        if filters.contract_types:
            mask &= self._contracts.mask(filters.contract_types, len(mask))
        if filters.rome_codes:
            mask &= self._romes.mask(filters.rome_codes, len(mask))
        if filters.created_after is not None:
            mask &= (self._created != _NO_DATE) & (
                self._created >= epoch_seconds(filters.created_after))
        if filters.created_before is not None:
            mask &= (self._created != _NO_DATE) & (
                self._created <= epoch_seconds(filters.created_before))
        if filters.geo is not None:
            mask &= self._within(mask, filters.geo.center.lat, filters.geo.center.lon,
                                 filters.geo.radius_km)
        return mask

    def allowed_ids(self, filters: Filters) -> set[str] | None:
        """The ids that pass ``filters``, or None when nothing is filtered."""
        mask = self.allowed_mask(filters)
        if mask is None:
            return None
        return {self._ids[row] for row in np.flatnonzero(mask).tolist()}

    def allowed_share(self, mask: BoolArray) -> float:
        """The share of the live documents in ``mask`` (from :meth:`allowed_mask`)."""
        return int(np.count_nonzero(mask)) / len(self) if len(self) else 0.0

    def in_mask(self, ids: Sequence[str], mask: BoolArray) -> list[bool]:
        """Whether each of ``ids`` is a row of ``mask`` (an unknown id is not)."""
        rows = [self._row_of.get(doc_id) for doc_id in ids]
        return [row is not None and bool(mask[row]) for row in rows]

    def labels(self, mask: BoolArray) -> IntArray:
        """The vector labels of the rows in ``mask`` (in row order)."""
        labels: IntArray = self._label[mask]
        return labels

    def _within(self, candidates: BoolArray, lat: float, lon: float, radius_km: float
                ) -> BoolArray:
        """Rows of ``candidates`` within ``radius_km`` (great circle), checked exactly only
        inside the latitude band that contains the circle, read from the rows sorted by
        latitude: the cost follows the band, not the table."""
        band = radius_km / KM_PER_DEGREE + 1e-6
        order, latitudes = self._by_latitude()
        low = int(np.searchsorted(latitudes, lat - band, side="left"))
        high = int(np.searchsorted(latitudes, lat + band, side="right"))
        rows = order[low:high]  # a row without a location sorts last (NaN): never in the band
        rows = rows[candidates[rows]]
        reach = longitude_reach(lat, band)
        if reach is not None:  # and inside the longitudes the circle spans (across ±180°)
            rows = rows[np.abs((self._lon[rows] - lon + 180.0) % 360.0 - 180.0) <= reach]
        distance = haversine_km_many(self._lat[rows], self._lon[rows],
                                     GeoPoint.model_construct(lat=lat, lon=lon))
        result = np.zeros(len(candidates), dtype=bool)
        result[rows[distance <= radius_km]] = True
        return result

    def _by_latitude(self) -> tuple[IntArray, npt.NDArray[np.float64]]:
        """Every row sorted by latitude (rows without one last), with the sorted latitudes;
        computed again only after rows were added or compacted."""
        if self._latitude_order is None or len(self._latitude_order[0]) != len(self._lat):
            order = np.argsort(self._lat, kind="stable")
            self._latitude_order = (order, self._lat[order])
        return self._latitude_order

    # --- persistence --------------------------------------------------------------------------

    def garbage(self) -> float:
        """Share of dead rows."""
        return 1.0 - len(self) / self.rows if self.rows else 0.0

    def compact(self, locations: Sequence[tuple[int, int]] | None = None) -> None:
        """Drop dead rows (keeping row order); ``locations`` gives the live rows' new record
        locations, in row order."""
        self._flush()
        self._writes += 1
        keep = self._alive
        new_row = np.cumsum(keep) - 1
        self._ids = [self._ids[row] for row in np.flatnonzero(keep).tolist()]
        self._row_of = {doc_id: row for row, doc_id in enumerate(self._ids)}
        self._lat, self._lon = self._lat[keep], self._lon[keep]
        self._created, self._label = self._created[keep], self._label[keep]
        self._offset, self._length = self._offset[keep], self._length[keep]
        if locations is not None:
            self._offset = np.array([o for o, _ in locations], dtype=np.int64)
            self._length = np.array([n for _, n in locations], dtype=np.int64)
        for column in self._multis():
            column.remap(keep, new_row)
        self._alive = np.ones(len(self._ids), dtype=bool)
        self._latitude_order = None

    def save(self, directory: Path) -> None:
        """Write the columns to ``directory/table.npz`` atomically."""
        self._flush()
        arrays: dict[str, Any] = {
            "ids": np.array(self._ids, dtype=str), "alive": self._alive, "lat": self._lat,
            "lon": self._lon, "created": self._created, "label": self._label,
            "offset": self._offset, "length": self._length,
            **self._contracts.arrays("contract"), **self._romes.arrays("rome"),
            **self._skills.arrays("skill"),
            **(self._skill_keys.arrays("skillkey") if self._skill_keys_known else {})}
        with atomic_binary_writer(directory / TABLE_FILE) as stream:
            np.savez(stream, **arrays)

    @classmethod
    def load(cls, directory: Path) -> DocTable | None:
        """The table saved in ``directory``, or None when there is none."""
        path = directory / TABLE_FILE
        if not path.exists():
            return None
        table = cls()
        table._labels_ok = None
        with np.load(path, allow_pickle=False) as data:
            table._ids = data["ids"].tolist()
            table._alive = data["alive"]
            table._lat, table._lon = data["lat"], data["lon"]
            table._created, table._label = data["created"], data["label"]
            table._offset, table._length = data["offset"], data["length"]
            table._contracts = _Multi.from_arrays(data, "contract")
            table._romes = _Multi.from_arrays(data, "rome")
            table._skills = _Multi.from_arrays(data, "skill")
            table._skill_keys_known = "skillkey_rows" in data.files
            if table._skill_keys_known:
                table._skill_keys = _Multi.from_arrays(data, "skillkey", distinct=False)
        alive = np.flatnonzero(table._alive).tolist()
        table._row_of = {table._ids[row]: row for row in alive}
        return table

    def _pack_rows(self) -> None:
        """Turn the pending rows into one array per column (``_ROW_TYPES``)."""
        columns = zip(*self._pending, strict=True)
        self._packed_rows.append([np.asarray(values, dtype=dtype)
                                  for values, dtype in zip(columns, _ROW_TYPES, strict=True)])
        self._pending = []

    def _flush(self) -> None:
        if self._pending or self._packed_rows or self._dead_pending:
            self._writes += 1
        if self._pending:
            self._pack_rows()
        if self._packed_rows:
            packed = [np.concatenate(parts) for parts in zip(*self._packed_rows, strict=True)]
            self._lat, self._lon, self._created, self._label, self._offset, self._length = (
                np.concatenate([current, added]) for current, added in zip(
                    (self._lat, self._lon, self._created, self._label, self._offset,
                     self._length), packed, strict=True))
            self._alive = np.concatenate([self._alive, np.ones(len(packed[0]), bool)])
            self._packed_rows = []
        if self._dead_pending:
            self._alive[np.asarray(self._dead_pending, dtype=np.int64)] = False
            self._dead_pending = []
        for column in self._multis():
            column.flush()

    def _multis(self) -> tuple[_Multi, ...]:
        return self._contracts, self._romes, self._skills, self._skill_keys

