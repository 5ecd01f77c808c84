"""Full garbage collections between indexed chunks (indexer.collector)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from indexer.collector import ChunkedCollections


class _Node:
    """An object that can hold a reference cycle."""

    def __init__(self) -> None:
        self.other: Any = None


def _old_garbage_cycle() -> weakref.ref[_Node]:
    """A two-object cycle in the oldest generation that nothing references any more: only a
    full collection frees it (the younger ones do not look at that generation)."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gc.collect(1)  # it is still referenced here: it survives into the oldest generation
    return weakref.ref(first)


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The number of full collections started while the test runs (one entry each)."""
    started: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(1)

    gc.callbacks.append(record)
    try:
        yield started
    finally:
        gc.callbacks.remove(record)


def test_automatic_full_collections_are_off_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with ChunkedCollections():
        inside = gc.get_threshold()
    assert inside[:2] == before[:2]
    assert inside[2] > 1_000_000
    assert gc.get_threshold() == before


def test_a_full_collection_runs_at_every_nth_chunk_and_frees_cycles(
        full_collections: list[int]) -> None:
    with ChunkedCollections(every=3) as collections:
        cycle = _old_garbage_cycle()
        collections.chunk_done()
        collections.chunk_done()
        kept = [_Node() for _ in range(20_000)]  # enough for young collections to run
        assert not full_collections
        assert cycle() is not None
        del kept
        collections.chunk_done()
        assert len(full_collections) == 1
        assert cycle() is None
        assert collections.collections == 1


def test_overlapping_writers_restore_the_thresholds_only_when_the_last_one_leaves() -> None:
    before = gc.get_threshold()
    first, second = ChunkedCollections(), ChunkedCollections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[2] > 1_000_000  # the second writer is still indexing
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_threads_entering_and_leaving_together_leave_the_thresholds_as_they_were() -> None:
    before = gc.get_threshold()
    barrier = threading.Barrier(4)

    def index_a_little() -> None:
        barrier.wait()
        for _ in range(200):
            with ChunkedCollections():
                pass

    threads = [threading.Thread(target=index_a_little) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.get_threshold() == before


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="every 0 chunks"):
        ChunkedCollections(every=0)
