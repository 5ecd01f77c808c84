"""Small CSV helpers that fail with messages naming the file and the column."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from skills_taxonomy.errors import MissingColumnError, MissingFileError


def find_rome_file(directory: Path, stem: str) -> Path:
    """Return ``<stem>_v<N>_utf8.csv`` in ``directory`` (highest N), or ``<stem>.csv``."""
    pattern = re.compile(rf"^{re.escape(stem)}_v(\d+)_utf8\.csv$")
    found: list[tuple[int, Path]] = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = pattern.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
    if found:
        return max(found)[1]
    plain = directory / f"{stem}.csv"
    if plain.is_file():
        return plain
    raise MissingFileError(f"missing ROME file {stem}_v<N>_utf8.csv in {directory}")


def require_file(path: Path) -> Path:
    """Return ``path`` if it is a file, else raise :class:`MissingFileError`."""
    if not path.is_file():
        raise MissingFileError(f"missing file {path}")
    return path


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[dict[str, str]]:
    """Yield the rows of a UTF-8, comma-separated CSV file after checking its columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in columns:
            if column not in header:
                raise MissingColumnError(
                    f"{path.name}: missing column {column!r} (found: {', '.join(header)})"
                )
        for row in reader:
            yield {column: (row.get(column) or "").strip() for column in columns}
