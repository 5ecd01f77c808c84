"""Vectors kept in a temporary file instead of memory, with their labels.

The embedded vector store writes here the vectors of a fresh generation as they arrive, and
the exact index's vectors when it switches to IVF: an IVF index is trained on a sample and
filled a chunk at a time from the file, so the build never holds the vectors twice, nor
grows one buffer by doubling it. An exact index grown by ``add`` did: FAISS keeps its
vectors in one ``std::vector``, whose every doubling copies it whole, so at 1M 256-d vectors
the last doubling held ≈ 0.9 GiB twice for seconds (stop 36, docs/performance.md).
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]

#: Rows read back per chunk (64 MiB at 256 dimensions).
CHUNK_ROWS = 65_536


class VectorSpill:
    """Float32 rows written end to end to an unnamed temporary file (gone when closed, or
    when the process ends), each with its int64 label kept in memory."""

    def __init__(self, dimension: int, directory: Path | None = None) -> None:
        """``directory``: where the file goes (default: the system's temporary folder)."""
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.dimension = dimension
        self._file = tempfile.TemporaryFile(  # noqa: SIM115  # closed by close()
            prefix="vectors-", suffix=".spill", dir=directory)
        self._closer = weakref.finalize(self, self._file.close)  # or when dropped unread
        self._labels: list[IdArray] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __enter__(self) -> VectorSpill:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def append(self, vectors: FloatArray, labels: IdArray) -> None:
        """Add ``vectors`` (one row per label) after the rows already written."""
        if len(vectors) != len(labels):
            raise ValueError(f"{len(labels)} labels for {len(vectors)} vectors")
        self._file.seek(0, os.SEEK_END)
        np.ascontiguousarray(vectors, dtype=np.float32).tofile(self._file)
        self._file.flush()
        self._labels.append(np.asarray(labels, dtype=np.int64))
        self._count += len(vectors)

    def labels(self) -> IdArray:
        """Every row's label, in row order."""
        if len(self._labels) != 1:
            self._labels = [np.concatenate(self._labels) if self._labels
                            else np.empty(0, dtype=np.int64)]
        return self._labels[0]

    def chunks(self, rows: int | None = None) -> Iterator[tuple[int, FloatArray]]:
        """The rows, ``rows`` (default :data:`CHUNK_ROWS`) at a time, each chunk with the
        number of its first row."""
        rows = rows or CHUNK_ROWS
        self._file.seek(0)
        for start in range(0, self._count, rows):
            size = min(rows, self._count - start)
            chunk = np.fromfile(self._file, dtype=np.float32, count=size * self.dimension)
            yield start, chunk.reshape(size, self.dimension)

    def rows(self, numbers: IdArray) -> FloatArray:
        """The rows numbered ``numbers`` (ascending), read in one pass over the file."""
        picked: list[FloatArray] = []
        for start, chunk in self.chunks():
            first, end = np.searchsorted(numbers, (start, start + len(chunk)))
            if end > first:
                picked.append(chunk[numbers[first:end] - start])
        if not picked:
            return np.empty((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(picked))

    def close(self) -> None:
        """Delete the file."""
        self._closer()
