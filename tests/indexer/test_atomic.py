"""Atomic writes: the target is the old file or the new one, never half of either."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.atomic import atomic_path, write_text_atomic


def test_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "manifest.json"
    write_text_atomic(target, "first\n")
    write_text_atomic(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_a_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "index.faiss"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.faiss"]
