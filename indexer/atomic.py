"""Atomic file writes: a temporary file in the same folder, flushed, then renamed into place.

A reader sees the old file or the new one, never a half-written one; a crash leaves at most a
hidden temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it when the block succeeds.

    The block writes the file itself (for libraries that take a path, such as FAISS).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def atomic_writer(target: Path) -> Iterator[IO[str]]:
    """A text stream (UTF-8, ``\\n`` line ends) to write ``target`` progressively, renamed
    onto it when the block succeeds; nothing is left behind when it fails."""
    with atomic_path(target) as temporary, \
            temporary.open("w", encoding="utf-8", newline="\n") as stream:
        yield stream


@contextmanager
def atomic_binary_writer(target: Path) -> Iterator[IO[bytes]]:
    """:func:`atomic_writer` for bytes."""
    with atomic_path(target) as temporary, temporary.open("wb") as stream:
        yield stream


def write_lines_atomic(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines``, each followed by ``\\n``, to ``path`` atomically, as they come."""
    with atomic_writer(path) as stream:
        for line in lines:
            stream.write(line)
            stream.write("\n")
