"""Decoded records of a file, one at a time, in memory bounded by the largest record.

- :func:`jsonl_values`: one JSON value per line, read line by line;
- :func:`json_values`: the elements of a JSON list, of the ``resultats`` list of a France
  Travail API response, or a single object, parsed element by element from a stream;
- :func:`csv_values`: the rows of the flattened France Travail CSV export, as API-shaped offers.

Each yields a :class:`Raw` value (with the 1-based line where it starts) or a :class:`Broken`
record that could not be decoded: not valid UTF-8, malformed JSON or CSV, nested too deeply for
the JSON parser, or longer than :data:`indexer.limits.RECORD_MAX_BYTES`. A broken record never
stops the file: the next record is read, except after a JSON list is broken beyond repair (a
separator is missing, a record is never closed), where nothing after it can be trusted.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from indexer.limits import RECORD_MAX_BYTES
from indexer.readers.france_travail import SourceFieldError, unflatten_row

READ_CHUNK = 1 << 20
BOM = "\ufeff"
_UNDECODABLE = re.compile("[\udc80-\udcff]")
"""Bytes that are not UTF-8, as decoded with ``errors="surrogateescape"``."""

csv.field_size_limit(RECORD_MAX_BYTES)


@dataclass(frozen=True, slots=True)
class Raw:
    """A decoded record: its JSON value, the line where it starts, and where it is in the
    file (``"record #3: "`` in a JSON list, to prefix reasons)."""

    line: int
    value: object
    where: str = ""


@dataclass(frozen=True, slots=True)
class Broken:
    """A record that could not be decoded, and why."""

    line: int | None
    record_id: str | None
    field: str | None
    reason: str


Item = Raw | Broken


def record_id(value: object) -> str | None:
    """The ``id`` of a decoded record, when it has a usable one."""
    if isinstance(value, Mapping):
        identifier = value.get("id")
        if isinstance(identifier, str | int) and str(identifier).strip():
            return str(identifier).strip()[:100]
    return None


def _undecodable(text: str, line: int) -> str | None:
    """Where the first byte that is not UTF-8 is in ``text`` (decoded with
    ``surrogateescape``), starting at ``line``; None when every byte decoded."""
    found = _UNDECODABLE.search(text)
    if found is None:
        return None
    start = found.start()
    line += text.count("\n", 0, start)
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    byte = ord(found.group()) - 0xDC00
    return f"not valid UTF-8 (byte {byte:#04x} at line {line}, column {column})"


def _loads(text: str, line: int, where: str) -> Item:
    """Parse one record's JSON text; errors become a :class:`Broken` record."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Broken(line + exc.lineno - 1, None, None,
                      f"{where}malformed JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return Broken(line, None, None,
                      f"{where}malformed JSON: nested too deeply for the JSON parser")
    bad = _undecodable(text, line)
    if bad is not None:
        return Broken(line, record_id(value), None, where + bad)
    return Raw(line, value, where)


# --------------------------------------------------------------------------- JSONL


def _binary_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """``(number, line, size)`` for each line; ``line`` is None when the line is longer than
    the record maximum (it is skipped unread, ``size`` says how long it was)."""
    number = 0
    while True:
        raw = stream.readline(RECORD_MAX_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= RECORD_MAX_BYTES or raw.endswith(b"\n"):
            yield number, raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = stream.readline(READ_CHUNK)
            if not raw:
                break
            size += len(raw)
        yield number, None, size


def jsonl_values(path: Path) -> Iterator[Item]:
    """The JSON value of each non-blank line of a JSONL file."""
    with path.open("rb") as stream:
        for number, raw, size in _binary_lines(stream):
            if raw is None:
                yield Broken(number, None, None, _too_long(size, "bytes"))
                continue
            text = raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")
            if number == 1:
                text = text.removeprefix(BOM)
            if not text.strip():
                continue
            bad = _undecodable(text, number)
            if bad is not None:  # the id is not trusted: the line may be cut anywhere
                yield Broken(number, None, None, bad)
                continue
            yield _loads(text, number, "")


def _too_long(size: int, unit: str) -> str:
    return (f"record of {size:,} {unit} is longer than the maximum of "
            f"{RECORD_MAX_BYTES:,} {unit}: skipped unread")


# --------------------------------------------------------------------------- JSON


class _Stop(Exception):
    """The document is broken beyond repair: nothing after this point is read."""


class _JsonStream:
    """A JSON document read in chunks: values are located by a scanner that tracks strings
    and bracket depth (no recursion, so any nesting is scanned), then parsed one at a time."""

    _STRUCTURE = re.compile(r'[\[\]{}"]')
    _STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
    _SCALAR = re.compile(r'[^\s,\]}]*')
    _SPACE = re.compile(r"[ \t\r\n]*")

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._dropped = 0          # characters discarded before buf[0]
        self._line = 1             # the line number at buf[_line_pos]
        self._line_pos = 0

    # --- buffer -------------------------------------------------------------------------------

    def _more(self) -> bool:
        """Append the next chunk to the buffer; False at the end of the file."""
        if self.eof:
            return False
        data = self._stream.read(READ_CHUNK)
        self.buf += self._decoder.decode(data, final=not data)
        if not data:
            self.eof = True
            return False
        if self._dropped == 0 and self._line_pos == 0 and self.buf.startswith(BOM):
            self.buf = self.buf[1:]
        return True

    def _drop_before(self, index: int) -> None:
        """Forget ``buf[:index]`` (lines are counted first)."""
        self.line_at(index)
        self.buf = self.buf[index:]
        self._line_pos -= index
        self.pos -= index
        self._dropped += index

    def line_at(self, index: int) -> int:
        """The line of ``buf[index]``; ``index`` never goes back."""
        if index > self._line_pos:
            self._line += self.buf.count("\n", self._line_pos, index)
            self._line_pos = index
        return self._line

    def offset(self) -> int:
        """The position in the document (characters)."""
        return self._dropped + self.pos

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), at ``buf[pos]``."""
        while True:
            end = self._SPACE.match(self.buf, self.pos)
            self.pos = end.end() if end else self.pos
            if self.pos < len(self.buf):
                if self.pos > READ_CHUNK:
                    self._drop_before(self.pos)
                return self.buf[self.pos]
            if not self._more():
                return ""

    # --- values -------------------------------------------------------------------------------

    def value(self, where: str) -> Item:
        """Read the value at ``pos`` (after :meth:`peek`), bounded by the record maximum."""
        line = self.line_at(self.pos)
        if self.pos >= len(self.buf):
            raise _Stop(Broken(line, None, None, f"{where}malformed JSON: the file ends where "
                               "a value was expected"))
        end, skipped = self._end_of_value(line, where)
        if end is None:
            return Broken(line, None, None, where + _too_long(skipped, "characters"))
        text = self.buf[self.pos:end]
        self.pos = end
        return _loads(text, line, where)

    def _end_of_value(self, line: int, where: str) -> tuple[int | None, int]:
        """The end of the value starting at ``pos``, or ``(None, length)`` when it was longer
        than the maximum (it is then skipped unkept, and ``pos`` is after it)."""
        start: int | None = self.pos
        first = self.buf[self.pos]
        if first not in '[{"':
            return self._end_of_scalar(line, where), 0
        index, depth, in_string = self.pos + 1, int(first != '"'), first == '"'
        begin = self.offset()
        while True:
            if in_string:
                body = self._STRING_BODY.match(self.buf, index)
                index = body.end() if body else index
                if index < len(self.buf) and self.buf[index] == '"':
                    index, in_string = index + 1, False
                    if depth == 0:
                        break
                    continue
            else:
                found = self._STRUCTURE.search(self.buf, index)
                if found is not None:
                    index = found.end()
                    char = found.group()
                    if char == '"':
                        in_string = True
                    elif char in "[{":
                        depth += 1
                    else:
                        depth -= 1
                        if depth == 0:
                            break
                    continue
                index = len(self.buf)
            # the value goes on past the buffer
            if start is not None and self._dropped + index - begin > RECORD_MAX_BYTES:
                start = None
            if start is None:   # too long: keep scanning, keep nothing
                self.pos = index
                self._drop_before(index)
                index = 0
            if not self._more():
                raise _Stop(Broken(line, None, None, f"{where}malformed JSON: the record "
                                   "is not closed before the end of the file"))
        if start is None:
            self.pos = index
            return None, self._dropped + index - begin
        return index, 0

    def _end_of_scalar(self, line: int, where: str) -> int:
        while True:
            end = self._SCALAR.match(self.buf, self.pos)
            stop = end.end() if end else self.pos
            if stop < len(self.buf) or not self._more():
                if stop - self.pos > RECORD_MAX_BYTES:
                    raise _Stop(Broken(line, None, None, where + "malformed JSON"))
                return stop
            if len(self.buf) - self.pos > RECORD_MAX_BYTES:
                raise _Stop(Broken(line, None, None, where + "malformed JSON"))

    # --- document -----------------------------------------------------------------------------

    def expect(self, chars: str, what: str) -> str:
        """Consume one of ``chars`` (after white space), or stop with a broken record."""
        char = self.peek()
        if char == "" or char not in chars:
            found = f"found {char!r}" if char else "found the end of the file"
            raise _Stop(Broken(self.line_at(self.pos), None, None,
                               f"malformed JSON: expected {what}, {found}; the rest of the "
                               "file is not read"))
        self.pos += 1
        return char

    def elements(self) -> Iterator[Item]:
        """The elements of the list whose ``[`` was just consumed."""
        if self.peek() == "]":
            self.pos += 1
            return
        number = 0
        while True:
            number += 1
            self.peek()
            yield self.value(f"record #{number}: ")
            if self.expect(",]", "',' or ']' after a record") == "]":
                return

    def document(self) -> Iterator[Item]:
        """The records of the whole document."""
        char = self.peek()
        if char == "[":
            self.pos += 1
            yield from self.elements()
        elif char == "{":
            yield from self._object()
        else:
            self.expect("[{", "a list or an object")
        if self.peek() != "":
            yield Broken(self.line_at(self.pos), None, None,
                         "malformed JSON: extra data after the document: not read")

    def _object(self) -> Iterator[Item]:
        """An API response (its ``resultats`` list is streamed) or a single record."""
        line, begin = self.line_at(self.pos), self.offset()
        self.pos += 1
        members: dict[str, object] | None = {}
        problem: Broken | None = None
        listed = False
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                self.expect('"', "a member name")
                self.pos -= 1
                key = self.value("")
                self.expect(":", "':' after a member name")
                name = key.value if isinstance(key, Raw) else None
                if name == "resultats" and self.peek() == "[":
                    self.pos += 1
                    listed, members = True, None
                    yield from self.elements()
                else:
                    self.peek()
                    item = self.value("")
                    if isinstance(item, Broken):
                        problem = problem or item
                    elif members is not None and isinstance(name, str):
                        members[name] = item.value
                    if self.offset() - begin > RECORD_MAX_BYTES and members is not None:
                        members = None
                        problem = problem or Broken(line, None, None, _too_long(
                            self.offset() - begin, "characters"))
                if self.expect(",}", "',' or '}' after a member") == "}":
                    break
        if listed:
            return
        if problem is not None:
            yield Broken(line, record_id(members), problem.field, problem.reason)
        else:
            yield Raw(line, members)


def json_values(path: Path) -> Iterator[Item]:
    """The records of a JSON document: a list, a France Travail response whose ``resultats``
    is a list, or one object, parsed record by record."""
    with path.open("rb") as stream:
        reader = _JsonStream(stream)
        try:
            yield from reader.document()
        except _Stop as stop:
            yield stop.args[0]


# --------------------------------------------------------------------------- CSV


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """Physical lines, decoded with ``surrogateescape`` (a line longer than the record
    maximum comes in pieces: its record is then rejected by its column count)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    first = True
    while raw := stream.readline(RECORD_MAX_BYTES):
        text = decoder.decode(raw)
        if first:
            text, first = text.removeprefix(BOM), False
        yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def csv_values(path: Path) -> Iterator[Item]:
    """The rows of a flattened France Travail CSV as API-shaped offers (dotted columns
    nested, list columns parsed as Python literals)."""
    with path.open("rb") as stream:
        reader = csv.reader(_text_lines(stream))
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield Broken(1, None, None, f"malformed CSV header: {exc}")
            return
        if not header:
            return
        id_column = header.index("id") if "id" in header else None
        last = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                first, last = last + 1, reader.line_num
                yield Broken(first, None, None, f"malformed CSV: {exc}")
                continue
            first, last = last + 1, reader.line_num
            if not row:
                continue
            identifier = (row[id_column].strip() or None) if id_column is not None and \
                id_column < len(row) else None
            yield _csv_record(header, row, first, identifier)


def _csv_record(header: list[str], row: list[str], line: int, identifier: str | None) -> Item:
    if len(row) != len(header):
        return Broken(line, identifier, None,
                      f"expected {len(header)} columns, found {len(row)}")
    for column, value in zip(header, row, strict=True):
        bad = _undecodable(value, line)
        if bad is not None:
            return Broken(line, identifier, column, bad)
    try:
        return Raw(line, unflatten_row(dict(zip(header, row, strict=True))))
    except SourceFieldError as exc:
        return Broken(line, identifier, exc.field, exc.reason)
