"""Which FAISS index a vector store should be: recall@10 and single-query latency of several
index types, each at several ``nprobe``, on the real vectors of a built index.

The vectors are read back from the inverted lists of an IVF store
(``…/offers/vectors/index.faiss`` of an index built by ``emploi index`` or ``bench.run``).
``--queries`` of them, drawn with a fixed seed, are the queries (the build-time recall check
samples its queries the same way), and an exact inner-product search gives the truth. Each
factory in ``--factories`` is then trained on a sample of 40 points per list (at most the
whole set), filled, and timed one query at a time on one thread, as a request is served.
Prints one JSON object; ``--out`` also writes it.

::

    python -m bench.ivf_choice --index INDEX/gen-000002/offers/vectors/index.faiss \\
        --factories IVF1024,Flat IVF4096,Flat IVF1024,SQ8 --out bench/results/ivf-choice.json
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from bench.json_output import configure_logging, emit
from indexer.stores.faiss_store import FaissVectorStore

log = logging.getLogger("bench.ivf_choice")
TRAIN_POINTS_PER_LIST = 40
TOP_K = 10
FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


def stored_vectors(path: Path) -> FloatArray:
    """Every vector held by the inverted lists of the IVF index at ``path`` (the
    ``index.faiss`` of a vector store: full or half-precision lists)."""
    store = FaissVectorStore.load(path.parent)
    if not store.nlist:
        raise SystemExit(f"{path}: an exact index, not an IVF one")
    return np.concatenate(list(store.list_vectors()))


def _recall(found: IdArray, truth: IdArray) -> float:
    return float(np.mean([len(set(row) & set(expected)) / TOP_K
                          for row, expected in zip(found.tolist(), truth.tolist(), strict=True)]))


def _timed(index: Any, queries: FloatArray, truth: IdArray) -> dict[str, float]:
    """Recall@10 and per-query latency (ms) of ``index`` searching one query at a time."""
    found = np.empty((len(queries), TOP_K), dtype=np.int64)
    times: list[float] = []
    for row, query in enumerate(queries):
        started = time.perf_counter()
        _, found[row] = index.search(query[None], TOP_K)
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {"recall_at_10": round(_recall(found, truth), 3),
            "p50_ms": round(statistics.median(times), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2)}


def measure(vectors: FloatArray, factories: Sequence[str], probes: Sequence[int],
            queries: int, seed: int, threads: int) -> dict[str, Any]:
    """Train and time each factory on ``vectors`` (module doc)."""
    rng = np.random.default_rng(seed)
    chosen = vectors[rng.choice(len(vectors), min(queries, len(vectors)), replace=False)]
    faiss.omp_set_num_threads(threads)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth = exact.search(chosen, TOP_K)[1]
    del exact
    rows: list[dict[str, Any]] = []
    for factory in factories:
        index: Any = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        ivf: Any = faiss.extract_index_ivf(index)
        sample = vectors[rng.choice(len(vectors), min(len(vectors),
                                                      ivf.nlist * TRAIN_POINTS_PER_LIST),
                                    replace=False)]
        faiss.omp_set_num_threads(threads)
        started = time.perf_counter()
        index.train(sample)
        trained = time.perf_counter()
        index.add(vectors)
        added = time.perf_counter()
        log.info("%s: trained in %.1f s, filled in %.1f s", factory, trained - started,
                 added - trained)
        faiss.omp_set_num_threads(1)  # one request, one thread
        for nprobe in (probe for probe in probes if probe <= ivf.nlist):
            ivf.nprobe = nprobe
            rows.append({"factory": factory, "nprobe": nprobe,
                         "train_s": round(trained - started, 1),
                         "add_s": round(added - trained, 1),
                         **_timed(index, chosen, truth)})
        del index
    return {"vectors": len(vectors), "dimension": int(vectors.shape[1]),
            "queries": len(chosen), "seed": seed, "rows": rows}


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`measure` on a built index's vectors and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True,
                        help="the index.faiss of a built IVF vector store")
    parser.add_argument("--factories", nargs="+",
                        default=["IVF1024,Flat", "IVF4096,Flat", "IVF1024,SQ8"],
                        help="FAISS factory strings to compare (IVF types)")
    parser.add_argument("--nprobe", default="16,32,48,64,96,128,192",
                        help="probe counts to time, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="stored vectors asked")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2,
                        help="FAISS threads for the exact truth and training")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    configure_logging()
    vectors = stored_vectors(args.index)
    log.info("%d vectors of dimension %d read from %s", *vectors.shape, args.index)
    probes = sorted({int(value) for value in args.nprobe.split(",")})
    emit(measure(vectors, args.factories, probes, args.queries, args.seed, args.threads),
         args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
