"""Values shared by every reader: results, rejections, truncations, and atomic JSONL writers."""

from __future__ import annotations

import json
import reprlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from indexer.atomic import write_lines_atomic

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

    action = "rejected"


@dataclass(frozen=True, slots=True)
class Truncation:
    """A field of a kept record that was longer than its maximum and was cut to it
    (:mod:`indexer.limits`); ``reason`` says from how long to how long."""

    path: str
    line: int | None
    record_id: str | None
    field: str | None
    reason: str

    action = "truncated"


Notice = Rejection | Truncation
"""What a reader reports about a file besides its records."""


@dataclass(slots=True)
class ReadResult(Generic[T]):
    """The valid records of a file, what was rejected, and what was truncated."""

    records: list[T] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    truncations: list[Truncation] = field(default_factory=list)


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


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def _short(value: object, limit: int = 80) -> str:
    """A bounded ``repr`` (a huge or deeply nested input stays a short line)."""
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notice_json(notice: Notice) -> str:
    """One line of a report: the notice's fields and its ``action`` (rejected, truncated)."""
    return json.dumps({**asdict(notice), "action": notice.action}, ensure_ascii=False)


def write_rejections(report_path: Path, rejections: Iterable[Notice]) -> None:
    """Write a JSONL report, one rejection (or truncation) per line, atomically."""
    write_lines_atomic(report_path, map(notice_json, rejections))


def write_jsonl(path: Path, models: Iterable[BaseModel]) -> None:
    """Write models as JSONL (one ``model_dump_json`` per line, defaults omitted), atomically."""
    write_lines_atomic(path, (m.model_dump_json(exclude_defaults=True) for m in models))
