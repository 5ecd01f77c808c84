"""Recall of the approximate (IVF) vector index, checked when a generation is written.

:func:`ensure_recall` measures recall@10 of a :class:`FaissVectorStore`'s IVF search on a
sample of its own vectors against exhaustive search (:func:`exact_scores`), raises ``nprobe``
until the target is met (doubling, then bisecting down to the smallest probe count found
that meets it, never below the store's size-based default), and records the outcome on the
store (saved with its id map, then copied into the manifest by the writer). Serving uses the
recorded ``nprobe``. When the target is not met at the largest probe count allowed
(``max_probe_share`` of the lists), the best measured one is kept and a warning is logged.

A sampled vector finds itself (or an identical duplicate) first, so the check asks for 11
neighbours and scores the 10 after it. Ties count as found: an approximate hit is right when
its score reaches the exhaustive search's 11th score (duplicate offers have equal vectors,
and which of them comes back does not matter).

The check is not repeated while the store keeps its index type and its size moves by less
than :data:`REMEASURE_SHARE` since the last measurement (a web write commits a generation
for one profile; measuring a million vectors again each time would cost tens of seconds).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from indexer.stores.faiss_store import FaissVectorStore

FloatArray = npt.NDArray[np.float32]

log = logging.getLogger(__name__)

TOP_K = 10
REMEASURE_SHARE = 0.1
"""Measure again once the store grew or shrank by this share since the last check."""
EXACT_BLOCK_ROWS = 16_384
"""Stored vectors scored per matrix product of the exact scan (with 1,000 queries: 64 MB)."""
SCORE_TOLERANCE = 1e-5
"""Inner products closer than this count as ties."""


@dataclass(frozen=True, slots=True)
class RecallCheck:
    """One measurement: recall@10 at ``nprobe`` on ``sample`` of the ``count`` vectors."""

    recall_at_10: float
    nprobe: int
    sample: int
    target: float
    count: int
    factory: str
    seconds: float = 0.0

    @property
    def met(self) -> bool:
        """Whether the measured recall reaches the target."""
        return self.recall_at_10 >= self.target

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RecallCheck:
        """The check :meth:`to_dict` wrote."""
        return cls(recall_at_10=float(raw["recall_at_10"]), nprobe=int(raw["nprobe"]),
                   sample=int(raw["sample"]), target=float(raw["target"]),
                   count=int(raw["count"]), factory=str(raw["factory"]),
                   seconds=float(raw.get("seconds", 0.0)))


def ensure_recall(store: FaissVectorStore, target: float, sample: int,
                  max_probe_share: float = 0.5, seed: int = 0,
                  label: str = "vectors") -> RecallCheck | None:
    """Check (or re-use the still-valid check of) ``store``'s IVF recall, tune its
    ``nprobe`` and record the check on the store; None for an exact (Flat) store."""
    nlist = store.nlist
    if nlist == 0 or store.count() <= TOP_K + 1:
        store.recall_check = None
        return None
    previous = store.recall_check
    if previous is not None and _still_valid(previous, store, target):
        store.nprobe = previous.nprobe
        log.debug("%s: recall check of %d vectors still valid", label, previous.count)
        return previous
    started = time.perf_counter()
    queries = store.sample_stored_vectors(sample, seed)
    truth = exact_scores(store, queries)
    floor = max(1, store.default_nprobe)
    ceiling = max(floor, min(nlist, int(np.ceil(nlist * max_probe_share))))
    measured: dict[int, float] = {}

    def recall_at(nprobe: int) -> float:
        if nprobe not in measured:
            measured[nprobe] = recall_of(store, queries, truth, nprobe)
        return measured[nprobe]

    probe = floor
    while recall_at(probe) < target and probe < ceiling:
        probe = min(ceiling, probe * 2)
    if recall_at(probe) >= target:  # bisect down between the last miss and this probe
        low = max(floor, probe // 2) if probe > floor else floor
        while probe - low > max(1, probe // 8):
            middle = (low + probe) // 2
            if recall_at(middle) >= target:
                probe = middle
            else:
                low = middle
    else:
        probe = max(measured, key=lambda p: (measured[p], -p))
    check = RecallCheck(recall_at_10=round(measured[probe], 4), nprobe=probe,
                        sample=len(queries), target=target, count=store.count(),
                        factory=store.index_factory,
                        seconds=round(time.perf_counter() - started, 2))
    store.nprobe = probe
    store.recall_check = check
    tried = ", ".join(f"{p}: {measured[p]:.3f}" for p in sorted(measured))
    if check.met:
        log.info("%s: %s recall@10 %.3f at nprobe %d (target %.3f; %d sampled vectors; "
                 "tried %s; %.1f s)", label, check.factory, check.recall_at_10, probe, target,
                 check.sample, tried, check.seconds)
    else:
        log.warning("%s: %s recall@10 is %.3f at nprobe %d, below the target %.3f even at "
                    "the largest probe count allowed (%d of %d lists; tried %s): raise "
                    "EMPLOI_ANN_MAX_PROBE_SHARE or lower EMPLOI_ANN_RECALL_TARGET",
                    label, check.factory, check.recall_at_10, probe, target, ceiling, nlist,
                    tried)
    return check


def recall_of(store: FaissVectorStore, queries: FloatArray, truth: FloatArray,
              nprobe: int) -> float:
    """Mean recall@10 of ``store`` probing ``nprobe`` lists, for ``queries`` (stored vectors)
    whose exhaustive scores (11 each, best first) are ``truth``."""
    found = _scores(store, queries, nprobe)
    threshold = truth[:, -1:] - SCORE_TOLERANCE
    # the first hit is the vector itself (or an equal duplicate): recall of the 10 after it
    right = np.minimum((found >= threshold).sum(axis=1), TOP_K + 1) - 1
    return float(np.mean(np.clip(right, 0, TOP_K) / TOP_K))


def exact_scores(store: FaissVectorStore, queries: FloatArray) -> FloatArray:
    """The 11 best inner products of each query over every stored vector, best first: one
    matrix product per inverted list, keeping a running top 11 (no full copy of the index,
    and BLAS instead of a one-query-at-a-time scan)."""
    best = np.full((len(queries), TOP_K + 1), -np.inf, dtype=np.float32)

    def merge(block: list[FloatArray]) -> FloatArray:
        merged = np.concatenate([best, queries @ np.concatenate(block).T], axis=1)
        keep = np.argpartition(-merged, TOP_K, axis=1)[:, :TOP_K + 1]
        return np.take_along_axis(merged, keep, axis=1)

    block: list[FloatArray] = []
    rows = 0
    for vectors in store.list_vectors():
        block.append(vectors)
        rows += len(vectors)
        if rows >= EXACT_BLOCK_ROWS:
            best, block, rows = merge(block), [], 0
    if block:
        best = merge(block)
    return -np.sort(-best, axis=1)


def _scores(store: FaissVectorStore, queries: FloatArray, nprobe: int) -> FloatArray:
    """The 11 best scores of each query (-inf where fewer came back)."""
    hits = store.search_labels(queries, TOP_K + 1, None, nprobe=nprobe)
    scores = np.full((len(queries), TOP_K + 1), -np.inf, dtype=np.float32)
    for row, row_hits in enumerate(hits):
        for column, hit in enumerate(row_hits[:TOP_K + 1]):
            scores[row, column] = hit.score
    return scores


def _still_valid(check: RecallCheck, store: FaissVectorStore, target: float) -> bool:
    return (check.factory == store.index_factory and check.target == target
            and abs(store.count() - check.count) <= REMEASURE_SHARE * check.count)
