"""One searchable collection (offers, or profiles): documents, keyword store, vector store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from indexer.doc_table import DocTable
from indexer.stores.protocols import (
    Filters,
    Hit,
    IndexedDoc,
    KeywordQuery,
    KeywordStore,
    VectorStore,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

DOCUMENTS_FILE = "documents.jsonl"


class Collection(Generic[ModelT]):
    """Documents of one kind with both stores and the filter table kept in step."""

    def __init__(self, kind: str, keyword: KeywordStore, vectors: VectorStore,
                 to_document: Callable[[ModelT], IndexedDoc]) -> None:
        self.kind = kind
        self.keyword = keyword
        self.vectors = vectors
        self._to_document = to_document
        self._records: dict[str, ModelT] = {}
        self._table = DocTable()

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def __iter__(self) -> Iterator[ModelT]:
        return iter(self._records.values())

    def get(self, record_id: str) -> ModelT | None:
        """One record by id, or None."""
        return self._records.get(record_id)

    def ids(self) -> list[str]:
        """Every record id, in insertion order."""
        return list(self._records)

    def document(self, record_id: str) -> IndexedDoc | None:
        """The indexed (searchable) form of a record."""
        return self._table.get(record_id)

    def load_records(self, records: Iterable[ModelT]) -> None:
        """Fill the record map and filter table from records already in both stores."""
        for record in records:
            self._records[str(getattr(record, "id"))] = record  # noqa: B009
        self._table.upsert(self._to_document(record) for record in self._records.values())

    def upsert(self, records: list[ModelT], vectors: npt.NDArray[np.float32]) -> None:
        """Add or replace records in the record map, both stores and the filter table."""
        if not records:
            return
        docs = [self._to_document(record) for record in records]
        self.keyword.upsert(docs)
        self.vectors.upsert([doc.id for doc in docs], vectors)
        self._table.upsert(docs)
        for doc, record in zip(docs, records, strict=True):
            self._records[doc.id] = record

    def delete(self, ids: Iterable[str]) -> list[str]:
        """Remove records by id; return the ids that existed."""
        present = [record_id for record_id in ids if record_id in self._records]
        if present:
            self.keyword.delete(present)
            self.vectors.delete(present)
            self._table.delete(present)
            for record_id in present:
                del self._records[record_id]
        return present

    def keyword_search(self, query: KeywordQuery, filters: Filters, top_k: int) -> list[Hit]:
        """Keyword top-k; the store applies ``filters`` inside its query."""
        if query.is_empty() or top_k <= 0:
            return []
        return self.keyword.search(query, filters, top_k)

    def vector_search(self, vector: npt.NDArray[np.float32], filters: Filters,
                      top_k: int) -> list[Hit]:
        """Vector top-k among the documents that pass ``filters`` (applied before the cut)."""
        allowed = self._table.allowed_ids(filters)
        if top_k <= 0 or (allowed is not None and not allowed):
            return []
        return self.vectors.search(vector.reshape(1, -1), top_k, allowed)[0]

    def write_records(self, directory: Path) -> None:
        """Write every record as JSON lines into ``directory`` (a temporary generation)."""
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / DOCUMENTS_FILE).open("w", encoding="utf-8") as stream:
            for record in self._records.values():
                stream.write(record.model_dump_json(exclude_defaults=True))
                stream.write("\n")


def read_records(directory: Path, model: type[ModelT]) -> Iterator[ModelT]:
    """Records written by ``Collection.write_records``."""
    path = directory / DOCUMENTS_FILE
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield model.model_validate_json(line)
