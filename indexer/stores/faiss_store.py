"""The embedded vector store: FAISS, inner product on unit vectors, string ids.

String ids map to int64 labels, held by an ``IndexIDMap2`` around an exact index and by the
inverted lists themselves in an IVF index (``IndexIDMap2`` compacts its id map on removal, which
only an exact index's storage matches: around IVF, every removal shifted the ids that
searches returned); labels are never reused, so a stale label can never name another
document. ``allowed`` becomes an ``IDSelectorBatch`` passed
through ``SearchParameters``, so filtering happens inside the search; a short allow-list is
scored exactly instead, its vectors read back by label (:meth:`FaissVectorStore._exact_among`:
in one gather from a reader's memory-mapped lists, :mod:`indexer.stores.list_codes`).

**Index choice by size** (:func:`choose_index`): exact ``Flat`` up to :data:`FLAT_MAX_VECTORS`
vectors, then ``IVF{nlist},SQfp16`` (inverted lists of the vectors in half precision: half
the memory and time of full vectors, a quantisation error of ≈ 1e-4 a coordinate; it supports
``remove_ids``, unlike HNSW, so incremental updates need no rebuild). An index written with
full vectors (``IVF{nlist},Flat``, before stop 39) is read and updated as it is. The switch
happens in ``save()`` (trained on a sample of the stored vectors), and later upserts add to the
trained index. The vectors are never held twice in memory: a fresh store writes them to a
temporary file beside the store (``spill_dir``, :mod:`indexer.stores.vector_spill`) as they
arrive, and reads them back only when a search, a removal or ``save`` needs them; at the
switch, the IVF index is trained on a sample read from the file and filled from it a chunk
at a time (an exact index that already holds vectors writes them to the file first, and is
freed). At 1M 256-d vectors the build holds none of the 1 GB of vectors before the switch,
and the half-precision lists (0.5 GB) at its peak, where an exact index grown by ``add``
doubled its buffer by copying it (≈ 0.9 GiB twice for seconds at the last doubling).
``nprobe`` starts at a share of the
lists (:func:`choose_index`) and is tuned when a generation is written until recall@10 on a
sample of the stored vectors reaches the target (:mod:`indexer.stores.ann_recall`); the
check is saved with the id map and the tuned ``nprobe`` is the one searches use. A filtered
search widens ``nprobe`` in proportion to the filter's selectivity, up to every list (exact).

``load()`` memory-maps the index file (``IO_FLAG_MMAP``) for readers; FAISS maps IVF lists as
read-only ``OnDiskInvertedLists``, so a writer loads with ``mmap=False``. The id map is a
``.npy`` array indexed by label (no JSON parsing at open).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from indexer.atomic import atomic_path
from indexer.stores.ann_recall import RecallCheck, ensure_recall
from indexer.stores.list_codes import MappedListCodes, best_of, vectors_of
from indexer.stores.protocols import Hit
from indexer.stores.vector_input import checked_vectors
from indexer.stores.vector_spill import VectorSpill

logger = logging.getLogger(__name__)

#: OpenMP threads FAISS uses until :func:`set_faiss_threads` applies the setting
#: (``Settings.faiss_threads``, ``EMPLOI_FAISS_THREADS``). A single query gains little from
#: threads, and on a busy 2-core machine OpenMP's spinning made one 60k-vector search 5-10x
#: slower (measured by ``bench.scale``: 20 ms instead of 2-4 ms).
DEFAULT_FAISS_THREADS = 1
faiss.omp_set_num_threads(DEFAULT_FAISS_THREADS)


def set_faiss_threads(threads: int) -> None:
    """Let FAISS use ``threads`` OpenMP threads in this process (at least one)."""
    faiss.omp_set_num_threads(max(1, threads))

INDEX_FILE = "index.faiss"
IDS_FILE = "ids.json"
LABELS_FILE = "ids.npy"
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)

#: Up to this many vectors the store is exact (``Flat``).
FLAT_MAX_VECTORS = 50_000
#: How an IVF index's lists hold the vectors: in half precision (``SQfp16``, the vectors
#: themselves, not residuals). At 1M real vectors, IVF4096 and 128 probes, an unfiltered search
#: takes 1.03 ms instead of 1.81 with full vectors (``Flat``) for recall@10 0.964 instead of
#: 0.967, and the lists 0.5 GB instead of 1 GB (docs/performance.md, stop 37).
LIST_CODES = "SQfp16"
#: Lists of an IVF index per √count (FAISS's guide: 4 to 16 √count), at most MAX_NLIST.
LISTS_PER_ROOT = 4
MAX_NLIST = 4096
#: IVF training sample: this many points per list (FAISS wants ≥ 39), at most TRAIN_MAX.
TRAIN_POINTS_PER_LIST = 40
TRAIN_MAX = MAX_NLIST * TRAIN_POINTS_PER_LIST
#: From this many allowed labels on, a filtered search uses a bitmap selector.
BITMAP_MIN_LABELS = 4096
EXACT_AMONG_RATIO = 20
"""A filtered IVF search scans ≈ count × probe / nlist stored vectors; scoring the allowed
vectors exactly instead reads each back by label. At 1M offers with half-precision lists
(stop 39, seekers' radii of 10, 30 and 60 km): ≈ 8–17 ns a scanned vector, ≈ 250–300 ns an
allowed one gathered from the mapped lists (:mod:`indexer.stores.list_codes`), even at a
ratio of ≈ 20 (25: 11.0 ms exact against 13.9; 15: 12.7 against 11.7). When the allow-list
is this many times smaller than the scan, it is scored exactly (and its recall is 1)."""
#: Share of the lists probed by an unfiltered IVF search before the build-time recall check
#: raises it (1M real vectors, IVF4096: 128 lists gave recall@10 0.981; docs/performance.md).
PROBE_SHARE = 1 / 32
MIN_NPROBE = 16


def _nlist(factory: str) -> int:
    return int(factory[3:].split(",")[0]) if factory.startswith("IVF") else 0


def _default_nprobe(factory: str) -> int:
    return _probe_share_of(_nlist(factory))


def _probe_share_of(nlist: int) -> int:
    """The lists an unfiltered search of ``nlist`` lists probes before the recall check."""
    return min(nlist, max(MIN_NPROBE, int(nlist * PROBE_SHARE))) if nlist else 0


def _reserve_lists(ivf: Any, lists: IdArray) -> None:
    """Give each inverted list the room of its final size before it is filled: grown one
    entry at a time, a list's buffer doubles and is copied, which left ≈ 0.4 GB of freed
    buffers in the allocator's heap at 1M vectors. Resizing up to the final size and back to
    empty keeps the capacity (``std::vector``)."""
    invlists: Any = faiss.downcast_InvertedLists(ivf.invlists)
    for number, size in enumerate(np.bincount(lists, minlength=ivf.nlist).tolist()):
        if size:
            invlists.resize(number, size)
            invlists.resize(number, 0)


def choose_index(count: int, flat_max: int | None = None) -> tuple[str, int]:
    """The FAISS factory string and ``nprobe`` for ``count`` vectors: ``("Flat", 0)`` while
    exact search is fast enough (up to ``flat_max`` vectors, default
    :data:`FLAT_MAX_VECTORS`), then ``IVF{nlist},SQfp16`` with nlist the power of two nearest
    :data:`LISTS_PER_ROOT` √count, at most :data:`MAX_NLIST`, halved until each list gets
    its training points or 16 lists are left (1,024 at 100k vectors, 4,096 at 1M)."""
    if count <= (FLAT_MAX_VECTORS if flat_max is None else flat_max):
        return "Flat", 0
    nlist = min(MAX_NLIST, 2 ** round(np.log2(LISTS_PER_ROOT * np.sqrt(count))))
    while nlist > 16 and count < nlist * TRAIN_POINTS_PER_LIST:
        nlist //= 2
    return f"IVF{nlist},{LIST_CODES}", _probe_share_of(nlist)

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]
_DIRECT_MAP: Any = faiss.DirectMap  # type: ignore[attr-defined]  # missing from the stubs


class FaissVectorStore:
    """A ``VectorStore`` on a FAISS index built by ``index_factory`` (exact with ``"Flat"``).

    Safe to share between threads (writes and searches are serialised).
    """

    def __init__(self, dimension: int, index_factory: str = "Flat", *,
                 auto_index: bool = True, nprobe: int = 0,
                 spill_dir: Path | None = None) -> None:
        """``spill_dir``: where a fresh store's vectors, and the exact index's at the switch
        to IVF, are written until an index holds them (default: the system's temporary
        folder)."""
        if dimension <= 0:
            raise ValueError(f"dimension must be positive, got {dimension}")
        self._dimension = dimension
        self._factory = index_factory
        self.auto_index = auto_index
        self.nprobe = nprobe or _default_nprobe(index_factory)
        self.spill_dir = spill_dir
        self.flat_max_vectors: int | None = None
        """Up to this many vectors ``save()`` keeps an exact index (None:
        :data:`FLAT_MAX_VECTORS`)."""
        self.recall_check: RecallCheck | None = None
        """The last recall measurement of the IVF index (``ann_recall``), saved with it."""
        inner = _new_index(dimension, index_factory)
        self._index: Any = inner if _nlist(index_factory) else faiss.IndexIDMap2(inner)
        self._appended: VectorSpill | None = None
        """A fresh exact store's vectors, written to a file as they arrive (:meth:`upsert`)
        until a read, a removal or ``save`` needs them in an index."""
        self._label_of_map: dict[str, int] | None = {}
        self._ids_by_label: list[str | None] = []
        self._count = 0
        self._next_label = 0
        self._lock = threading.RLock()
        self._mapped_codes: MappedListCodes | None = None
        """A reader's memory-mapped lists, by label (:meth:`_list_codes`)."""
        self._codes_looked_up = False

    @property
    def index_factory(self) -> str:
        """The FAISS factory string of the current index (``Flat``, ``IVF1024,Flat``…)."""
        return self._factory

    @property
    def nlist(self) -> int:
        """The IVF index's number of lists (0 for an exact index)."""
        return _nlist(self._factory)

    @property
    def default_nprobe(self) -> int:
        """The size-based ``nprobe`` of this index type (0 for an exact index)."""
        return _default_nprobe(self._factory)

    @property
    def _label_of(self) -> dict[str, int]:
        """Id → label, built on first need (readers that search by label never need it)."""
        if self._label_of_map is None:
            self._label_of_map = {doc_id: label for label, doc_id in
                                  enumerate(self._ids_by_label) if doc_id is not None}
        return self._label_of_map

    def label_of(self, doc_id: str) -> int | None:
        """The label of a stored id, or None."""
        return self._label_of.get(doc_id)

    def describe(self) -> dict[str, Any]:
        """What the index manifest records: the factory string, ``nprobe`` and the last recall
        check (None for an exact index, or before the first check)."""
        return {"factory": self._factory, "nprobe": self.nprobe,
                "recall": None if self.recall_check is None else self.recall_check.to_dict()}

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return self._dimension

    def count(self) -> int:
        """How many vectors the store holds."""
        return self._count

    # --- writes -------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: FloatArray) -> None:
        """Add vectors, replacing any with the same id (the last one wins within a batch).
        While an exact store has held nothing else, new ids' vectors go to a temporary file
        (:mod:`indexer.stores.vector_spill`), read back when first needed."""
        matrix = self._validate(vectors, "vectors")
        if len(ids) != matrix.shape[0]:
            raise ValueError(f"{len(ids)} ids for {matrix.shape[0]} vectors")
        last_row = {doc_id: row for row, doc_id in enumerate(ids)}
        rows = np.fromiter(last_row.values(), dtype=np.int64, count=len(last_row))
        with self._lock:
            labels = np.arange(self._next_label, self._next_label + len(rows), dtype=np.int64)
            if self._appending(last_row.keys()):
                if self._appended is None:
                    self._appended = VectorSpill(self._dimension, self.spill_dir)
                self._appended.append(matrix[rows], labels)
            else:
                self._remove(last_row.keys())
                self._train_if_needed(matrix[rows])
                self._ready().add_with_ids(matrix[rows], labels)
                self._lists_changed()
            self._next_label += len(rows)
            label_of = self._label_of
            self._ids_by_label.extend(last_row)
            for doc_id, label in zip(last_row, labels.tolist(), strict=True):
                label_of[doc_id] = label
            self._count += len(rows)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove vectors by id; unknown ids are ignored."""
        with self._lock:
            self._remove(ids)

    def purge(self, ids: Iterable[str]) -> None:
        """Remove vectors by id (an erasure): FAISS removes them from its lists and ``save``
        writes the index whole, so the files it writes never hold them; the files it was
        loaded from go with their generation."""
        self.delete(ids)

    # --- search -------------------------------------------------------------------------------

    def search(
        self, vectors: FloatArray, top_k: int, allowed: Collection[str] | None = None
    ) -> list[list[Hit]]:
        """For each query vector, the ``top_k`` nearest stored ids among ``allowed``."""
        with self._lock:
            labels = None if allowed is None else self._labels(allowed)
            return self.search_labels(vectors, top_k, labels)

    def search_labels(self, vectors: FloatArray, top_k: int,
                      labels: IdArray | None = None, nprobe: int | None = None
                      ) -> list[list[Hit]]:
        """Like ``search`` with the allow-list given as labels (``label_of``), which skips
        the id → label look-ups; ``nprobe`` overrides the IVF probe count (``nlist``: exact)."""
        queries = self._validate(vectors, "query vectors")
        with self._lock:
            size = self.count() if labels is None else len(labels)
            k = min(top_k, size)
            if k <= 0 or queries.shape[0] == 0:
                return [[] for _ in range(queries.shape[0])]
            if labels is not None and self._exact_is_cheaper(len(labels), nprobe):
                return [self._exact_among(query, k, labels) for query in queries]
            params, selector = self._params(labels, nprobe)
            scores, found = self._ready().search(queries, k, params=params)
            del selector  # referenced until the search is over
            return [self._hits(row_scores, row_labels)
                    for row_scores, row_labels in zip(scores, found, strict=True)]

    def _probe(self, allowed: int | None, nprobe: int | None) -> int:
        """The lists an IVF search probes: ``nprobe`` when given, else the store's, scaled up
        for an allow-list so as many allowed candidates are expected as without a filter."""
        probe = nprobe or self.nprobe
        if allowed is not None and nprobe is None and self._count:
            probe = int(np.ceil(probe / max(allowed / self._count, 1e-9)))
        return int(min(self.nlist, probe))

    def _exact_is_cheaper(self, allowed: int, nprobe: int | None) -> bool:
        """Whether scoring the allowed vectors exactly beats the IVF scan
        (:data:`EXACT_AMONG_RATIO`); never for an exact index, which is a scan already."""
        if not self.nlist:
            return False
        scanned = self._count * self._probe(allowed, nprobe) / self.nlist
        return allowed * EXACT_AMONG_RATIO <= scanned

    def prepare_reads(self) -> None:
        """Build now what reads an allow-list's vectors back by label (an IVF index), which
        the first filtered search would otherwise pay: each vector's place in memory-mapped
        lists (:mod:`indexer.stores.list_codes`; 1M vectors: ≈ 0.05 s), else FAISS's direct
        map (0.28 s)."""
        with self._lock:
            if self.nlist and self._list_codes() is None:
                self._direct_mapped()

    def _list_codes(self) -> MappedListCodes | None:
        """The memory-mapped lists' codes by label, found on first need; None for lists in
        memory (a writer's), which FAISS reads back through its direct map."""
        if not self._codes_looked_up:
            self._mapped_codes = MappedListCodes.of(self._ready(), self._next_label)
            self._codes_looked_up = True
        return self._mapped_codes

    def _lists_changed(self) -> None:
        """Forget where the lists' codes were (a write moves them)."""
        self._mapped_codes = None
        self._codes_looked_up = False

    def _direct_mapped(self) -> Any:
        """The IVF index, its label → vector map built (kept up to date by FAISS through
        later adds and removals)."""
        ivf: Any = faiss.extract_index_ivf(self._ready())
        if ivf.direct_map.type == _DIRECT_MAP.NoMap:
            ivf.set_direct_map_type(_DIRECT_MAP.Hashtable)
        return ivf

    def _exact_among(self, query: FloatArray, k: int, labels: IdArray) -> list[Hit]:
        """The ``k`` best of the allowed vectors, read back from the IVF lists by label
        (in one gather from memory-mapped lists) and scored exactly (ties by label)."""
        labels = np.ascontiguousarray(labels, dtype=np.int64)
        codes = self._list_codes()
        if codes is not None:
            return self._hits(*codes.best(query, labels, k))
        vectors = self._direct_mapped().reconstruct_batch(labels)
        return self._hits(*best_of(vectors @ query, labels, k))

    def _params(self, labels: IdArray | None, nprobe: int | None) -> tuple[Any, Any]:
        ivf = self._factory.startswith("IVF")
        if labels is None and not ivf:
            return None, None
        params: Any = faiss.SearchParametersIVF() if ivf else faiss.SearchParameters()
        if ivf:
            params.nprobe = self._probe(None if labels is None else len(labels), nprobe)
        selector: Any = None
        if labels is not None:
            selector = self._selector(labels)
            params.sel = selector
        return params, selector

    def _selector(self, labels: IdArray) -> Any:
        """An ``IDSelectorBatch`` for a short allow-list; for a long one, an
        ``IDSelectorBitmap`` over the label range (labels are dense: building a hash set of
        500k labels cost ~100 ms per query at 1M, the bitmap ~1 ms)."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(labels) < BITMAP_MIN_LABELS:
            return faiss.IDSelectorBatch(np.ascontiguousarray(labels))
        bits = np.zeros(max(self._next_label, 1), dtype=bool)
        bits[labels] = True
        packed = np.packbits(bits, bitorder="little")
        selector: Any = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(packed))
        selector.packed_ref = packed  # the bitmap must outlive the selector
        return selector

    # --- persistence --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index and the id map into ``directory``, each file replaced atomically."""
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self.auto_index:
                self.switch_index_if_needed()
            with atomic_path(directory / INDEX_FILE) as temporary:
                faiss.write_index(self._ready(), str(temporary))
            labels = np.array(["" if doc_id is None else doc_id
                               for doc_id in self._ids_by_label], dtype=str)
            with atomic_path(directory / LABELS_FILE) as temporary, \
                    temporary.open("wb") as stream:
                np.save(stream, labels, allow_pickle=False)
            meta = {
                "format_version": FORMAT_VERSION,
                "faiss_version": faiss.__version__,
                "dimension": self._dimension,
                "index_factory": self._factory,
                "nprobe": self.nprobe,
                "next_label": self._next_label,
                "count": self._count,
                "recall": None if self.recall_check is None else self.recall_check.to_dict(),
            }
        with atomic_path(directory / IDS_FILE) as temporary:
            temporary.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        logger.debug("saved %d vectors to %s", self.count(), directory)

    @classmethod
    def load(cls, directory: Path, mmap: bool = True, *,
             spill_dir: Path | None = None) -> FaissVectorStore:
        """Open a store written by ``save``: with ``mmap`` (readers) the index file is
        memory-mapped (``IO_FLAG_MMAP``: the IVF lists, read-only; an exact index is read whole);
        a writer loads with ``mmap=False``. ``spill_dir`` as for the constructor."""
        meta = json.loads((directory / IDS_FILE).read_text(encoding="utf-8"))
        if meta.get("format_version") not in READABLE_FORMATS:
            raise ValueError(f"{directory / IDS_FILE}: unsupported format version "
                             f"{meta.get('format_version')!r}, expected {FORMAT_VERSION}")
        store = cls(int(meta["dimension"]), str(meta["index_factory"]),
                    nprobe=int(meta.get("nprobe", 0)), spill_dir=spill_dir)
        if meta.get("recall"):
            store.recall_check = RecallCheck.from_dict(meta["recall"])
        store._index = faiss.read_index(str(directory / INDEX_FILE),
                                        faiss.IO_FLAG_MMAP if mmap else 0)
        if store.nlist:
            _without_prefetch_threads(store._index)
        if store.nlist and isinstance(faiss.downcast_index(store._index), faiss.IndexIDMap2):
            logger.warning("%s: IVF index of an earlier version keeps its ids in an id map "
                           "that removals desynchronise (searches may return other "
                           "records once any was replaced or deleted): rebuild it with "
                           "`emploi index --rebuild`", directory)
        store._next_label = int(meta["next_label"])
        ids_by_label: list[str | None] = [None] * store._next_label
        if "ids" in meta:  # format 1
            for label, doc_id in meta["ids"]:
                ids_by_label[int(label)] = str(doc_id)
        else:
            names = np.load(directory / LABELS_FILE, allow_pickle=False).tolist()
            ids_by_label = [name or None for name in names]
        store._ids_by_label = ids_by_label
        store._label_of_map = None
        store._count = sum(1 for doc_id in ids_by_label if doc_id is not None)
        if store._index.ntotal != store._count or store._index.d != store._dimension:
            raise ValueError(f"{directory}: index holds {store._index.ntotal} vectors of "
                             f"dimension {store._index.d}, id map {store._count} of "
                             f"dimension {store._dimension}")
        return store

    # --- internals ----------------------------------------------------------------------------

    def _validate(self, vectors: object, what: str) -> FloatArray:
        return checked_vectors(vectors, self._dimension, what)

    def _appending(self, ids: Iterable[str]) -> bool:
        """Whether vectors of ``ids`` go to the spill file: an exact store that has held
        nothing but spilled vectors, and ids it does not hold."""
        if self._factory != "Flat" or (self._appended is None and self._index.ntotal):
            return False
        label_of = self._label_of
        return not any(doc_id in label_of for doc_id in ids)

    def _ready(self) -> Any:
        """The FAISS index, holding the spilled vectors (read back into the exact index)."""
        spill = self._appended
        if spill is not None:
            self._index = self._flat_from_spill(spill)
            self._appended = None
            spill.close()
        return self._index

    def _train_if_needed(self, matrix: FloatArray) -> None:
        if not self._ready().is_trained:
            logger.info("training FAISS index %r on %d vectors", self._factory, len(matrix))
            self._index.train(matrix)

    def switch_index_if_needed(self) -> None:
        """Move from ``Flat`` to IVF once the store outgrows exact search (see
        :func:`choose_index`); an IVF index stays IVF (it is updated in place)."""
        with self._lock:
            factory, nprobe = choose_index(self._count, self.flat_max_vectors)
            if factory == "Flat" or self._factory != "Flat":
                return
            self._switch_to(factory, nprobe)

    def check_recall(self, target: float, sample: int, max_probe_share: float,
                     flat_max_vectors: int, label: str) -> None:
        """Choose the index type for the store's size, then measure (or keep the still-valid
        measurement of) recall@10 and tune ``nprobe`` (:func:`ann_recall.ensure_recall`)."""
        self.flat_max_vectors = flat_max_vectors
        self.switch_index_if_needed()
        ensure_recall(self, target, sample, max_probe_share, label=label)

    def sample_stored_vectors(self, size: int, seed: int = 0) -> FloatArray:
        """Up to ``size`` stored vectors drawn at random (without replacement) from the IVF
        index's lists, where IVF-Flat keeps them whole; an exact index gives its first ones."""
        with self._lock:
            if not self.nlist:
                count = min(size, self._count)
                return np.ascontiguousarray(self._ready().index.reconstruct_n(0, count))
            ivf: Any = faiss.extract_index_ivf(self._index)
            invlists = ivf.invlists
            sizes = np.array([invlists.list_size(i) for i in range(self.nlist)],
                             dtype=np.int64)
            total = int(sizes.sum())
            picks = np.sort(np.random.default_rng(seed).choice(
                total, size=min(size, total), replace=False))
            ends = np.cumsum(sizes)
            lists = np.searchsorted(ends, picks, side="right")
            rows: list[FloatArray] = []
            for number in np.unique(lists).tolist():
                offsets = picks[lists == number] - (ends[number] - sizes[number])
                rows.append(self._list_vectors(invlists, number, int(sizes[number]))[offsets])
            return np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)

    def list_vectors(self) -> Iterator[FloatArray]:
        """The stored vectors of an IVF index, one inverted list at a time (what an exact
        scan reads without a full copy of the index)."""
        with self._lock:
            ivf: Any = faiss.extract_index_ivf(self._index)
            invlists = ivf.invlists
            for number in range(self.nlist):
                size = int(invlists.list_size(number))
                if size:
                    yield self._list_vectors(invlists, number, size)

    def _list_vectors(self, invlists: Any, number: int, size: int) -> FloatArray:
        codes = invlists.get_codes(number)
        try:
            raw = faiss.rev_swig_ptr(codes, size * invlists.code_size).copy()
        finally:
            invlists.release_codes(number, codes)
        return _decoded(raw, size, self._dimension)

    def _switch_to(self, factory: str, nprobe: int) -> None:
        """Replace the exact index by an IVF index, holding one copy of the vectors at a time:
        they are in the spill file (written as they arrived, or now from the exact index,
        which is then freed); the quantizer is trained on a sample read from the file, each
        vector's list found a chunk at a time, and the lists, given their final room, filled
        from the file (the same index as adding them all at once). Should it fail, the exact
        index is rebuilt from the file before the error goes on."""
        started = time.perf_counter()
        spill, self._appended = self._appended or self._spilled_exact_index(), None
        with spill:
            try:
                inner = self._ivf_from_spill(factory, spill)
            except BaseException:
                self._index = self._flat_from_spill(spill)
                raise
        self._index, self._factory, self.nprobe = inner, factory, nprobe
        self._lists_changed()
        logger.info("vector store: %d vectors, switched to %s (nprobe %d) in %.1f s",
                    self._count, factory, nprobe, time.perf_counter() - started)

    def _spilled_exact_index(self) -> VectorSpill:
        """The exact index's vectors written to a spill file; the index is freed after."""
        labels = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        stored = self._flat_vectors(self._index)
        spill = VectorSpill(self._dimension, self.spill_dir)
        try:
            spill.append(stored, labels)
        except BaseException:
            spill.close()
            raise
        del stored  # a view on the exact index's memory
        self._index = None  # frees the exact index's vectors
        return spill

    def _ivf_from_spill(self, factory: str, spill: VectorSpill) -> Any:
        """An IVF index built by ``factory``, trained on a sample of the spilled vectors and
        filled with all of them."""
        count = len(spill)
        nlist = _nlist(factory)
        sample = min(count, max(nlist * TRAIN_POINTS_PER_LIST, 1), TRAIN_MAX)
        rows = np.sort(np.random.default_rng(0).choice(count, size=sample, replace=False))
        inner = _new_index(self._dimension, factory)
        inner.train(spill.rows(rows))
        ivf: Any = faiss.extract_index_ivf(inner)
        lists = np.concatenate([ivf.quantizer.assign(chunk, 1).ravel()
                                for _, chunk in spill.chunks()]).astype(np.int64)
        _reserve_lists(ivf, lists)
        labels = spill.labels()
        for start, chunk in spill.chunks():
            end = start + len(chunk)
            self._fill(ivf, chunk, labels[start:end], lists[start:end])
        return inner

    @staticmethod
    def _fill(ivf: Any, chunk: FloatArray, labels: IdArray, lists: IdArray) -> None:
        """Add ``chunk`` to the lists already assigned to its rows."""
        ivf.add_core(len(chunk), faiss.swig_ptr(chunk), faiss.swig_ptr(labels),
                     faiss.swig_ptr(lists))

    def _flat_vectors(self, flat: Any) -> FloatArray:
        """The exact index's vectors, as a view on its memory (no copy)."""
        inner: Any = faiss.downcast_index(flat.index)
        count = int(inner.ntotal)
        return faiss.rev_swig_ptr(inner.get_xb(), count * self._dimension).reshape(
            count, self._dimension)

    def _flat_from_spill(self, spill: VectorSpill) -> Any:
        """An exact index of the spilled vectors (after a failed switch: nothing is lost)."""
        flat = faiss.IndexIDMap2(faiss.index_factory(self._dimension, "Flat",
                                                     faiss.METRIC_INNER_PRODUCT))
        labels = spill.labels()
        for start, chunk in spill.chunks():
            flat.add_with_ids(chunk, labels[start:start + len(chunk)])
        return flat

    def _remove(self, ids: Iterable[str]) -> None:
        label_of = self._label_of
        labels = [label_of.pop(doc_id) for doc_id in ids if doc_id in label_of]
        if not labels:
            return
        for label in labels:
            self._ids_by_label[label] = None
        self._count -= len(labels)
        self._ready().remove_ids(np.asarray(labels, dtype=np.int64))
        self._lists_changed()

    def _labels(self, allowed: Collection[str]) -> IdArray:
        label_of = self._label_of
        labels = [label_of[doc_id] for doc_id in allowed if doc_id in label_of]
        return np.asarray(sorted(set(labels)), dtype=np.int64)

    def _hits(self, scores: FloatArray, labels: IdArray) -> list[Hit]:
        ids = self._ids_by_label
        hits = []
        for score, label in zip(scores.tolist(), labels.tolist(), strict=True):
            doc_id = ids[label] if 0 <= label < len(ids) else None
            if doc_id is not None:
                hits.append(Hit(id=doc_id, score=float(score)))
        return hits


def _without_prefetch_threads(index: Any) -> None:
    """Keep a memory-mapped IVF index from starting threads on every search.

    FAISS maps an IVF index's lists as ``OnDiskInvertedLists``, whose searches first hand the
    lists to probe to ``prefetch_nthread`` (32) new threads that read them ahead, a help for
    lists on a slow disk. Here the lists sit in the page cache: each search paid the threads'
    creation for nothing (at 100k offers, IVF1024 and 72 probes: 1.15 ms of the request
    thread's CPU instead of 0.36, and the threads' own CPU on the other core). With none, a
    list not in memory yet is read on first touch, as any mapped page."""
    lists = faiss.extract_index_ivf(index).invlists
    if lists is not None and isinstance(mapped := faiss.downcast_InvertedLists(lists),
                                        faiss.OnDiskInvertedLists):
        mapped.prefetch_nthread = 0


def _new_index(dimension: int, factory: str) -> Any:
    """An empty FAISS index built by ``factory`` for inner products; an IVF index with
    scalar-quantised lists encodes the vectors themselves, not their residuals to the list's
    centroid, so a list's codes decode to its vectors without the centroids."""
    index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
    if _nlist(factory):
        ivf: Any = faiss.extract_index_ivf(index)
        if isinstance(faiss.downcast_index(ivf), faiss.IndexIVFScalarQuantizer):
            ivf.by_residual = False
    return index


def _decoded(raw: npt.NDArray[np.uint8], size: int, dimension: int) -> FloatArray:
    """The ``size`` vectors of an inverted list's codes (a contiguous copy): full vectors
    (``Flat``) or half precision ones (``SQfp16``)."""
    return vectors_of(raw.reshape(size, len(raw) // size if size else dimension * 4),
                      dimension)
