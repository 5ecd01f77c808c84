"""Reading offers and profiles from files, with a rejection for every bad record.

Formats, chosen by extension:

- ``.jsonl`` / ``.ndjson``: one JSON object per line, either our own model's fields or (for
  offers) a France Travail API offer.
- ``.json``: a France Travail API response (a list, an object with ``resultats``, or one offer),
  or a list of our own model's objects.
- ``.csv``: the flattened France Travail export (offers only).

Bytes are decoded line by line: a line that is not valid UTF-8 rejects the record it belongs to,
and only that record. Duplicate ids: the **last** record wins (a later export supersedes an
earlier one); each superseded record gets a rejection whose field is ``id`` and whose line is the
superseded record's.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from indexer.models import Offer, Profile
from indexer.readers.base import ReadResult, Rejection, validation_rejections
from indexer.readers.france_travail import (
    SOURCE_FIELDS,
    SourceFieldError,
    is_api_offer,
    offer_fields,
    unflatten_row,
)

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(slots=True)
class _Lines:
    """A file decoded line by line: text lines and the 1-based numbers of undecodable ones."""

    lines: list[str]
    bad: dict[int, str]

    def bad_between(self, first: int, last: int) -> str | None:
        """The decoding error of the first bad line in ``[first, last]``, if any."""
        for number in range(first, last + 1):
            if number in self.bad:
                return f"line {number}: {self.bad[number]}"
        return None


def _decode_lines(path: Path) -> _Lines:
    lines: list[str] = []
    bad: dict[int, str] = {}
    for number, raw in enumerate(path.read_bytes().splitlines(keepends=True), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            bad[number] = f"not valid UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})"
            lines.append(raw.decode("utf-8", errors="replace"))
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return _Lines(lines, bad)


# --------------------------------------------------------------------------- one record


def _record_id(obj: object) -> str | None:
    if isinstance(obj, Mapping):
        value = obj.get("id")
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def _build(model: type[M], obj: object, path: Path, line: int | None,
           where: str = "") -> M | list[Rejection]:
    """Validate one decoded object, mapping France Travail offers first."""
    record_id = _record_id(obj)
    if not isinstance(obj, Mapping):
        return [Rejection(str(path), line, None, None,
                          f"{where}expected a JSON object, got {type(obj).__name__}")]
    rename: dict[str, str] | None = None
    data: Mapping[str, Any] = obj
    if model is Offer and is_api_offer(obj):
        rename = SOURCE_FIELDS
        try:
            data = offer_fields(obj)
        except SourceFieldError as exc:
            return [Rejection(str(path), line, record_id, exc.field, where + exc.reason)]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return validation_rejections(exc, path, line, record_id, rename, where)


class _Collector:
    """Accumulates records (last duplicate wins) and rejections."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept: dict[str, tuple[Any, int | None]] = {}
        self.rejections: list[Rejection] = []

    def add(self, result: Any, line: int | None, where: str = "") -> None:
        if isinstance(result, list):
            self.rejections.extend(result)
            return
        record_id = str(result.id)
        previous = self.kept.pop(record_id, None)
        if previous is not None:
            at = f"line {line}" if line is not None else where.rstrip(": ") or "a later record"
            self.rejections.append(Rejection(str(self.path), previous[1], record_id, "id",
                                             f"duplicate id: superseded by {at}"))
        self.kept[record_id] = (result, line)

    def result(self) -> ReadResult[Any]:
        records = [record for record, _ in self.kept.values()]
        self.rejections.sort(key=lambda r: (r.line is None, r.line or 0))
        logger.info("%s: %d records, %d rejections", self.path, len(records),
                    len(self.rejections))
        return ReadResult(records, self.rejections)


# --------------------------------------------------------------------------- formats


def _read_jsonl(path: Path, model: type[M]) -> ReadResult[M]:
    decoded = _decode_lines(path)
    out = _Collector(path)
    for number, text in enumerate(decoded.lines, start=1):
        if not text.strip():
            continue
        if number in decoded.bad:
            out.add([Rejection(str(path), number, None, None, decoded.bad[number])], number)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            out.add([Rejection(str(path), number, None, None,
                               f"malformed JSON: {exc.msg} at column {exc.colno}")], number)
            continue
        out.add(_build(model, obj, path, number), number)
    return out.result()


_RESULTATS = re.compile(r'"resultats"\s*:\s*(?=\[)')


def _json_elements(text: str, start: int) -> Iterator[tuple[object, int, int]]:
    """Elements of the JSON array at ``text[start]``, with their start and end offsets."""
    decoder = json.JSONDecoder()
    index = start + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return
        obj, end = decoder.raw_decode(text, index)
        yield obj, index, end
        index = end


def _read_json(path: Path, model: type[M]) -> ReadResult[M]:
    decoded = _decode_lines(path)
    text = "".join(decoded.lines)
    out = _Collector(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        out.add([Rejection(str(path), exc.lineno, None, None, f"malformed JSON: {exc.msg}")], None)
        return out.result()
    if isinstance(document, Mapping) and not isinstance(document.get("resultats"), list):
        line_range = (1, len(decoded.lines))
        bad = decoded.bad_between(*line_range)
        out.add([Rejection(str(path), 1, _record_id(document), None, bad)] if bad
                else _build(model, document, path, 1), 1)
        return out.result()
    match = _RESULTATS.search(text) if isinstance(document, Mapping) else None
    start = match.end() if match else text.index("[")
    for index, (obj, begin, end) in enumerate(_json_elements(text, start)):
        first, last = text.count("\n", 0, begin) + 1, text.count("\n", 0, end) + 1
        where = f"record #{index + 1}: "
        bad = decoded.bad_between(first, last)
        if bad:
            out.add([Rejection(str(path), first, _record_id(obj), None, where + bad)], first)
        else:
            out.add(_build(model, obj, path, first, where), first, where)
    return out.result()


def _read_offers_csv(path: Path) -> ReadResult[Offer]:
    decoded = _decode_lines(path)
    out = _Collector(path)
    reader = csv.DictReader(iter(decoded.lines))
    expected = len(reader.fieldnames or ())
    last_line = reader.line_num
    for row in reader:
        first, last_line = last_line + 1, reader.line_num
        record_id = (row.get("id") or "").strip() or None
        bad = decoded.bad_between(first, last_line)
        if bad:
            out.add([Rejection(str(path), first, record_id, None, bad)], first)
            continue
        if None in row or any(v is None for v in row.values()):
            out.add([Rejection(str(path), first, record_id, None,
                               f"expected {expected} columns")], first)
            continue
        try:
            api_offer = unflatten_row(row)
        except SourceFieldError as exc:
            out.add([Rejection(str(path), first, record_id, exc.field, exc.reason)], first)
            continue
        out.add(_build(Offer, api_offer, path, first), first)
    return out.result()


# --------------------------------------------------------------------------- public


def read_offers(path: Path) -> ReadResult[Offer]:
    """Read job offers from a France Travail API JSON file, the flattened CSV, or JSONL.

    Every invalid record becomes a :class:`Rejection` naming the file, line and field; the
    valid records are returned in file order (a duplicated id keeps its last record).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_offers_csv(path)
    if suffix == ".json":
        return _read_json(path, Offer)
    return _read_jsonl(path, Offer)


def read_profiles(path: Path) -> ReadResult[Profile]:
    """Read seeker profiles from JSONL (one ``Profile`` object per line) or a JSON list."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _read_json(path, Profile)
    return _read_jsonl(path, Profile)
