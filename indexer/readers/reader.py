"""Reading offers and profiles from files, a record at a time, with a rejection for every bad
record and a truncation notice for every oversize text that was cut.

Formats, chosen by extension:

- ``.jsonl`` / ``.ndjson``: one JSON object per line, either our own model's fields or (for
  offers) a France Travail API offer.
- ``.json``: a France Travail API response (a list, an object with ``resultats``, or one offer),
  or a list of our own model's objects.
- ``.csv``: the flattened France Travail export (offers only).

Files are streamed (:mod:`indexer.readers.sources`): memory is bounded by the largest record
(:data:`indexer.limits.RECORD_MAX_BYTES`), not by the file. A record that is not valid UTF-8,
malformed, nested too deeply or too long is rejected, and only that record. Oversize free text
is cut to its maximum before validation and reported (:mod:`indexer.readers.truncate`).
Duplicate ids: the **last** record wins (a later export supersedes an earlier one); each
superseded record gets a rejection whose field is ``id`` and whose line is the superseded
record's, reported when the later record is read.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from indexer.models import Offer, Profile
from indexer.readers.base import (
    Notice,
    ReadResult,
    Rejection,
    Truncation,
    rename_field,
    validation_rejections,
)
from indexer.readers.france_travail import (
    SOURCE_FIELDS,
    SourceFieldError,
    is_api_offer,
    offer_fields,
)
from indexer.readers.sources import Broken, Item, Raw, csv_values, json_values, jsonl_values
from indexer.readers.sources import record_id as _record_id
from indexer.readers.truncate import Cut, truncate_oversize

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
_INDEX = re.compile(r"\[\d+\]")


def _truncations(cuts: list[Cut], path: Path, line: int | None, record: str | None,
                 rename: Mapping[str, str]) -> list[Truncation]:
    """One notice per field; cuts of list items (``skills[3].label``) are counted together
    under ``skills[].label``."""
    grouped: dict[str, list[Cut]] = defaultdict(list)
    for cut in cuts:
        grouped[_INDEX.sub("[]", cut.field)].append(cut)
    out = []
    for name, group in grouped.items():
        longest = max(group, key=lambda cut: cut.length)
        reason = longest.reason() if len(group) == 1 else (
            f"{len(group)} values truncated to {longest.limit:,} {longest.unit} "
            f"(the longest had {longest.length:,})")
        out.append(Truncation(str(path), line, record, rename_field(name, dict(rename)),
                              reason))
    return out


def _build(model: type[M], raw: Raw, path: Path) -> tuple[M | None, list[Notice]]:
    """Validate one decoded record (France Travail offers are mapped first; oversize text is
    cut); the record, or None, and what to report."""
    obj, line, where = raw.value, raw.line, raw.where
    record_id = _record_id(obj)
    if not isinstance(obj, Mapping):
        return None, [Rejection(str(path), line, None, None,
                                f"{where}expected a JSON object, got {type(obj).__name__}")]
    rename: Mapping[str, str] = {}
    data: Mapping[str, Any] = obj
    if model is Offer and is_api_offer(obj):
        rename = SOURCE_FIELDS
        try:
            data = offer_fields(obj)
        except SourceFieldError as exc:
            return None, [Rejection(str(path), line, record_id, exc.field, where + exc.reason)]
    data, cuts = truncate_oversize(model, data)
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        return None, list(validation_rejections(exc, path, line, record_id, dict(rename),
                                                where))
    except RecursionError:
        return None, [Rejection(str(path), line, record_id, None,
                                f"{where}nested too deeply to validate")]
    return record, list(_truncations(cuts, path, line, record_id, rename))


def _items(path: Path, model: type[BaseModel]) -> Iterator[Item]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if model is not Offer:
            raise ValueError(f"{path}: CSV is read for offers only")
        return csv_values(path)
    if suffix == ".json":
        return json_values(path)
    return jsonl_values(path)


def iter_records(path: Path, model: type[M]) -> Iterator[M | Notice]:
    """The valid records of a file in file order, each preceded by its notices (truncations,
    and the rejection of the record it supersedes), with the rejections of invalid records
    where they occur. Memory: one record, and the ids seen (to report duplicates)."""
    path = Path(path)
    seen: dict[str, int | None] = {}
    records = rejected = truncated = 0
    for item in _items(path, model):
        if isinstance(item, Broken):
            rejected += 1
            yield Rejection(str(path), item.line, item.record_id, item.field, item.reason)
            continue
        record, notices = _build(model, item, path)
        for notice in notices:
            rejected += isinstance(notice, Rejection)
            truncated += isinstance(notice, Truncation)
            yield notice
        if record is None:
            continue
        identifier = str(getattr(record, "id"))  # noqa: B009
        if identifier in seen:
            rejected += 1
            yield Rejection(str(path), seen[identifier], identifier, "id",
                            f"duplicate id: superseded by line {item.line}")
        seen[identifier] = item.line
        records += 1
        yield record
    logger.info("%s: %d records (%d ids), %d rejections, %d truncations", path, records,
                len(seen), rejected, truncated)


def iter_offers(path: Path) -> Iterator[Offer | Notice]:
    """:func:`iter_records` for offers (France Travail API JSON, the flattened CSV, JSONL)."""
    return iter_records(path, Offer)


def iter_profiles(path: Path) -> Iterator[Profile | Notice]:
    """:func:`iter_records` for seeker profiles (JSONL, or a JSON list)."""
    return iter_records(path, Profile)


def collect(items: Iterator[M | Notice]) -> ReadResult[M]:
    """Gather a stream into a :class:`ReadResult` (a duplicated id keeps its last record,
    moved to that record's place; notices sorted by line)."""
    kept: dict[str, M] = {}
    result: ReadResult[M] = ReadResult()
    for item in items:
        if isinstance(item, Rejection):
            result.rejections.append(item)
        elif isinstance(item, Truncation):
            result.truncations.append(item)
        else:
            identifier = str(getattr(item, "id"))  # noqa: B009
            kept.pop(identifier, None)
            kept[identifier] = item
    result.records = list(kept.values())
    result.rejections.sort(key=_by_line)
    result.truncations.sort(key=_by_line)
    return result


def _by_line(notice: Notice) -> tuple[bool, int]:
    return notice.line is None, notice.line or 0


def read_offers(path: Path) -> ReadResult[Offer]:
    """Read job offers from a France Travail API JSON file, the flattened CSV, or JSONL.

    Every invalid record becomes a :class:`Rejection` naming the file, line and field; the
    valid records are returned in file order (a duplicated id keeps its last record). For
    files too large to hold, iterate :func:`iter_offers` instead.
    """
    return collect(iter_offers(path))


def read_profiles(path: Path) -> ReadResult[Profile]:
    """Read seeker profiles from JSONL (one ``Profile`` object per line) or a JSON list."""
    return collect(iter_profiles(path))

