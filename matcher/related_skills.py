"""Close skills: for a skill an offer asks and a seeker lacks, the held skill nearest in meaning.

Label vectors come from the matcher's encoder and are computed once per process. A finder is
built for one set of held skills (one seeker, when matching offers for them): their vectors are
stacked once and each asked label is answered once, so scoring hundreds of offers that ask the
same skills costs one matrix-vector product per distinct asked skill.

With an encoder faster than a cache lookup (the static one), a server encodes every skill and
knowledge label of the taxonomy in its warm-up (:meth:`SkillNeighbours.prepare_taxonomy`:
47k labels, ≈ 1.3 s and 48 MB at 256 dimensions), so requests encode none: at 1M offers a
seeker's request encoded ≈ 19 new labels, ≈ 0.5 ms CPU, and a server that had answered 85
seekers still knew only 2,352 labels (docs/performance.md, "Stop 40").
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from functools import cache, partial
from pathlib import Path

import numpy as np
import numpy.typing as npt

from indexer.encoders import (
    EmbeddingCache,
    Encoder,
    encode_documents_cached,
    encodes_faster_than_cache,
)
from indexer.models import SkillTag
from matcher.features import HeldSkills, RelatedFinder, skill_key
from skills_taxonomy import Taxonomy

log = logging.getLogger(__name__)
AHEAD_BATCH = 2048
"""Labels encoded at a time by :meth:`SkillNeighbours.prepare_taxonomy`, under the lock a
request waits on when it needs a label not known yet (≈ 55 ms with the static encoder)."""


class SkillNeighbours:
    """Finds, for an asked skill, a held skill close in meaning (cosine of their label
    embeddings ≥ ``threshold``)."""

    def __init__(self, encoder: Encoder, threshold: float,
                 cache_dir: Path | None = None) -> None:
        """``cache_dir``: the index's embedding cache, where indexing stored the vectors of
        the records' skill labels (labels not found there are encoded and added). It is
        opened on first use, in the process that uses it (a server may fork after start),
        and not at all for an encoder that computes a vector faster than the cache finds it
        (:class:`~indexer.encoders.CacheFreeEncoder`): the same vectors, sooner."""
        self._encoder = encoder
        self._threshold = threshold
        self._cache_dir = None if encodes_faster_than_cache(encoder) else cache_dir
        self._cache: tuple[int, EmbeddingCache] | None = None
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def prepare(self, labels: Sequence[str]) -> None:
        """Fetch or encode the labels not seen yet, in one batch. Labels already known cost
        a dictionary lookup, without the lock: request threads wait for each other only
        when one of them fetches (the cache's connection serves one thread at a time)."""
        if all(label in self._vectors for label in labels):
            return
        with self._lock:
            missing = [label for label in dict.fromkeys(labels) if label not in self._vectors]
            if missing:
                cache = self._open_cache()
                vectors = (self._encoder.encode_documents(missing) if cache is None
                           else encode_documents_cached(self._encoder, missing, cache))
                for label, vector in zip(missing, vectors, strict=True):
                    self._vectors[label] = vector

    def prepare_taxonomy(self, taxonomy: Taxonomy) -> int:
        """Encode ahead the labels of every skill and knowledge item of ``taxonomy`` (ROME
        and ESCO) when the encoder is faster than a cache lookup (module doc); other
        encoders keep fetching labels as requests ask for them. Returns how many labels
        were encoded."""
        if not encodes_faster_than_cache(self._encoder):
            return 0
        started = time.perf_counter()
        labels = taxonomy_skill_labels(taxonomy)
        known = len(self._vectors)
        for start in range(0, len(labels), AHEAD_BATCH):  # requests wait one batch at most
            self.prepare(labels[start:start + AHEAD_BATCH])
        added = len(self._vectors) - known
        log.info("skill labels: %d encoded ahead in %.1f s", added, time.perf_counter() - started)
        return added

    def _open_cache(self) -> EmbeddingCache | None:
        if self._cache_dir is None:
            return None
        if self._cache is None or self._cache[0] != os.getpid():
            self._cache = (os.getpid(), EmbeddingCache(self._cache_dir))
        return self._cache[1]

    def finder(self, skills: HeldSkills) -> RelatedFinder:
        """A finder over ``skills``: the closest of them above the threshold, never the asked
        skill itself. The held skills' vectors are stacked on the first question, so a
        finder that is never asked encodes nothing (the matcher builds one per candidate
        when it ranks seekers, and encodes the labels of a chunk of them in one batch)."""
        held = list(skills.tags)
        keys = [skill_key(tag) for tag in held]
        matrix = cache(partial(self._matrix, held))
        answers: dict[tuple[str, str], SkillTag | None] = {}

        def find(asked: SkillTag) -> SkillTag | None:
            memo_key = (asked.label, skill_key(asked))
            if memo_key not in answers:
                answers[memo_key] = self._closest(asked, held, keys, matrix())
            return answers[memo_key]

        return find

    def _matrix(self, held: Sequence[SkillTag]) -> npt.NDArray[np.float32]:
        """The held skills' label vectors, one row each."""
        if not held:
            return np.empty((0, 0), dtype=np.float32)
        self.prepare([tag.label for tag in held])
        return np.stack([self._vectors[tag.label] for tag in held])

    def _closest(self, asked: SkillTag, held: Sequence[SkillTag], keys: Sequence[str],
                 matrix: npt.NDArray[np.float32]) -> SkillTag | None:
        if not held:
            return None
        self.prepare([asked.label])
        similarities = (matrix @ self._vectors[asked.label]).tolist()
        asked_key = skill_key(asked)
        best: tuple[float, SkillTag] | None = None
        for tag, key, similarity in zip(held, keys, similarities, strict=True):
            if key == asked_key:
                continue
            if similarity >= self._threshold and (best is None or similarity > best[0]):
                best = (similarity, tag)
        return None if best is None else best[1]


def taxonomy_skill_labels(taxonomy: Taxonomy) -> list[str]:
    """The distinct labels a skill tag can carry: every ROME skill and knowledge item's and
    every ESCO skill's preferred label."""
    rome = (item.label for item in taxonomy.items.values())
    esco = (concept.preferred_label for concept in taxonomy.esco_skills.values())
    return list(dict.fromkeys(label for labels in (rome, esco) for label in labels if label))
