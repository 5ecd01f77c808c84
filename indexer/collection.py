"""One searchable collection (offers, or profiles): records, keyword store, vector store.

Records live on disk, not in memory: ``documents.jsonl`` holds one JSON line per record and
the collection's :class:`~indexer.doc_table.DocTable` (``table.npz``) knows each live record's
offset and length, its vector label and its filter fields. ``get`` reads one line (``pread``)
and validates it, behind a small LRU cache, so serving a million offers keeps only the
columns in memory. A writer (working on a copy of the live generation) appends new records
to the file; replaced records leave dead lines that ``write_records`` compacts away once they
are more than a quarter of the file.

A collection whose keyword store and table are both empty when it first writes (a fresh
generation: ``emploi index --rebuild``, or a first build) knows that every id its table does
not hold is new to the store too, since both change only through it: those documents go to
the store's ``add_new`` when it has one (no replace check per document), repeated ids to
``upsert``.

Filters that keep most documents (``POST_FILTER_MIN_SHARE``) are applied to a deeper
unfiltered top by the table's mask, where filtering inside the search costs more: a keyword
store whose filter clauses add an intersection to the disjunction it scores (tantivy), and
the FAISS store
(an IVF search with an allow-list probes more lists). The filtered search answers whenever
that deeper top holds too few. Other filters are applied inside each store's search.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import IO, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from indexer.atomic import atomic_binary_writer
from indexer.doc_table import BoolArray, Columns, DocTable
from indexer.stores.protocols import (
    AppendableKeywordStore,
    DocumentVectorStore,
    Filters,
    Hit,
    IndexedDoc,
    KeywordQuery,
    KeywordStore,
    LabelledVectorStore,
    PostFilteringKeywordStore,
    ReadPreparingStore,
    VectorStore,
)
from skills_taxonomy.lru import LruCache

ModelT = TypeVar("ModelT", bound=BaseModel)
ViewT = TypeVar("ViewT")

DOCUMENTS_FILE = "documents.jsonl"
LRU_SIZE = 512
"""Records kept decoded, per collection. Enough for a page that shows the records it just
ranked; not many more, because every kept record is a few dozen live objects that each full
garbage collection walks (4,096 per collection made full collections of 80–190 ms at 100k
offers, 512 makes them ≤ 17 ms, for the same median latency: distinct seekers seldom share
candidates). Code that walks every record (a select list, the analytics snapshot) holds
them itself: through :meth:`Collection.get`, a walk over more records than this decodes
them all again each time (iterating the collection keeps none)."""
VIEW_SIZE = 4096
"""Views of records (what a page shows of one, :meth:`Collection.view`) kept per kind of
view. A view is a few plain values, which full garbage collections walk once or not at all,
so far more of them are kept than decoded records."""
COMPACT_GARBAGE = 0.25
POST_FILTER_MIN_SHARE = 0.3
"""Filters that keep at least this share of the documents are applied after a deeper
unfiltered search (:meth:`Collection._post_filtered`): a vector search on a table-filtered
store, a keyword search on a store whose filtered queries cost more
(:class:`PostFilteringKeywordStore`)."""
POST_FILTER_DEPTH = 1.5
"""How much deeper than ``top_k`` ÷ share that unfiltered search goes (a margin for the
allowed documents being unevenly spread among the best)."""


class Collection(Generic[ModelT]):
    """Documents of one kind with both stores and the filter table kept in step."""

    def __init__(self, kind: str, keyword: KeywordStore, vectors: VectorStore,
                 to_document: Callable[[ModelT], IndexedDoc], *, folder: Path,
                 model: type[ModelT], table: DocTable | None = None,
                 lru_size: int = LRU_SIZE) -> None:
        self.kind = kind
        self.keyword = keyword
        self.vectors = vectors
        self.folder = folder
        self._to_document = to_document
        self._model = model
        self._table = table if table is not None else DocTable()
        self._path = folder / DOCUMENTS_FILE
        self._read_fd: int | None = None
        self._append: IO[bytes] | None = None
        self._lru: LruCache[str, ModelT] = LruCache(lru_size)
        self._views: dict[str, LruCache[str, object]] = {}
        self._keyword_fresh: bool | None = None  # known at the first write

    @classmethod
    def open(cls, kind: str, keyword: KeywordStore, vectors: VectorStore,
             to_document: Callable[[ModelT], IndexedDoc], folder: Path,
             model: type[ModelT]) -> Collection[ModelT]:
        """Open the collection saved in ``folder``; a folder written before ``table.npz``
        existed is indexed once from its records."""
        table = DocTable.load(folder)
        collection = cls(kind, keyword, vectors, to_document, folder=folder, model=model,
                         table=table)
        if table is None and collection._path.exists():
            collection._table_from_records()
        return collection

    # --- reads --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._table

    def __iter__(self) -> Iterator[ModelT]:
        """Every record, in insertion order. A walk keeps none of them decoded (it would
        evict the records requests just read)."""
        for record_id in self._table.ids():
            record = self._lru.get(record_id) or self._decode(record_id)
            if record is not None:
                yield record

    def get(self, record_id: str) -> ModelT | None:
        """One record by id, or None (read from disk, kept in a small LRU)."""
        cached = self._lru.get(record_id)
        if cached is not None:
            return cached
        record = self._decode(record_id)
        if record is not None:
            self._lru.put(record_id, record)
        return record

    def _decode(self, record_id: str) -> ModelT | None:
        """One record read from disk and decoded, kept nowhere."""
        raw = self.raw(record_id)
        return None if raw is None else self._model.model_validate_json(raw)

    def view(self, record_id: str, name: str, make: Callable[[ModelT], ViewT]) -> ViewT | None:
        """``make(record)`` for one record, or None when it is absent. The value is kept
        under ``name`` (one name per ``make``) until the record is written or deleted, so a
        record shown again is neither read nor decoded again: a cached ranking's page reads
        no record. ``make`` should return plain values (see :data:`VIEW_SIZE`), which
        callers must not change."""
        views = self._views.get(name)
        if views is None:
            views = self._views.setdefault(name, LruCache(VIEW_SIZE))
        kept = views.get(record_id)
        if kept is not None:
            return kept  # type: ignore[return-value]  # kept by this name's ``make``
        record = self.get(record_id)
        if record is None:
            return None
        value = make(record)
        views.put(record_id, value)
        return value

    def raw(self, record_id: str) -> bytes | None:
        """The stored JSON of one record, or None."""
        location = self._table.location(record_id)
        if location is None:
            return None
        offset, length = location
        return os.pread(self._reader(), length, offset)

    def ids(self) -> list[str]:
        """Every record id, in insertion order (a replaced record moves to the end)."""
        return self._table.ids()

    def columns(self, ids: Sequence[str]) -> Columns:
        """Place, date, contracts and ROME codes of the known ``ids`` from the filter table
        (no record is read)."""
        return self._table.columns(ids)

    def newest_created(self) -> datetime | None:
        """The latest ``created_at`` of the stored documents (to the second)."""
        return self._table.newest_created()

    def document(self, record_id: str) -> IndexedDoc | None:
        """The indexed (searchable) form of a record."""
        record = self.get(record_id)
        return None if record is None else self._to_document(record)

    # --- writes -------------------------------------------------------------------------------

    def load_records(self, records: Iterable[ModelT]) -> None:
        """Add records already present in both stores (the filter table and the file)."""
        self._write_records(list(records), labels=None)

    def upsert(self, records: list[ModelT], vectors: npt.NDArray[np.float32]) -> None:
        """Add or replace records in the record file, both stores and the filter table."""
        if not records:
            return
        docs = [self._to_document(record) for record in records]
        self._write_keyword(docs)
        ids = [doc.id for doc in docs]
        if isinstance(self.vectors, DocumentVectorStore):
            self.vectors.upsert_documents(docs, vectors)
        else:
            self.vectors.upsert(ids, vectors)
        labels = None
        if isinstance(self.vectors, LabelledVectorStore):
            labels = [self.vectors.label_of(doc_id) for doc_id in ids]
        self._write_records(records, labels, docs)

    def delete(self, ids: Iterable[str]) -> list[str]:
        """Remove records by id; return the ids that existed."""
        present = [record_id for record_id in dict.fromkeys(ids) if record_id in self._table]
        if present:
            self.keyword.delete(present)
            self.vectors.delete(present)
            self._table.delete(present)
            self._forget(present)
        return present

    def purge(self, ids: Iterable[str]) -> tuple[list[str], bool]:
        """Remove records by id as an erasure (the stores' ``purge``, side by side: each
        remote store may wait up to 30 s for its merge); return the ids that existed, and
        whether the keyword store already expunged them from its files (False: rebuild it
        from the live records)."""
        present = [record_id for record_id in dict.fromkeys(ids) if record_id in self._table]
        if not present:
            return present, True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="purge") as pool:
            vectors = pool.submit(self.vectors.purge, present)  # both remote stores wait for
            expunged = self.keyword.purge(present)               # their merge at once
            vectors.result()
        self._table.delete(present)
        self._forget(present)
        return present, expunged

    def write_records(self, directory: Path, compact: bool = False) -> None:
        """Flush the record file and the table into ``directory`` (the collection's folder,
        in a temporary generation), compacting dead lines when they are many, or always with
        ``compact`` (an erasure: no deleted record may stay in the file)."""
        directory.mkdir(parents=True, exist_ok=True)
        if self._append is not None:
            self._append.close()
            self._append = None
        if compact or self._table.garbage() > COMPACT_GARBAGE or directory != self.folder:
            self._compact(directory)
        elif not self._path.exists():
            self._path.touch()
        self._table.save(directory)

    def close(self) -> None:
        """Release file handles."""
        if self._append is not None:
            self._append.close()
            self._append = None
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None

    def prepare_reads(self) -> None:
        """Build the filter table's lookup structures (:meth:`DocTable.prepare_reads`) and
        what the stores can build ahead (:class:`ReadPreparingStore`) before the first
        searches; a server calls it in the background at start."""
        self._table.prepare_reads()
        for store in (self.keyword, self.vectors):
            if isinstance(store, ReadPreparingStore):
                store.prepare_reads()

    # --- searches -----------------------------------------------------------------------------

    def keyword_search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """Keyword top-k among the documents that pass ``filters``: the store applies them
        inside its query, unless filtering inside costs it more and they keep most documents
        (:meth:`_post_filtered`)."""
        if query.is_empty() or top_k <= 0:
            return []
        keyword = self.keyword
        if isinstance(keyword, PostFilteringKeywordStore) and keyword.prefers_post_filtering:
            mask = self._table.allowed_mask(filters)
            hits = None if mask is None else self._post_filtered(
                lambda depth: keyword.search(query, Filters(), depth), mask, top_k,
                short_is_complete=True)
            if hits is not None:
                return hits
        return keyword.search(query, filters, top_k)

    def vector_search(self, vector: npt.NDArray[np.float32], filters: Filters,
                      top_k: int) -> list[Hit]:
        """Vector top-k among the documents that pass ``filters`` (applied before the cut):
        inside the store's own query when it keeps the filter fields, else from a deeper
        unfiltered search when they keep most documents (:meth:`_post_filtered`), else
        through an allow-list computed by the filter table."""
        if top_k <= 0:
            return []
        query = vector.reshape(1, -1)
        vectors = self.vectors
        if isinstance(vectors, DocumentVectorStore):
            return vectors.search_filtered(query, top_k, filters)[0]
        mask = self._table.allowed_mask(filters)
        if mask is None:
            return vectors.search(query, top_k)[0]
        if not mask.any():
            return []
        hits = self._post_filtered(lambda depth: vectors.search(query, depth)[0], mask, top_k,
                                   short_is_complete=False)
        if hits is not None:
            return hits
        if isinstance(vectors, LabelledVectorStore) and self._table.has_labels():
            return vectors.search_labels(query, top_k, self._table.labels(mask))[0]
        allowed = self._table.allowed_ids(filters)
        return vectors.search(query, top_k, allowed)[0]

    def concept_search(self, occupations: Mapping[str, float], skills: Mapping[str, float],
                       filters: Filters, top_k: int, occupation_share: float = 0.6
                       ) -> list[Hit]:
        """The ``top_k`` records closest in concepts (:meth:`DocTable.concept_scores`) among
        those that pass ``filters``, best first (ties by id)."""
        if top_k <= 0 or not (occupations or skills):
            return []
        rows, scores = self._table.concept_scores(occupations, skills, occupation_share,
                                                  self._table.allowed_mask(filters))
        if len(rows) > top_k:
            best = np.argpartition(-scores, top_k - 1)[:top_k]
            rows, scores = rows[best], scores[best]
        hits = [Hit(self._table.id_of(int(row)), float(score))
                for row, score in zip(rows.tolist(), scores.tolist(), strict=True)]
        return sorted(hits, key=lambda hit: (-hit.score, hit.id))

    def count_with_occupations(self, codes: Iterable[str], filters: Filters,
                               min_confidence: float = 0.0, excluding: Iterable[str] = ()
                               ) -> int:
        """How many records that pass ``filters`` hold one of the occupations ``codes``
        (given, or read from their text with at least ``min_confidence``), the ids
        ``excluding`` left out."""
        return self._table.count_with_occupations(codes, filters, min_confidence, excluding)

    # --- internals ----------------------------------------------------------------------------

    def _post_filtered(self, search: Callable[[int], list[Hit]], mask: BoolArray,
                       top_k: int, *, short_is_complete: bool) -> list[Hit] | None:
        """The filtered top-k read from a deeper unfiltered ``search(depth)`` (``top_k`` × the
        depth factor ÷ the share of documents ``mask`` keeps), kept by the mask: the hits a
        search filtered inside would give when ``top_k`` of them are found, or when the
        search found fewer than asked and ``short_is_complete`` (a keyword search: every
        matching document was seen). None when the mask keeps less than
        ``POST_FILTER_MIN_SHARE`` of the documents, or when the deeper top held too few: the
        caller filters inside the search then.

        Why it pays: tantivy's filter clauses add an intersection to a disjunction it scores
        whole anyway, and an IVF search with an allow-list probes more lists the fewer it
        allows (1M offers, half of them allowed: 24 → 14 ms keyword, 16 → 9 ms vector, same
        recall@10; a CDI filter at stop 40: 14.9 → 7.1 ms keyword)."""
        share = self._table.allowed_share(mask)
        if share < POST_FILTER_MIN_SHARE:
            return None
        depth = math.ceil(top_k * POST_FILTER_DEPTH / share)
        found = search(depth)
        kept = [hit for hit, allowed in zip(
            found, self._table.in_mask([hit.id for hit in found], mask), strict=True) if allowed]
        if len(kept) >= top_k or (short_is_complete and len(found) < depth):
            return kept[:top_k]
        return None

    def _write_keyword(self, docs: list[IndexedDoc]) -> None:
        """Send ``docs`` to the keyword store: with a fresh store (module doc), the ids the
        table does not hold through ``add_new`` (each id's first document of the batch), the
        others through ``upsert``, after them, so that the last document of an id wins."""
        keyword = self.keyword
        if not isinstance(keyword, AppendableKeywordStore) or not self._fresh_keyword_store():
            self.keyword.upsert(docs)
            return
        new: list[IndexedDoc] = []
        again: list[IndexedDoc] = []
        seen: set[str] = set()
        for doc in docs:
            if doc.id in seen or doc.id in self._table:
                again.append(doc)
            else:
                seen.add(doc.id)
                new.append(doc)
        keyword.add_new(new)
        if again:
            keyword.upsert(again)

    def _fresh_keyword_store(self) -> bool:
        """Whether the keyword store and the table were both empty at this collection's
        first write (decided then, once)."""
        if self._keyword_fresh is None:
            self._keyword_fresh = len(self._table) == 0 and self.keyword.count() == 0
        return self._keyword_fresh

    def _reader(self) -> int:
        if self._read_fd is None:
            self._read_fd = os.open(self._path, os.O_RDONLY)
        return self._read_fd

    def _write_records(self, records: list[ModelT], labels: list[int | None] | None,
                       docs: list[IndexedDoc] | None = None) -> None:
        if not records:
            return
        if self._append is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._append = self._path.open("ab")
        offset = self._append.tell()
        locations = []
        chunks = []
        for record in records:
            line = record.model_dump_json(exclude_defaults=True).encode("utf-8")
            locations.append((offset, len(line)))
            chunks.append(line)
            offset += len(line) + 1
        self._append.write(b"\n".join(chunks) + b"\n")
        self._append.flush()
        if docs is None:
            docs = [self._to_document(record) for record in records]
        self._table.upsert(docs, None if labels is None else
                           [-1 if label is None else label for label in labels], locations)
        self._forget([str(getattr(record, "id")) for record in records])  # noqa: B009

    def _forget(self, ids: Iterable[str]) -> None:
        """Drop the decoded records and views of written or deleted ``ids``."""
        views = list(self._views.values())
        for record_id in ids:
            self._lru.discard(record_id)
            for kept in views:
                kept.discard(record_id)

    def _compact(self, directory: Path) -> None:
        target = directory / DOCUMENTS_FILE
        locations = []
        offset = 0
        with atomic_binary_writer(target) as out:
            for record_id in self._table.ids():
                raw = self.raw(record_id) or b""
                out.write(raw + b"\n")
                locations.append((offset, len(raw)))
                offset += len(raw) + 1
            if self._read_fd is not None:
                os.close(self._read_fd)
                self._read_fd = None
        self._table.compact(locations)
        self._path = target
        self.folder = directory

    def _table_from_records(self) -> None:
        locations = []
        records = []
        offset = 0
        with self._path.open("rb") as stream:
            for line in stream:
                body = line.rstrip(b"\n")
                if body.strip():
                    records.append(self._model.model_validate_json(body))
                    locations.append((offset, len(body)))
                offset += len(line)
        labels: list[int] | None = None
        if isinstance(self.vectors, LabelledVectorStore):
            vectors = self.vectors
            labels = [-1 if (label := vectors.label_of(str(getattr(r, "id")))) is None  # noqa: B009
                      else label for r in records]
        self._table.upsert([self._to_document(r) for r in records], labels, locations)


def read_records(directory: Path, model: type[ModelT]) -> Iterator[ModelT]:
    """Records written by ``Collection.write_records`` (dead lines included: the last line
    of an id wins when read in order)."""
    path = directory / DOCUMENTS_FILE
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield model.model_validate_json(line)
