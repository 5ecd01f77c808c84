"""Experiment (stop 32, not adopted yet): the embedded keyword store's radius filter as a term
set of geographic cells instead of lat/lon range clauses, and documents written in the order
of a space-filling curve instead of arrival order.

Why: a radius filter turns tantivy's block-max WAND disjunction into an exhaustive union,
and tantivy's buffered union refills windows of 4,096 documents; when the documents that pass
the filter are spread over every window (arrival order), the union visits them all. Written
in curve order (a Morton key of lat/lon), a region's documents sit together and the union
only visits their windows; a term set of cells is gathered from short posting lists, where a
range clause is a scan of fast-field columns that tantivy does not take as the intersection's
leader.

A store of the first ``--offers`` GENERATED offers (``bench.corpus``) is built at ``--store``
in one ``--order``: ``arrival`` (corpus order), ``sorted`` (one curve sort of all offers,
an upper bound: a streamed build cannot hold them all) or ``blockN`` (each N offers sorted,
as a bounded write buffer would). Each offer's cells are indexed in an extra field at
:data:`CELL_DEGREES`. Then the first ``--seekers`` seekers ask it, as the engine does, within
``--radius-km`` of their place, with the box and with the cells, alternated ``--rounds``
times; CPU ms of each search (p50, p90, p99, max), and whether both filters returned the
same ids. Prints one JSON object::

    python -m bench.corpus --offers 1000000 --profiles 1000 --out .cache/bench/corpus1m
    python -m bench.geo_order --corpus .cache/bench/corpus1m --offers 1000000 \\
        --order block131072 --store .cache/bench/geo-block131072
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy

from bench.corpus import OFFERS_FILE, PROFILES_FILE
from bench.json_output import configure_logging, emit
from indexer.distance import KM_PER_DEGREE, longitude_reach
from indexer.documents import offer_document
from indexer.models import Offer, Profile
from indexer.settings import load_settings
from indexer.stores import tantivy_store
from indexer.stores.protocols import Filters, GeoFilter, IndexedDoc
from matcher.queries import query_for_profile
from skills_taxonomy import load_taxonomy

log = logging.getLogger("bench.geo_order")
CELL_DEGREES = (0.1, 0.4, 1.6, 6.4)
"""Cell sizes (degrees of latitude and of longitude), finest first."""
MAX_COVER_CELLS = 128
"""A radius is covered at the finest size needing at most this many cells (64 sent some
searches to 0.4° cells, five times the circle's area, and deep re-queries)."""
CELL_FIELD = "geo_cell"
BATCH = 50_000


def cell_terms(lat: float, lon: float) -> list[str]:
    """A point's cell at each size, as terms ``level:row:column``."""
    return [f"{level}:{math.floor((lat + 90.0) / size)}:{math.floor((lon + 180.0) / size)}"
            for level, size in enumerate(CELL_DEGREES)]


def covering_cells(geo: GeoFilter) -> list[str] | None:
    """The cells of the finest size that cover the circle's bounding box (the same box as
    the store's range clauses), or None when it reaches a pole, wraps or needs too many."""
    lat, lon = geo.center.lat, geo.center.lon
    dlat = geo.radius_km / KM_PER_DEGREE * 1.001
    dlon = longitude_reach(lat, dlat)
    if dlon is None or lon - dlon < -180.0 or lon + dlon > 180.0:
        return None
    for level, size in enumerate(CELL_DEGREES):
        rows = range(math.floor((lat - dlat + 90.0) / size),
                     math.floor((lat + dlat + 90.0) / size) + 1)
        columns = range(math.floor((lon - dlon + 180.0) / size),
                        math.floor((lon + dlon + 180.0) / size) + 1)
        if len(rows) * len(columns) <= MAX_COVER_CELLS:
            return [f"{level}:{row}:{column}" for row in rows for column in columns]
    return None


def curve_key(lat: float, lon: float, bits: int = 16) -> int:
    """The Morton key of a point: its quantised latitude and longitude bits interleaved."""
    top = (1 << bits) - 1
    y, x = int((lat + 90.0) / 180.0 * top), int((lon + 180.0) / 360.0 * top)
    key = 0
    for bit in range(bits):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


class CellStore(tantivy_store.TantivyKeywordStore):
    """The embedded store with each located document's cells indexed, filtering a radius by
    its covering cells when ``use_cells`` (else by the store's own range clauses)."""

    use_cells = False

    def _build_schema(self) -> tantivy.Schema:
        builder = tantivy_store.schema_builder()
        builder.add_text_field(CELL_FIELD, tokenizer_name="raw", index_option="basic")
        return builder.build()

    def _to_document(self, doc: IndexedDoc) -> tantivy.Document:
        document = super()._to_document(doc)
        if doc.location is not None:
            for term in cell_terms(doc.location.lat, doc.location.lon):
                document.add_text(CELL_FIELD, term)
        return document

    def _bounding_box(self, geo: GeoFilter) -> list[tantivy.Query]:
        cells = covering_cells(geo) if self.use_cells else None
        if cells is None:
            return super()._bounding_box(geo)
        return [tantivy.Query.term_set_query(self._schema, CELL_FIELD, cells)]


def _lines(path: Path, limit: int) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        yield from itertools.islice(lines, limit)


def _ordered(docs: list[IndexedDoc], order: str) -> list[IndexedDoc]:
    def key(doc: IndexedDoc) -> int:
        return 1 << 40 if doc.location is None else curve_key(doc.location.lat,
                                                               doc.location.lon)
    if order == "arrival":
        return docs
    if order == "sorted":
        return sorted(docs, key=key)
    if order.startswith("block"):
        size = int(order.removeprefix("block"))
        return [doc for start in range(0, len(docs), size)
                for doc in sorted(docs[start:start + size], key=key)]
    raise SystemExit(f"unknown --order {order!r}: arrival, sorted or blockN")


def build(corpus: Path, offers: int, folder: Path, order: str) -> CellStore:
    """The store of the corpus's first ``offers`` offers in ``order`` (built when empty)."""
    store = CellStore(folder)
    if store.count() == offers:
        return store
    started = time.perf_counter()
    docs = _ordered([offer_document(Offer.model_validate_json(line))
                     for line in _lines(corpus / OFFERS_FILE, offers)], order)
    for start in range(0, len(docs), BATCH):
        store.add_new(docs[start:start + BATCH])
        log.info("stored %d / %d offers (%.0f s)", min(start + BATCH, len(docs)), len(docs),
                 time.perf_counter() - started)
    store.save()
    return store


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            **{f"p{share}_ms": round(ordered[min(len(ordered) - 1,
                                                  int(share / 100 * len(ordered)))], 2)
               for share in (90, 99)},
            "max_ms": round(ordered[-1], 2)}


def measure(store: CellStore, corpus: Path, seekers: int, radius_km: float,
            rounds: int) -> dict[str, Any]:
    """Time each seeker's keyword search within ``radius_km``, box and cells alternated."""
    settings = load_settings()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    profiles = [Profile.model_validate_json(line)
                for line in _lines(corpus / PROFILES_FILE, seekers)]
    queries = [query for query in (query_for_profile(p, taxonomy, radius_km,
                                                     settings=settings.matching)
                                   for p in profiles) if query.filters.geo is not None]
    top_k = settings.matching.keyword_top_k
    for query in queries[:10]:
        store.search(query.keyword, Filters(), top_k)
    times: dict[str, list[float]] = {"none": [], "box": [], "cells": []}
    same = 0
    for _ in range(rounds):
        for query in queries:
            assert query.filters.geo is not None
            geo = Filters(geo=GeoFilter(query.filters.geo.center, radius_km))
            found: dict[str, list[str]] = {}
            for kind, filters in (("none", Filters()), ("box", geo), ("cells", geo)):
                store.use_cells = kind == "cells"
                started = time.process_time()
                hits = store.search(query.keyword, filters, top_k)
                times[kind].append((time.process_time() - started) * 1000)
                found[kind] = [hit.id for hit in hits]
            same += found["box"] == found["cells"]
    return {"seekers": len(queries), "rounds": rounds, "radius_km": radius_km,
            "top_k": top_k, "same_ids": same, "searches": len(queries) * rounds,
            **{kind: _summary(values) for kind, values in times.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    """Build or open the store, then print :func:`measure`'s JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.corpus folder")
    parser.add_argument("--offers", type=int, default=100_000, help="offers to store")
    parser.add_argument("--order", default="arrival", help="arrival, sorted or blockN")
    parser.add_argument("--store", type=Path, required=True,
                        help="the store's folder (built when empty, reused after)")
    parser.add_argument("--seekers", type=int, default=200, help="GENERATED seekers asking")
    parser.add_argument("--radius-km", type=float, default=30.0, help="the radius asked")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    store = build(args.corpus, args.offers, args.store, args.order)
    result = {"offers": args.offers, "order": args.order,
              "cell_degrees": list(CELL_DEGREES), "max_cover_cells": MAX_COVER_CELLS,
              **measure(store, args.corpus, args.seekers, args.radius_km, args.rounds)}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
