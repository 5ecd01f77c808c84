"""Store-level measurements at 1M offers, where a full encode does not fit a session.

Encoding a million offers with USE on two cores takes hours (see ``bench.run``'s measured
rate), so at 1M this measures what does not depend on it, on GENERATED data:

- the vector store: 1M vectors derived from real USE vectors (``bench.run.PooledEncoder``'s
  rule, in chunks: bounded memory while adding), switched to IVF on save, then reopened
  memory-mapped in a fresh process: open time, RSS, ANN latency and recall@10 against
  exhaustive search, unfiltered and with a 30 km radius or a contract filter, using real
  query vectors (seekers' texts encoded by USE);
- the filter table: 1M rows over communes drawn by population, its save/load time, size and
  the cost of evaluating the filters.

::

    python -m bench.scale --size 1000000 --real-cache .cache/bench/embeddings \\
        --corpus .cache/bench/corpus --work .cache/bench/work/scale --out bench/results
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import CONTRACT_MIX, PROFILES_FILE, _Communes
from bench.run import (
    NOISE_SIGMA,
    PooledEncoder,
    current_rss_mib,
    du_mib,
    load_avg,
    peak_rss_mib,
    percentiles,
)

logger = logging.getLogger("bench.scale")
CHUNK = 50_000


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Write the vector store and the filter table of ``args.size`` documents."""
    from indexer.doc_table import DocTable
    from indexer.geo import Gazetteer
    from indexer.models import GeoPoint
    from indexer.stores.faiss_store import FaissVectorStore
    from indexer.stores.protocols import IndexedDoc

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    pool = PooledEncoder(Path(args.real_cache)).pool
    rng = np.random.default_rng(1)
    store = FaissVectorStore(512)
    started = time.perf_counter()
    for start in range(0, args.size, CHUNK):
        n = min(CHUNK, args.size - start)
        base = pool[rng.integers(len(pool), size=n)]
        vectors = base + rng.normal(0.0, NOISE_SIGMA, base.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.upsert([f"GEN-O{start + i + 1:07d}" for i in range(n)], vectors)
    add_s = time.perf_counter() - started
    started = time.perf_counter()
    store.save(work / "vectors")
    save_s = time.perf_counter() - started
    build_peak = peak_rss_mib()
    del store
    communes = _Communes(Gazetteer.load(Path(args.data_dir) / "geo",
                                        cache_dir=Path(args.cache_dir)))
    rows = np.minimum(np.searchsorted(communes.cdf, rng.random(args.size), side="right"),
                      len(communes.codes) - 1)
    contracts = list(CONTRACT_MIX)
    kinds = rng.choice(len(contracts), size=args.size, p=list(CONTRACT_MIX.values()))
    started = time.perf_counter()
    table = DocTable()
    docs = (IndexedDoc(id=f"GEN-O{i + 1:07d}", title="", text="",
                       location=GeoPoint(lat=float(communes.lat[r]), lon=float(communes.lon[r])),
                       contract_types=(contracts[int(k)],))
            for i, (r, k) in enumerate(zip(rows.tolist(), kinds.tolist(), strict=True)))
    table.upsert(docs, labels=list(range(args.size)),
                 locations=[(0, 0)] * args.size)
    table.save(work)
    table_s = time.perf_counter() - started
    return {"size": args.size, "vectors_add_s": round(add_s, 1),
            "vectors_save_and_ivf_switch_s": round(save_s, 1), "build_peak_rss_mib": build_peak,
            "table_build_and_save_s": round(table_s, 1), "vectors_mib": du_mib(work / "vectors"),
            "table_mib": round((work / "table.npz").stat().st_size / 2**20, 1),
            "real_vector_pool": len(pool), "load_avg": load_avg()}


def serve(args: argparse.Namespace) -> dict[str, Any]:
    """Reopen (memory-mapped) and measure latency, recall and RSS."""
    from indexer.doc_table import DocTable
    from indexer.documents import profile_embedding_text
    from indexer.encoders.use import UseEncoder
    from indexer.models import GeoPoint, Profile
    from indexer.stores.faiss_store import FaissVectorStore
    from indexer.stores.protocols import Filters, GeoFilter

    work = Path(args.work)
    encoder = UseEncoder()
    profiles = []
    with (Path(args.corpus) / PROFILES_FILE).open(encoding="utf-8") as stream:
        for line in stream:
            profiles.append(Profile.model_validate_json(line))
            if len(profiles) >= args.queries:
                break
    encode_ms, encode_cpu_ms = [], []
    queries = []
    for profile in profiles:
        t0, c0 = time.perf_counter(), time.thread_time()
        queries.append(encoder.encode_queries([profile_embedding_text(profile)]))
        encode_ms.append((time.perf_counter() - t0) * 1000)
        encode_cpu_ms.append((time.thread_time() - c0) * 1000)
    rss_before = current_rss_mib()
    t0 = time.perf_counter()
    store = FaissVectorStore.load(work / "vectors")
    table = DocTable.load(work)
    open_s = time.perf_counter() - t0
    assert table is not None
    rss_open = current_rss_mib()
    nlist = int(store.index_factory[3:].split(",")[0]) if store.index_factory.startswith(
        "IVF") else 0
    out: dict[str, Any] = {"index": store.index_factory, "nprobe": store.nprobe,
                           "open_s": round(open_s, 2), "rss_before_open_mib": rss_before,
                           "rss_after_open_mib": rss_open,
                           "query_encoding_ms": percentiles(encode_ms),
                           "query_encoding_cpu_ms": percentiles(encode_cpu_ms)}
    variants: dict[str, Any] = {}
    for variant in ("none", "radius30", "contract"):
        ann_ms, ann_cpu_ms, exact_ms, filter_ms, recalls = [], [], [], [], []
        for profile, vector in zip(profiles, queries, strict=True):
            point = profile.place.point if profile.place and profile.place.point else None
            if variant == "radius30" and point is not None:
                filters = Filters(geo=GeoFilter(GeoPoint(lat=point.lat, lon=point.lon), 30.0))
            elif variant == "contract":
                filters = Filters(contract_types=frozenset({"CDI"}))
            else:
                filters = Filters()
            t0 = time.perf_counter()
            mask = table.allowed_mask(filters)
            labels = None if mask is None else table.labels(mask)
            t1 = time.perf_counter()
            if labels is not None and len(labels) == 0:
                continue
            c1 = time.thread_time()
            ann = store.search_labels(vector, 10, labels)[0]
            ann_cpu_ms.append((time.thread_time() - c1) * 1000)
            t2 = time.perf_counter()
            exact = store.search_labels(vector, 10, labels, nprobe=nlist or None)[0]
            t3 = time.perf_counter()
            filter_ms.append((t1 - t0) * 1000)
            ann_ms.append((t2 - t1) * 1000)
            exact_ms.append((t3 - t2) * 1000)
            truth = {h.id for h in exact}
            if truth:
                recalls.append(len(truth & {h.id for h in ann}) / len(truth))
        variants[variant] = {"filter_ms": percentiles(filter_ms), "ann_ms": percentiles(ann_ms),
                             "ann_cpu_ms": percentiles(ann_cpu_ms),
                             "exhaustive_ms": percentiles(exact_ms),
                             "recall_at_10": round(float(np.mean(recalls)), 4)
                             if recalls else None, "queries": len(recalls)}
    out.update({"variants": variants, "rss_serving_mib": current_rss_mib(),
                "peak_rss_mib": peak_rss_mib(), "load_avg": load_avg()})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Build in this process, serve in a fresh one, write ``OUT/scale-N.json``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--real-cache", default=".cache/bench/embeddings")
    parser.add_argument("--corpus", default=".cache/bench/corpus")
    parser.add_argument("--work", default=".cache/bench/work/scale")
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--cache-dir", default="var/cache")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--phase", choices=("build", "serve"), default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.phase is not None:
        result = build(args) if args.phase == "build" else serve(args)
        (Path(args.work) / f"{args.phase}.json").write_text(json.dumps(result, indent=2),
                                                             encoding="utf-8")
        return 0
    results: dict[str, Any] = {"GENERATED_corpus": True, "size": args.size}
    for phase in ("build", "serve"):
        logger.info("scale N=%d: %s (load %.2f)", args.size, phase, load_avg())
        subprocess.run([sys.executable, "-m", "bench.scale", "--phase", phase,
                        *(argv if argv is not None else sys.argv[1:])], check=True)
        results[phase] = json.loads((Path(args.work) / f"{phase}.json").read_text("utf-8"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"scale-{args.size}.json").write_text(json.dumps(results, indent=2) + "\n",
                                                 encoding="utf-8")
    logger.info("scale results: %s", json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
