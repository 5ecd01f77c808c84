"""Cluster mode at N offers: the same index built embedded (tantivy + FAISS) and on OpenSearch
(keyword + k-NN vectors, ``backend=opensearch``), the same queries on both, and what one
OpenSearch node spends per document (disk, heap, vector files) to size a cluster.

::

    python -m bench.opensearch_cluster --offers 100000 --profiles 50000 \\
        --corpus .cache/bench/corpus100k --opensearch-url http://127.0.0.1:9264 \\
        --node-workdir .cache/opensearch-bench --real-cache var/cache \\
        --out docs/performance/cluster-100k.json

The corpus is GENERATED (:mod:`bench.corpus`, written when missing). **Document vectors are
not encoded**: each is the real USE vector cached for that text when there is one (``--real-cache``,
an embedding cache folder), else a vector *derived* from a real one (a cached real vector plus
noise, renormalised, as :class:`bench.run.PooledEncoder` does; skill labels too), so both
backends index the very same N distinct vectors at no encoding cost. Query vectors are encoded
for real (USE), once, and given to both backends.

With ``--force-merge`` the OpenSearch indexes are merged to one segment per shard after the
build (the bulk load's recovery source pruned, one HNSW graph per shard), and measured again.

Measured: build time of each store; per index on the node, documents and primary store size
(``_cat/indices``) and, with ``--node-workdir`` (a node of ``tools/opensearch_node.py``), its
resident memory and the Lucene vector files (``.vec`` raw vectors,
``.vex`` HNSW graph: what the page cache must hold for fast k-NN); the node's heap after the
build and after the queries (``_nodes/stats``); then, for the same seeker queries on both
backends (no filter, 30 km radius, CDI contract; each asked once untimed, so query vectors come
from the engines' caches and the request times are retrieval and scoring, not encoding),
p50/p99 of the keyword search (depth 200), the filtered vector search (depth 200) and the whole
``offers_for_profile`` request (ranked-list cache off), OpenSearch's recall@10 against
exact search, and the overlap@10 of the final rankings.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import OFFERS_FILE, PROFILES_FILE, load_generator, write_corpus
from bench.run import (
    DEFAULT_DATA,
    TOP_K,
    FloatArray,
    PooledEncoder,
    Timer,
    _jsonl_chunks,
    _variants_for_profile,
    load_avg,
    percentiles,
)
from indexer.encoders.cache import DB_NAME

logger = logging.getLogger("bench.opensearch_cluster")

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("none", "radius30", "contract")
PREFIX = "bench-cluster"


class DerivedEncoder(PooledEncoder):
    """USE for queries; every document text (skill labels included) is its cached real vector
    or a derived one: the stores' cost is measured, not the encoder's."""

    encodes_labels = False


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def _settings(root: Path, data_dir: Path, backend: str, url: str) -> Any:
    from indexer.settings import Backend, OpenSearchSettings, load_settings

    os.environ.pop("EMPLOI_KEYWORD_BACKEND", None)
    os.environ.pop("EMPLOI_BACKEND", None)
    return load_settings(data_dir=data_dir, index_dir=root / backend / "index",
                         cache_dir=root / "cache", backend=Backend(backend),
                         opensearch=OpenSearchSettings(url=url, index_prefix=PREFIX,
                                                       timeout_s=120.0, replicas=0))


def build(settings: Any, encoder: DerivedEncoder, corpus: Path, offers: int,
          profiles: int) -> dict[str, Any]:
    """Index the corpus through ``IndexWriter`` (a rebuild), timing each store."""
    from indexer.catalog import IndexWriter
    from indexer.models import Offer, Profile
    from matcher.queries import profile_index_text
    from skills_taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    timer = Timer()
    started = time.perf_counter()
    with IndexWriter(settings.index_dir, settings, encoder, rebuild=True,
                     profile_text=profile_index_text(taxonomy)) as writer:
        for collection in (writer.offers, writer.profiles):
            kind = collection.kind
            collection.keyword.upsert = timer.wrap(  # type: ignore[method-assign]
                f"{kind}.keyword", collection.keyword.upsert)
            for name in ("upsert", "upsert_documents"):
                if hasattr(collection.vectors, name):
                    setattr(collection.vectors, name, timer.wrap(
                        f"{kind}.vector", getattr(collection.vectors, name)))
        for path, model, limit, upsert in (
                (corpus / OFFERS_FILE, Offer, offers, writer.upsert_offers),
                (corpus / PROFILES_FILE, Profile, profiles, writer.upsert_profiles)):
            for chunk in _jsonl_chunks(path, model, limit):
                upsert(chunk)
        commit_started = time.perf_counter()
        writer.commit()
        commit_s = time.perf_counter() - commit_started
    return {"build_s": round(time.perf_counter() - started, 1),
            "commit_s": round(commit_s, 1),
            "stores_s": {key: round(value, 1) for key, value in sorted(timer.seconds.items())},
            "load_avg": load_avg()}


def node_figures(url: str, workdir: Path | None) -> dict[str, Any]:
    """Per index: documents and primary store size; the node's heap; with the node's
    folder, its resident memory and the Lucene vector files."""
    from tools.opensearch_node import read_pid, rss_mib

    indices = _get(f"{url}/_cat/indices/{PREFIX}-*?format=json&bytes=b")
    stats = _get(f"{url}/_nodes/stats/jvm,indices,process")
    node = next(iter(stats["nodes"].values()))
    figures: dict[str, Any] = {
        "indices": {row["index"]: {"docs": int(row["docs.count"]),
                                   "primary_store_bytes": int(row["pri.store.size"])}
                    for row in indices},
        "heap_used_mib": round(node["jvm"]["mem"]["heap_used_in_bytes"] / 2**20, 1),
        "heap_max_mib": round(node["jvm"]["mem"]["heap_max_in_bytes"] / 2**20, 1),
        "segments_memory_mib": round(node["indices"]["segments"]["memory_in_bytes"] / 2**20, 2),
    }
    if workdir is not None:
        pid = read_pid(workdir.resolve())
        figures["process_rss_mib"] = None if pid is None else rss_mib(pid)
        sizes: dict[str, int] = {}
        for path in (workdir / "home" / "data").rglob("*"):
            if path.is_file() and path.suffix in (".vec", ".vex", ".vem"):
                sizes[path.suffix] = sizes.get(path.suffix, 0) + path.stat().st_size
        figures["lucene_vector_files_bytes"] = sizes
    return figures


def force_merge(url: str) -> float:
    """Merge every bench index to one segment per shard (the recovery source of the bulk load
    is pruned, one HNSW graph per shard); return the seconds it took."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[url], timeout=7200)
    started = time.perf_counter()
    client.indices.flush(index=f"{PREFIX}-*")
    time.sleep(35)  # let the retention leases catch up with the bulk load (synced every 30 s)
    client.indices.forcemerge(index=f"{PREFIX}-*", max_num_segments=1)
    client.close()
    return round(time.perf_counter() - started, 1)


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def _ask(engine: Any, profile: Any, query: Any, vector: FloatArray
         ) -> tuple[dict[str, float], list[str], list[str]]:
    """One seeker's query on one engine: the milliseconds of its keyword search, vector search
    and whole request; the vector top 10 and the request's top 10."""
    offers = engine.offers
    keyword_ms, _ = _timed(lambda: offers.keyword_search(query.keyword, query.filters, 200))
    vector_ms, hits = _timed(lambda: offers.vector_search(vector, query.filters, 200))
    request_ms, matches = _timed(lambda: engine.offers_for_profile(profile, TOP_K))
    return ({"keyword": keyword_ms, "vector": vector_ms, "request": request_ms},
            [hit.id for hit in hits[:TOP_K]], [match.id for match in matches])


def compare(embedded: Any, cluster: Any, queries: Sequence[tuple[str, Any, Any, FloatArray]]
            ) -> dict[str, Any]:
    """The same queries on both engines: store and request latency, recall, overlap."""
    results: dict[str, Any] = {}
    for variant in VARIANTS:
        cases = [q for q in queries if q[0] == variant]
        for case in cases:  # one untimed pass: query vectors cached, caches warm
            embedded.offers_for_profile(case[1], TOP_K)
            cluster.offers_for_profile(case[1], TOP_K)
        times: dict[str, list[float]] = {}
        recall: list[float] = []
        overlap: list[float] = []
        for _, profile, query, vector in cases:
            answers = {}
            for name, engine in (("embedded", embedded), ("cluster", cluster)):
                ms, vector_top, request_top = _ask(engine, profile, query, vector)
                for part, value in ms.items():
                    times.setdefault(f"{name}.{part}", []).append(value)
                answers[name] = (vector_top, request_top)
            reference, found = answers["embedded"][1], answers["cluster"][1]
            if reference or found:
                overlap.append(len(set(reference) & set(found))
                               / max(len(reference), len(found)))
            exact = _exact_top(embedded, vector, query.filters)
            if exact:
                recall.append(len(set(answers["cluster"][0]) & set(exact)) / len(exact))
        row: dict[str, Any] = {name: percentiles(values) for name, values in times.items()}
        for part in ("keyword", "vector", "request"):
            row[f"ratio_p50_{part}"] = round(row[f"cluster.{part}"]["p50"]
                                             / row[f"embedded.{part}"]["p50"], 2)
        row["recall_at_10_vs_exact"] = round(float(np.mean(recall)), 3) if recall else None
        row["overlap_at_10_requests"] = round(float(np.mean(overlap)), 3) if overlap else None
        results[variant] = row
    return results


def _exact_top(embedded: Any, vector: FloatArray, filters: Any) -> list[str]:
    """The exact top 10 (FAISS probing every list) among the documents passing ``filters``."""
    store = embedded.offers.vectors
    table = embedded.offers._table
    factory = store.index_factory
    nlist = int(factory[3:].split(",")[0]) if factory.startswith("IVF") else None
    mask = table.allowed_mask(filters)
    labels = None if mask is None else table.labels(mask)
    hits = store.search_labels(vector.reshape(1, -1), TOP_K, labels, nprobe=nlist)[0]
    return [hit.id for hit in hits]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build both, measure the node, compare the queries."""
    from indexer.catalog import SearchIndex
    from indexer.geo import Gazetteer
    from indexer.models import Profile
    from matcher.engine import Engine
    from matcher.queries import query_for_profile
    from skills_taxonomy import load_taxonomy

    corpus = Path(args.corpus)
    if not (corpus / OFFERS_FILE).exists():
        write_corpus(load_generator(Path(args.data_dir), Path(args.work) / "cache"), corpus,
                     args.offers, args.profiles)
    real_cache = Path(args.real_cache) if args.real_cache else None
    if real_cache is not None and not (real_cache / DB_NAME).exists():
        raise SystemExit(f"{real_cache / DB_NAME} not found: --real-cache is an embedding cache "
                         "folder (bench.encode --cache)")
    encoder = DerivedEncoder(real_cache)
    if not len(encoder.pool):
        logger.warning("no real vectors: every document vector is random (a worst case for "
                       "any ANN index: recall is meaningless)")
    work = Path(args.work)
    node_workdir = Path(args.node_workdir) if args.node_workdir else None
    result: dict[str, Any] = {"offers": args.offers, "profiles": args.profiles,
                              "queries_per_variant": args.queries,
                              "opensearch_url": args.opensearch_url}
    engines = {}
    for backend in ("embedded", "opensearch"):
        settings = _settings(work, Path(args.data_dir), backend, args.opensearch_url)
        settings = settings.model_copy(update={"matching": settings.matching.model_copy(
            update={"result_cache": 0})})
        if args.build in ("both", backend):
            logger.info("building %s (load %.1f)", backend, load_avg())
            result[f"build_{backend}"] = build(settings, encoder, corpus, args.offers,
                                               args.profiles)
            logger.info("%s: %s", backend, result[f"build_{backend}"])
        if backend == "opensearch":
            result["node_after_build"] = node_figures(args.opensearch_url, node_workdir)
            if args.force_merge:
                result["force_merge_s"] = force_merge(args.opensearch_url)
                result["node_after_merge"] = node_figures(args.opensearch_url, node_workdir)
        taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
        gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
        engines[backend] = Engine(settings, taxonomy, gazetteer, encoder.real,
                                  SearchIndex.open(settings.index_dir, settings, encoder.real))
    result["vectors"] = {"real": encoder.real_hits, "derived": encoder.derived}
    embedded, cluster = engines["embedded"], engines["opensearch"]
    rng = np.random.default_rng(11)
    ids = [f"GEN-P{i + 1:07d}" for i in rng.choice(args.profiles, size=args.queries,
                                                   replace=False)]
    profiles = [p for p in (embedded.profiles.get(i) for i in ids) if isinstance(p, Profile)]
    queries = []
    for variant in VARIANTS:
        for profile in profiles:
            asked = _variants_for_profile(profile, variant)
            query = query_for_profile(asked, embedded.taxonomy, None)
            queries.append((variant, asked, query, query.embedding_text))
    texts = sorted({q[3] for q in queries})
    vectors = dict(zip(texts, encoder.real.encode_queries(texts), strict=True))
    prepared = [(v, p, q, vectors[t]) for v, p, q, t in queries]
    logger.info("comparing %d queries (load %.1f)", len(prepared), load_avg())
    result["latency_ms"] = compare(embedded, cluster, prepared)
    result["node_after_queries"] = node_figures(args.opensearch_url, node_workdir)
    result["load_avg"] = load_avg()
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=40, help="seekers per filter variant")
    parser.add_argument("--corpus", default=str(ROOT / ".cache" / "bench" / "corpus100k"))
    parser.add_argument("--work", default=str(ROOT / ".cache" / "bench" / "cluster"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--opensearch-url", required=True)
    parser.add_argument("--node-workdir",
                        help="the node's folder (tools/opensearch_node.py --workdir): its RSS "
                             "and vector file sizes")
    parser.add_argument("--real-cache", help="an embedding cache folder holding real vectors")
    parser.add_argument("--build", choices=("both", "embedded", "opensearch", "none"),
                        default="both", help="which index to build (the others are reused)")
    parser.add_argument("--force-merge", action="store_true",
                        help="merge the OpenSearch indexes to one segment per shard before "
                             "the queries (as an operator would after a full rebuild)")
    parser.add_argument("--out", required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("opensearch").setLevel(logging.WARNING)  # one line per request
    args = parse_args(argv)
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    logger.info("wrote %s", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
