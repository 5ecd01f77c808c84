"""The temporary file of vectors the embedded vector store builds from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.stores.vector_spill import VectorSpill


def _rows(n: int, first: int = 0) -> np.ndarray:
    return np.arange(first * 4, (first + n) * 4, dtype=np.float32).reshape(n, 4)


def test_rows_come_back_in_order_a_chunk_at_a_time_with_their_labels(tmp_path: Path) -> None:
    with VectorSpill(4, tmp_path) as spill:
        spill.append(_rows(5), np.arange(10, 15))
        spill.append(_rows(3, 5), np.arange(20, 23))
        chunks = list(spill.chunks(3))
        assert [start for start, _ in chunks] == [0, 3, 6]
        assert np.array_equal(np.concatenate([chunk for _, chunk in chunks]), _rows(8))
        assert spill.labels().tolist() == [10, 11, 12, 13, 14, 20, 21, 22]
        assert len(spill) == 8
        spill.append(_rows(1, 8), np.array([30]))  # after a read, still at the end
        assert np.array_equal(next(spill.chunks(100))[1], _rows(9))
        assert spill.labels().tolist()[-1] == 30


def test_picked_rows_are_read_across_chunks() -> None:
    with VectorSpill(4) as spill:
        spill.append(_rows(10), np.arange(10))
        picked = np.array([0, 2, 3, 9], dtype=np.int64)
        assert np.array_equal(spill.rows(picked), _rows(10)[picked])
        assert spill.rows(np.array([], dtype=np.int64)).shape == (0, 4)


def test_the_file_has_no_name_and_a_mismatch_is_refused(tmp_path: Path) -> None:
    with VectorSpill(4, tmp_path / "spill") as spill:
        spill.append(_rows(2), np.arange(2))
        assert list((tmp_path / "spill").iterdir()) == []
        with pytest.raises(ValueError, match="3 labels for 2 vectors"):
            spill.append(_rows(2), np.arange(3))
