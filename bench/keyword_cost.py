"""The embedded keyword store's cost by query shape: how many distinct free-text terms a
seeker's query searches (``KeywordQuery.max_text_terms``, the weightiest first), how deep the
top is, and which filters apply, on a GENERATED corpus (``bench.corpus``).

The first ``--offers`` offers are stored in a tantivy store at ``--store`` (built once, with
progress; a store holding another count is refused), then the first ``--seekers`` GENERATED
seekers ask it, as the engine does (``query_for_profile``, top ``keyword_top_k``), with each
term limit and each filter: none, a 30 km radius around the seeker, and the seeker's own
radius and contract types. Each row gives the latency of ``search`` (ms) and the overlap of
its top 10 with the same filter's unlimited query. ``depths`` times the configured query
unfiltered for its top ``keyword_top_k`` and for its top 10: a store that skips the
documents that cannot enter the top (block-max WAND) answers the top 10 faster; tantivy
through its Python binding does not (docs/performance.md, "Stop 40"). Prints one JSON
object; ``--out`` also writes it.

::

    python -m bench.corpus --offers 1000000 --profiles 1000 --out .cache/bench/corpus1m
    python -m bench.keyword_cost --corpus .cache/bench/corpus1m --offers 1000000 \\
        --store .cache/bench/keyword1m --out bench/results/keyword-cost-1m.json
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpus import OFFERS_FILE, PROFILES_FILE, read_lines
from bench.json_output import configure_logging, emit
from indexer.documents import offer_document
from indexer.models import Offer, Profile
from indexer.settings import load_settings
from indexer.stores.protocols import Filters, GeoFilter, KeywordQuery
from indexer.stores.tantivy_store import TantivyKeywordStore
from matcher.queries import MatchQuery, query_for_profile
from skills_taxonomy import load_taxonomy

log = logging.getLogger("bench.keyword_cost")
BATCH = 10_000
RADIUS_KM = 30.0
FILTERS = ("none", "radius30", "own")


def open_store(corpus: Path, offers: int, folder: Path) -> TantivyKeywordStore:
    """The store of the corpus's first ``offers`` offers, built into ``folder`` when empty."""
    store = TantivyKeywordStore(folder)
    held = store.count()
    if held == offers:
        return store
    if held:
        raise SystemExit(f"{folder} holds {held:,} offers, not {offers:,}: delete the folder "
                         "or pass the --offers it was built with")
    started = time.perf_counter()
    batch: list[Any] = []
    for done, line in enumerate(read_lines(corpus / OFFERS_FILE, offers), start=1):
        batch.append(offer_document(Offer.model_validate_json(line)))
        if len(batch) == BATCH or done == offers:
            store.add_new(batch)
            batch = []
            rate = done / (time.perf_counter() - started)
            log.info("stored %d / %d offers (%.0f/s, ETA %.0f s)", done, offers, rate,
                     (offers - done) / rate)
    store.save()
    return store


def _filters(query: MatchQuery, kind: str) -> Filters:
    if kind == "own":
        return query.filters
    geo = query.filters.geo
    if kind == "radius30" and geo is not None:
        return Filters(geo=GeoFilter(geo.center, RADIUS_KM))
    return Filters()


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _row(store: TantivyKeywordStore, queries: Sequence[MatchQuery], shape: dict[str, Any],
         kind: str, top_k: int, unlimited: Sequence[list[str]] | None
         ) -> tuple[dict[str, Any], list[list[str]]]:
    """One (query shape, filter) row, and each query's top 10 ids. ``shape`` holds the
    ``KeywordQuery`` fields to set (``max_text_terms``)."""
    times: list[float] = []
    tops: list[list[str]] = []
    for query in queries:
        keyword: KeywordQuery = dataclasses.replace(query.keyword, **shape)
        filters = _filters(query, kind)
        started = time.perf_counter()
        hits = store.search(keyword, filters, top_k)
        times.append((time.perf_counter() - started) * 1000)
        tops.append([hit.id for hit in hits[:10]])
    row: dict[str, Any] = {**shape, "filters": kind, "top_k": top_k,
                           "p50_ms": round(statistics.median(times), 2),
                           "p90_ms": _percentile(times, 0.9), "p99_ms": _percentile(times, 0.99)}
    if unlimited is not None:
        row["overlap_at_10"] = round(statistics.mean(
            len(set(top) & set(full)) / max(1, len(full))
            for top, full in zip(tops, unlimited, strict=True)), 3)
    return row, tops


def measure(corpus: Path, offers: int, seekers: int, folder: Path,
            limits: Sequence[int]) -> dict[str, Any]:
    """Build or open the store, then time every (query shape, filter) pair (module doc)."""
    settings = load_settings()
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    store = open_store(corpus, offers, folder)
    store.prepare_reads()  # hits' ids by key, as a server reads them after its warm-up
    profiles = [Profile.model_validate_json(line)
                for line in read_lines(corpus / PROFILES_FILE, seekers)]
    queries = [query_for_profile(p, taxonomy, RADIUS_KM, settings=settings.matching)
               for p in profiles]
    top_k = settings.matching.keyword_top_k
    for query in queries[:5]:  # warm the searcher and the term dictionaries
        store.search(query.keyword, Filters(), top_k)
    terms = sorted(len(dict.fromkeys(store.terms(query.keyword.text))) for query in queries)
    rows: list[dict[str, Any]] = []
    for kind in FILTERS:
        first, unlimited = _row(store, queries, {"max_text_terms": None}, kind, top_k, None)
        rows.append(first)
        rows.extend(_row(store, queries, {"max_text_terms": limit}, kind, top_k, unlimited)[0]
                    for limit in limits if limit)
        log.info("filters %s done", kind)
    configured = {"max_text_terms": settings.matching.keyword_max_terms or None}
    depths = [_row(store, queries, configured, "none", depth, None)[0]
              for depth in (top_k, 10)]  # does a shallower top cost less?
    return {"offers": offers, "seekers": len(queries), "top_k": top_k,
            "configured": configured, "depths": depths,
            "segments": store.segments(),
            "distinct_text_terms": {"p50": statistics.median(terms), "max": terms[-1]},
            "rows": rows}


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`measure` and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a bench.corpus folder")
    parser.add_argument("--offers", type=int, default=100_000, help="offers to store")
    parser.add_argument("--seekers", type=int, default=200, help="GENERATED seekers asking")
    parser.add_argument("--store", type=Path, required=True,
                        help="the keyword store's folder (built when empty, reused after)")
    parser.add_argument("--terms", default="0,32,24,16",
                        help="term limits to time, comma-separated (0: every term)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    limits = sorted({int(value) for value in args.terms.split(",")}, reverse=True)
    result = measure(args.corpus, args.offers, args.seekers, args.store, limits)
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
