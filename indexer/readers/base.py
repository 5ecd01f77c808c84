"""Values shared by every reader: results, rejections, and atomic JSONL writers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from indexer.atomic import write_text_atomic

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Rejection:
    """One input record (or part of a file) that could not be read.

    ``line`` is the 1-based physical line where the record starts (``None`` for a JSON document,
    where ``reason`` names the record's index instead); ``field`` is the source field or column
    at fault when known (``None`` for a whole-line problem such as malformed JSON).
    """

    path: str
    line: int | None
    record_id: str | None
    field: str | None
    reason: str


@dataclass(slots=True)
class ReadResult(Generic[T]):
    """The valid records of a file, and what was rejected."""

    records: list[T] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def loc_to_field(loc: tuple[int | str, ...]) -> str:
    """``("skills", 0, "label")`` → ``"skills[0].label"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_rejections(
    error: ValidationError, path: Path, line: int | None, record_id: str | None,
    rename: dict[str, str] | None = None, where: str = "",
) -> list[Rejection]:
    """One rejection per pydantic error, naming the field from its ``loc``.

    ``rename`` maps a model field path prefix to the source's own name (e.g. ``place.point.lat``
    → ``lieuTravail.latitude``); ``where`` prefixes the reason (e.g. a record index).
    """
    out: list[Rejection] = []
    for err in error.errors(include_url=False):
        name = rename_field(loc_to_field(tuple(err["loc"])), rename or {})
        reason = f"{err['msg']} (input: {_short(err.get('input'))})"
        out.append(Rejection(str(path), line, record_id, name or None, where + reason))
    return out


def rename_field(name: str, rename: dict[str, str]) -> str:
    """Replace the longest prefix of ``name`` found in ``rename``, keeping the rest."""
    for prefix in sorted(rename, key=len, reverse=True):
        if name == prefix or name.startswith((prefix + ".", prefix + "[")):
            return rename[prefix] + name[len(prefix):]
    return name


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_rejections(report_path: Path, rejections: Iterable[Rejection]) -> None:
    """Write a JSONL report, one rejection per line, atomically."""
    write_text_atomic(report_path, "".join(
        json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rejections))


def write_jsonl(path: Path, models: Iterable[BaseModel]) -> None:
    """Write models as JSONL (one ``model_dump_json`` per line, defaults omitted), atomically."""
    write_text_atomic(path, "".join(
        m.model_dump_json(exclude_defaults=True) + "\n" for m in models))
