"""The manifest that makes an index folder describe itself, and the checks made on load."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from indexer.atomic import write_text_atomic
from indexer.stores.ann_recall import RecallCheck
from indexer.utc import utc_now_iso

FORMAT_VERSION = 6
"""2: records carry their concepts; the filter table has occupation weights and skills.
3: the embedded keyword store indexes the titles' adjacent term pairs (``title_pairs``).
4: the embedded keyword store indexes each place's geographic cells (``geo_cell``).
5: the embedded keyword store indexes no positions (term frequencies only).
6: the embedded keyword store keeps each id's 64-bit key as a fast field (``key``)."""
MANIFEST_NAME = "manifest.json"


class IndexMismatchError(RuntimeError):
    """The index on disk was built with settings the running code cannot use."""


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class Manifest:
    """What built an index and what it holds."""

    encoder: str
    dimension: int
    keyword_backend: str
    vector_backend: str = "embedded"
    """Where the vectors live: ``embedded`` (FAISS in the generation) or ``opensearch``."""
    vector_index: str = "Flat"
    """The offers' vector index: the FAISS factory string (chosen from the corpus size, see
    ``faiss_store.choose_index``), or ``hnsw`` on OpenSearch."""
    vector_indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per collection, what the vector store says of itself (``VectorStore.describe()``): the
    FAISS factory string and ``nprobe``, and for an IVF index the last recall check (``recall``:
    recall@10, nprobe, sample, target, vector count; see :mod:`indexer.stores.ann_recall`;
    manifests written before the check have none), or the OpenSearch alias, engine and HNSW
    parameters."""
    counts: dict[str, int] = field(default_factory=dict)
    created_at: str = field(default_factory=utc_now_iso)
    updated_at: str = field(default_factory=utc_now_iso)
    format_version: int = FORMAT_VERSION
    taxonomy_checksum: str | None = None
    concept_reader: str | None = None
    """What read the records into concepts (reader version, encoder, crosswalk switch), or
    None when they were stored with their codes only."""
    ranking_model: str | None = None
    """The version of the ranking model (``matcher.ranking``) selected when the index was
    last written, or None when the writer was not told (the engine warns on a difference)."""
    versions: dict[str, str] = field(default_factory=lambda: {
        "intelligence-emploi": _version("intelligence-emploi"),
        "faiss-cpu": _version("faiss-cpu"),
        "tantivy": _version("tantivy"),
    })

    def check_compatible(self, encoder: str, dimension: int, keyword_backend: str,
                         directory: Path, vector_backend: str = "embedded") -> None:
        """Raise ``IndexMismatchError`` naming the difference and the command that fixes it."""
        problems = []
        if self.format_version != FORMAT_VERSION:
            problems.append(f"format version {self.format_version} (this code reads "
                            f"{FORMAT_VERSION})")
        if self.encoder != encoder or self.dimension != dimension:
            problems.append(f"encoder {self.encoder!r} ({self.dimension}-d), but the settings "
                            f"select {encoder!r} ({dimension}-d)")
        if self.keyword_backend != keyword_backend:
            problems.append(f"keyword backend {self.keyword_backend!r}, but the settings select "
                            f"{keyword_backend!r} (EMPLOI_BACKEND / EMPLOI_KEYWORD_BACKEND)")
        if self.vector_backend != vector_backend:
            problems.append(f"vector backend {self.vector_backend!r}, but the settings select "
                            f"{vector_backend!r} (EMPLOI_BACKEND)")
        if problems:
            raise IndexMismatchError(
                f"the index in {directory} was built with " + "; ".join(problems)
                + f". Rebuild it with: emploi index --index-dir {directory} --rebuild"
                " (or change the settings back)."
            )

    def check_reader(self, reader: str | None, directory: Path) -> None:
        """Refuse to add records read by another concept reader than the stored ones (the
        index would mix two readings), naming the command that fixes it."""
        if self.counts and any(self.counts.values()) and self.concept_reader != reader:
            raise IndexMismatchError(
                f"the records in {directory} were read into concepts by "
                f"{self.concept_reader or 'no reader'}, but the settings select "
                f"{reader or 'no reader'}. Rebuild it with: emploi index --index-dir "
                f"{directory} --rebuild (or change the settings back).")

    def recall(self, kind: str) -> RecallCheck | None:
        """The recall check recorded for collection ``kind``'s vector index (None for an
        exact index, or an index written before checks were recorded)."""
        raw = self.vector_indexes.get(kind, {}).get("recall")
        return RecallCheck.from_dict(raw) if isinstance(raw, dict) else None

    def to_json(self) -> str:
        """The manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """Read ``manifest.json`` from a generation folder."""
        path = directory / MANIFEST_NAME
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexMismatchError(f"{path} is missing: the folder is not an index") from exc
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in raw.items() if key in known})

    def write(self, directory: Path) -> None:
        """Write ``manifest.json`` atomically."""
        write_text_atomic(directory / MANIFEST_NAME, self.to_json() + "\n")
