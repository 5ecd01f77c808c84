"""The embedded keyword store: a tantivy index with a French analyser.

User text never reaches a query parser: it is analysed here with the index's own analyser
logic and turned into term queries, so ``"``, ``:``, ``*`` or ``AND`` are plain text.

Every scoring clause is a term query, and tantivy scores every document of the disjunction:
its Python binding collects the top k through a ``MultiCollector``, which leaves tantivy's
block-max WAND unused (1M offers: a top 10 costs what a top 200 does, 4.2 against 4.2 ms;
docs/performance.md, "Stop 40"). A query costs its postings, so:

- a title phrase is matched as its adjacent term pairs, indexed as single tokens in
  ``title_pairs`` ("aide soignant"), instead of a phrase query (whose positions cost more
  still: ×2.4 at 1M offers);
- a long free text (a seeker's summary) is searched by its ``KeywordQuery.max_text_terms``
  weightiest terms, as MoreLikeThis selects its terms (:mod:`indexer.stores.text_terms`):
  the common ones add little to a BM25 score and cost the longest posting lists.

Every filter is a clause of the query itself, so the top-k cut happens after filtering; the
geo filter is a term set of the geographic cells covering the circle (:mod:`indexer.geo_cells`;
lat/lon range clauses where no cover is made: a pole, the antimeridian), then an exact
great-circle check, re-querying deeper until the top-k is exact.

A filter intersects the disjunction with its clauses, in windows of 4,096 documents: tantivy
visits every window that holds a document passing the filter. So
``add_new`` (the bulk path of a fresh generation) writes documents in blocks of
``sort_block`` sorted along a space-filling curve of their place: a region's documents sit
together and a radius visits few windows (1M offers, 30 km: 18.1 → 6 ms CPU p50 with cells,
docs/performance.md).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

import numpy as np
import tantivy

from indexer import geo_cells
from indexer.distance import haversine_km_many
from indexer.models import GeoPoint
from indexer.stores.held_documents import DocumentFields, HeldDocuments
from indexer.stores.id_keys import KEY_FIELD, IdsByKey, id_key
from indexer.stores.protocols import (
    Filters,
    GeoFilter,
    Hit,
    IndexedDoc,
    KeywordQuery,
)
from indexer.stores.text_terms import weightiest_terms
from indexer.utc import epoch_micros
from skills_taxonomy.gender import normalise_forms

logger = logging.getLogger(__name__)

ANALYZER_NAME = "fr_text"
TITLE_BOOST = 2.0
TITLE_PHRASE_BOOST = 3.0
QUERY_TITLE_BOOST = 1.5
ROME_BOOST = 1.0
SKILL_BOOST = 0.5
CONCEPT_BOOST = 0.5
CONCEPT_TEXT_BOOST = 0.5
WRITER_HEAP_BYTES = 1_000_000_000
"""The index writer's memory budget: it writes a segment whenever the budget is full, and
takes the memory only as documents come. A search pays per segment (each collects its own
top k): the 1M GENERATED offers made four segments with 256 MB, one with this, and a seeker's
keyword search went from 6.6 to 5.7 ms CPU p50 (docs/performance.md, "Stop 40")."""
WRITER_THREADS = 1
"""Indexing threads of the writer. Documents are built in Python, one at a time, and one
tantivy thread indexes them as fast as they come (20k GENERATED offers: the same wall time as
two threads or tantivy's own choice, slightly less CPU; docs/performance.md, issue 13), with
the whole heap for one segment at a time instead of a share of it per thread."""
SORT_BLOCK = 32_768
"""Documents ``add_new`` holds and sorts by place before writing them. At 1M offers, 30 km:
blocks of 32,768 gave 7.0–7.2 ms CPU p50 (stops 32, 34), 131,072 gave 5.8–6.7 but held
≈ 1 GB more at the build's peak as tantivy documents (stop 33: 1,838 against 852 MiB for
the store alone), which the 4 GB build target cannot spare; held marshalled
(:mod:`indexer.stores.held_documents`), 32,768 take ≈ 64 MB; docs/performance.md."""
_GEO_DEPTH_FACTOR = 4


def french_analyzer() -> tantivy.TextAnalyzer:
    """Tokenise on non-alphanumerics, lower-case, drop French stop words, fold accents, stem."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("french"))
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("french"))
        .build()
    )


def title_pairs(terms: Sequence[str]) -> list[str]:
    """The adjacent pairs of analysed title terms, one token each: what a title phrase is
    matched against (stop words are already gone, so "agent d'entretien" gives
    "agent entretien")."""
    return [f"{first} {second}" for first, second in itertools.pairwise(terms)]


def build_schema() -> tantivy.Schema:
    """The index schema: analysed title/text, title term pairs, raw codes, fast fields for
    filters, and the geographic cells of a document's place (doc ids only).

    No field indexes positions: every query is made of term queries (a title phrase is
    matched as its ``title_pairs``), and BM25 reads term frequencies and field lengths only.
    Positions were as large as the postings themselves (180 MB at 1M offers) and filled the
    writer's heap, so the same heap now writes 3 segments instead of 5 there, each searched
    with its own top-k threshold (docs/performance.md, "Stop 35"). The document store
    holds the id alone; a hit is read back by its ``key`` (:mod:`indexer.stores.id_keys`),
    a fast field, and from the document store where the key is not mapped yet."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("title", "text", "concept_text"):
        builder.add_text_field(name, tokenizer_name=ANALYZER_NAME, index_option="freq")
    builder.add_text_field("title_pairs", tokenizer_name="raw", index_option="freq")
    for name in ("rome", "skill", "contract", "concept"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="freq")
    builder.add_float_field("lat", indexed=True, fast=True)  # read as fast fields only
    builder.add_float_field("lon", indexed=True, fast=True)
    builder.add_integer_field("created_at", indexed=True, fast=True)
    builder.add_text_field("geo_cell", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(KEY_FIELD, indexed=False, fast=True)
    return builder.build()


class TantivyKeywordStore:
    """A ``KeywordStore`` on tantivy, on disk in ``directory`` or in memory when it is None.

    Writes are buffered in one index writer, opened on the first write (so readers in several
    processes can share a directory); any read (``search``, ``count``) commits pending writes
    first, and ``save()`` commits explicitly. ``add_new`` holds up to ``sort_block`` documents
    to write them in curve order (module doc); any other write, read or commit writes them
    first, so the order of operations is kept. Safe to share between threads.
    """

    def __init__(self, directory: Path | None = None, sort_block: int = SORT_BLOCK) -> None:
        if sort_block < 1:
            raise ValueError(f"sort_block must be at least 1, not {sort_block}")
        self._schema = build_schema()
        if directory is None:
            self._index = tantivy.Index(self._schema)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self._schema, path=str(directory), reuse=True)
        self._index.register_tokenizer(ANALYZER_NAME, french_analyzer())
        self._analyzer = french_analyzer()
        self._writer: tantivy.IndexWriter | None = None  # opened on the first write
        self._lock = threading.RLock()
        self._dirty = False
        self._sort_block = sort_block
        self._held = HeldDocuments()  # by curve key
        self._ids = IdsByKey()  # filled by prepare_reads, kept up to date by writes
        self.directory = directory

    # --- writes ------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents, replacing any with the same id (visible to the next read)."""
        with self._lock:
            writer = self._write_held()
            for doc in docs:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._to_document(DocumentFields.of(doc)))
                self._ids.add(doc.id)
                self._dirty = True

    def add_new(self, docs: Iterable[IndexedDoc]) -> None:
        """Add documents whose ids the store does not hold, without the delete-by-term that
        ``upsert`` queues for each (the caller guarantees the ids are new: one added twice
        would be stored twice). They are held and written ``sort_block`` at a time in the
        order of their place's curve key (the class doc)."""
        with self._lock:
            for doc in docs:
                self._held.hold(geo_cells.curve_key(doc.location), DocumentFields.of(doc))
                self._ids.add(doc.id)
                if len(self._held) >= self._sort_block:
                    self._write_held()

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        with self._lock:
            writer = self._write_held()
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
                self._ids.remove(doc_id)
                self._dirty = True

    def purge(self, ids: Iterable[str]) -> bool:
        """Remove documents by id and commit. In memory nothing else holds them (True); on
        disk their terms stay in the segments until a merge, which tantivy does not let us
        force, so the owner rebuilds the store without them (False)."""
        with self._lock:
            self.delete(ids)
            self._commit()
        return self.directory is None

    def save(self) -> None:
        """Commit pending writes to disk (or memory) and refresh the searcher."""
        with self._lock:
            self._commit()

    def close(self) -> None:
        """Commit, wait for segment merges and release the writer (and its directory lock)."""
        with self._lock:
            self._commit()  # writes what add_new holds first
            if self._writer is None:
                return
            self._writer.wait_merging_threads()
            self._writer = None

    # --- reads -------------------------------------------------------------------------------

    def count(self) -> int:
        """How many documents the store holds."""
        with self._lock:
            self._refresh()
            return int(self._index.searcher().num_docs)

    def segments(self) -> int:
        """How many segments a search reads (each with a top-k threshold of its own, so
        fewer segments prune more: docs/performance.md, "Stop 35")."""
        with self._lock:
            self._refresh()
            return int(self._index.searcher().num_segments)

    def prepare_reads(self) -> None:
        """Read every document's id and key once, so that searches read their hits' ids
        from the key column (:mod:`indexer.stores.id_keys`; 1M offers: ≈ 2.5 s, 30 MB).
        A server calls it in its background warm-up; until then hits are read from the
        document store, with the same results."""
        with self._lock:
            self._refresh()
            searcher = self._index.searcher()
            self._ids.begin_load()  # writes from now on are recorded, and kept by the load
        total = int(searcher.num_docs)
        found = searcher.search(tantivy.Query.all_query(), limit=max(total, 1),
                                count=False).hits if total else []
        addresses = [address for _, address in found]
        del found
        keys = _keys(searcher, addresses)
        ids = [str(searcher.doc(address).get_first("id")) for address in addresses]
        with self._lock:  # a write meanwhile adds to or removes from the map after this
            self._ids.load(keys, ids)
        logger.info("keyword store: %d ids read back by key", len(ids))

    @property
    def prefers_post_filtering(self) -> bool:
        """True: a filter clause adds an intersection to the disjunction, which is dearer
        than reading a deeper unfiltered top k when the filter keeps most documents."""
        return True

    def search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """The ``top_k`` best documents that pass ``filters``, best first."""
        if top_k <= 0 or query.is_empty():
            return []
        with self._lock:
            self._refresh()
            searcher = self._index.searcher()
        scoring = self._scoring_query(query, searcher)
        if scoring is None:
            return []
        full = self._with_filters(scoring, filters)
        if filters.geo is None:
            return self._collect(searcher, full, top_k, None)
        return self._collect(searcher, full, top_k, filters.geo)

    # --- internals: writing -------------------------------------------------------------------

    def _open_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(WRITER_HEAP_BYTES, WRITER_THREADS)
        return self._writer

    def _write_held(self) -> tantivy.IndexWriter:
        """Write the documents ``add_new`` holds, in curve order (a stable sort: arrival
        order within a key), and return the writer."""
        writer = self._open_writer()
        if self._held:
            held, self._held = self._held, HeldDocuments()
            for fields in held.in_key_order():
                writer.add_document(self._to_document(fields))
            self._dirty = True
        return writer

    def _commit(self) -> None:
        if self._held:
            self._write_held()
        if self._dirty and self._writer is not None:
            self._writer.commit()
            self._dirty = False
        self._index.reload()

    def _refresh(self) -> None:
        if self._dirty or self._held:
            self._commit()

    def _to_document(self, fields: DocumentFields) -> tantivy.Document:
        document = tantivy.Document()
        document.add_text("id", fields.id)
        document.add_integer(KEY_FIELD, id_key(fields.id))
        document.add_text("title", normalise_forms(fields.title))
        for pair in title_pairs(self.terms(fields.title)):  # as a query's title is analysed
            document.add_text("title_pairs", pair)
        document.add_text("text", normalise_forms(fields.text))
        if fields.concept_text:
            document.add_text("concept_text", normalise_forms(fields.concept_text))
        for name, values in (("rome", fields.rome_codes), ("skill", fields.skill_codes),
                             ("contract", fields.contract_types), ("concept", fields.concepts)):
            for value in values:
                document.add_text(name, value)
        if fields.lat is not None and fields.lon is not None:
            document.add_float("lat", fields.lat)
            document.add_float("lon", fields.lon)
            for cell in geo_cells.cell_terms(GeoPoint(lat=fields.lat, lon=fields.lon)):
                document.add_text("geo_cell", cell)
        if fields.created_micros is not None:
            document.add_integer("created_at", fields.created_micros)
        return document

    # --- internals: queries --------------------------------------------------------------------

    def terms(self, text: str) -> list[str]:
        """The analysed terms of ``text``, as this store indexes and searches them."""
        return [term for term in self._analyzer.analyze(normalise_forms(text)) if term]

    def _term(self, field: str, value: str, boost: float) -> tantivy.Query:
        query = tantivy.Query.term_query(self._schema, field, value)
        return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)

    def _scoring_query(self, query: KeywordQuery, searcher: tantivy.Searcher
                       ) -> tantivy.Query | None:
        clauses: list[tantivy.Query] = []
        for term in self._text_terms(query, searcher):
            clauses.append(self._term("title", term, TITLE_BOOST))
            clauses.append(self._term("text", term, 1.0))
            clauses.append(self._term("concept_text", term, CONCEPT_TEXT_BOOST))
        for title in query.titles:
            clauses.extend(self._title_clauses(self.terms(title)))
        clauses.extend(self._term("rome", code, ROME_BOOST) for code in query.rome_codes)
        clauses.extend(self._term("skill", code, SKILL_BOOST) for code in query.skill_codes)
        clauses.extend(self._term("concept", concept, CONCEPT_BOOST)
                       for concept in query.concepts)
        if not clauses:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses])

    def _text_terms(self, query: KeywordQuery, searcher: tantivy.Searcher) -> list[str]:
        """The free text's distinct terms, in query order; beyond ``query.max_text_terms``,
        only the weightiest (:mod:`indexer.stores.text_terms`)."""
        return weightiest_terms(self.terms(query.text), query.max_text_terms,
                                lambda term: int(searcher.doc_freq("text", term)),
                                int(searcher.num_docs))

    def _title_clauses(self, terms: Sequence[str]) -> list[tantivy.Query]:
        """A wanted title: each of its terms, and its phrase as adjacent pairs sharing the
        phrase boost (a title matched whole gets it all, one matched in part its share)."""
        clauses = [self._term("title", term, QUERY_TITLE_BOOST) for term in dict.fromkeys(terms)]
        pairs = title_pairs(terms)
        clauses.extend(self._term("title_pairs", pair, TITLE_PHRASE_BOOST / len(pairs))
                       for pair in dict.fromkeys(pairs))
        return clauses

    def _with_filters(self, scoring: tantivy.Query, filters: Filters) -> tantivy.Query:
        clauses = self._filter_clauses(filters)
        if not clauses:
            return scoring
        musts = [(tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0)) for c in clauses]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, scoring), *musts])

    def _filter_clauses(self, filters: Filters) -> list[tantivy.Query]:
        clauses: list[tantivy.Query] = []
        if filters.contract_types:
            clauses.append(tantivy.Query.term_set_query(
                self._schema, "contract", sorted(filters.contract_types)))
        if filters.rome_codes:
            clauses.append(tantivy.Query.term_set_query(
                self._schema, "rome", sorted(filters.rome_codes)))
        if filters.created_after is not None or filters.created_before is not None:
            clauses.append(self._date_range(filters.created_after, filters.created_before))
        if filters.geo is not None:
            clauses.extend(self._geo_clauses(filters.geo))
        return clauses

    def _date_range(self, after: datetime | None, before: datetime | None) -> tantivy.Query:
        return tantivy.Query.range_query(
            self._schema, "created_at", tantivy.FieldType.Integer,
            lower_bound=None if after is None else epoch_micros(after),
            upper_bound=None if before is None else epoch_micros(before),
        )

    def _float_range(self, field: str, low: float, high: float) -> tantivy.Query:
        return tantivy.Query.range_query(
            self._schema, field, tantivy.FieldType.Float, lower_bound=low, upper_bound=high)

    def _geo_clauses(self, geo: GeoFilter) -> list[tantivy.Query]:
        """A clause that contains the circle (a superset of it): its covering cells, or the
        bounding box where no cover is made."""
        cells = geo_cells.covering_cells(geo.center, geo.radius_km)
        if cells is None:
            return self._bounding_box(geo)
        return [tantivy.Query.term_set_query(self._schema, "geo_cell", cells)]

    def _bounding_box(self, geo: GeoFilter) -> list[tantivy.Query]:
        """Range clauses on lat/lon that contain the circle, across a pole or the
        antimeridian too."""
        lat, lon = geo.center.lat, geo.center.lon
        dlat, dlon = geo_cells.box_reach(geo.center, geo.radius_km)
        box = [self._float_range("lat", max(lat - dlat, -90.0), min(lat + dlat, 90.0))]
        if dlon is None:  # a pole is inside, or every longitude anyway
            return box
        low_lon, high_lon = lon - dlon, lon + dlon
        if low_lon >= -180.0 and high_lon <= 180.0:
            return [*box, self._float_range("lon", low_lon, high_lon)]
        wrapped = [self._float_range("lon", max(low_lon, -180.0), min(high_lon, 180.0)),
                   self._float_range("lon", low_lon + 360.0 if low_lon < -180.0 else -180.0,
                                     high_lon - 360.0 if high_lon > 180.0 else 180.0)]
        either = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in wrapped])
        return [*box, either]

    # --- internals: collecting ----------------------------------------------------------------

    def _collect(
        self, searcher: tantivy.Searcher, query: tantivy.Query, top_k: int, geo: GeoFilter | None
    ) -> list[Hit]:
        """Run ``query``; with ``geo``, drop hits outside the circle and go deeper as needed."""
        limit = top_k if geo is None else top_k * _GEO_DEPTH_FACTOR
        while True:
            found = searcher.search(query, limit=limit, count=False).hits
            kept = found if geo is None else self._inside(searcher, found, geo)
            if len(kept) >= top_k or len(found) < limit:
                hits = self._hits(searcher, kept[:top_k])
                return sorted(hits, key=lambda hit: (-hit.score, hit.id))  # ties by id
            logger.debug("geo check kept %d of %d hits; searching deeper", len(kept), limit)
            limit *= _GEO_DEPTH_FACTOR

    @staticmethod
    def _inside(
        searcher: tantivy.Searcher, found: list[tuple[float, tantivy.DocAddress]], geo: GeoFilter
    ) -> list[tuple[float, tantivy.DocAddress]]:
        """The hits of ``found`` whose place is within the circle, in one array computation
        (the filter table's distances: a radius means the same kilometres in every channel);
        a document without a place is outside."""
        addresses = [address for _, address in found]
        # a missing value (None) becomes NaN, whose distance is NaN: never within the radius
        lats = np.array(searcher.fast_field_values("lat", addresses), dtype=np.float64)
        lons = np.array(searcher.fast_field_values("lon", addresses), dtype=np.float64)
        inside = (haversine_km_many(lats, lons, geo.center) <= geo.radius_km).tolist()
        return [hit for hit, keep in zip(found, inside, strict=True) if keep]

    def _hits(self, searcher: tantivy.Searcher,
              found: Sequence[tuple[float, tantivy.DocAddress]]) -> list[Hit]:
        """The hits of ``found``, their ids read by key where the map has them (module
        :mod:`indexer.stores.id_keys`), else from the document store."""
        ids: list[str | None] = [None] * len(found)
        if self._ids.loaded and found:
            ids = self._ids.ids_of(_keys(searcher, [address for _, address in found]))
        return [Hit(id=str(searcher.doc(address).get_first("id")) if doc_id is None
                    else doc_id, score=float(score))
                for (score, address), doc_id in zip(found, ids, strict=True)]


def _keys(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int | None]:
    """The ``key`` fast field of each document (None where a document has none)."""
    return cast("list[int | None]", searcher.fast_field_values(KEY_FIELD, addresses))
