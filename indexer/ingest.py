"""Input files into the index, streamed: read a record at a time, place it on the map, and hand
it to :class:`~indexer.catalog.IndexWriter`, which encodes and stores a chunk at a time.

Memory stays bounded by the largest record and the writer's chunk, whatever the files' size:
no file is parsed whole, and what the readers report (rejected records, truncated fields) goes
to the report file as it comes, with only counts and the first few notices kept in memory.

Placing: an offer or a profile whose place has an INSEE code, a postcode or a France Travail
label ("07 - ST PERAY") but no coordinates gets its commune's point from the gazetteer
(:meth:`indexer.geo.Gazetteer.resolve_place`), so that distance filters can reach it. A point
more than :data:`SWAP_CHECK_KM` from its own commune that lands within it once latitude and
longitude are exchanged is corrected (75 of the real France offers give "latitude 2.35,
longitude 48.86" for Paris: in the Indian Ocean, out of every radius).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, TypeVar

from indexer.atomic import atomic_writer
from indexer.distance import haversine_km
from indexer.geo import Gazetteer
from indexer.models import GeoPoint, Offer, Profile
from indexer.readers import Notice, Rejection, iter_offers, iter_profiles, notice_json

log = logging.getLogger(__name__)

R = TypeVar("R", Offer, Profile)
SHOWN_NOTICES = 20
"""Notices kept in memory for the summary (all of them are in the report)."""
LOGGED_NOTICES = 100
SWAP_CHECK_KM = 50.0
"""How far a point may be from its own commune's point before a swap is looked for."""


@dataclass
class Placement:
    """What placing did to one kind of record."""

    placed: int = 0
    """Records without coordinates that the gazetteer placed at their commune."""
    unplaced: int = 0
    """Records left without coordinates (no place, or one the gazetteer cannot resolve)."""
    swapped: int = 0
    """Records whose latitude and longitude were exchanged in the source, corrected."""


class NoticeReport:
    """The rejections and truncations of a run: each written to the report as it comes, the
    report replacing the previous one atomically when the run succeeds with notices (a run
    with none leaves any previous report alone; a failed run leaves nothing)."""

    def __init__(self, path: Path, shown: int = SHOWN_NOTICES) -> None:
        self.path = path
        self.shown: list[Notice] = []
        self.rejected = 0
        self.truncated = 0
        self._limit = shown
        self._stack = ExitStack()
        self._stream: IO[str] | None = None

    def add(self, notice: Notice) -> None:
        """Record one notice."""
        if self._stream is None:
            self._stream = self._stack.enter_context(atomic_writer(self.path))
        self._stream.write(notice_json(notice) + "\n")
        if isinstance(notice, Rejection):
            self.rejected += 1
        else:
            self.truncated += 1
        count = self.rejected + self.truncated
        if len(self.shown) < self._limit:
            self.shown.append(notice)
        if count <= LOGGED_NOTICES:
            log.warning("%s %s:%s (%s): %s", notice.action, notice.path, notice.line,
                        notice.field or "record", notice.reason)
        elif count == LOGGED_NOTICES + 1:
            log.warning("more notices: see %s", self.path)

    @property
    def written(self) -> bool:
        """Whether the run had any notice (and so writes the report)."""
        return self._stream is not None

    def __enter__(self) -> NoticeReport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stack.__exit__(exc_type, exc, traceback)


def place_on_map(record: R, gazetteer: Gazetteer | None) -> tuple[R, str | None]:
    """``record`` with its commune's point when its place has none and the gazetteer knows the
    commune (by INSEE code, postcode or France Travail label), or with its latitude and
    longitude exchanged back when the source swapped them; and what was done (``"placed"``,
    ``"swapped"``, or None)."""
    place = record.place
    if gazetteer is None or place is None:
        return record, None
    if place.point is None:
        resolved = gazetteer.resolve_place(place)
        if resolved.point is None:
            return record, None
        return record.model_copy(update={"place": resolved}), "placed"
    commune = gazetteer.commune(place.commune) if place.commune else None
    if commune is None or commune.point is None or \
            haversine_km(place.point, commune.point) <= SWAP_CHECK_KM:
        return record, None
    if abs(place.point.lon) > 90.0:
        return record, None
    swapped = GeoPoint(lat=place.point.lon, lon=place.point.lat)
    if haversine_km(swapped, commune.point) > SWAP_CHECK_KM:
        return record, None
    log.debug("%s: latitude and longitude swapped in the source, corrected", record.id)
    return record.model_copy(update={"place": place.model_copy(update={"point": swapped})}), \
        "swapped"


def stream_records(files: Sequence[Path], read: Callable[[Path], Iterable[R | Notice]],
                   report: NoticeReport, gazetteer: Gazetteer | None, placement: Placement,
                   keep: Callable[[R], bool] | None = None) -> Iterator[R]:
    """The valid records of ``files`` in order, placed on the map; notices go to ``report``;
    records for which ``keep`` is false are left out."""
    for path in files:
        for item in read(path):
            if isinstance(item, Offer | Profile):
                if keep is not None and not keep(item):
                    continue
                record, action = place_on_map(item, gazetteer)
                placement.placed += action == "placed"
                placement.swapped += action == "swapped"
                placement.unplaced += record.place is None or record.place.point is None
                yield record
            else:
                report.add(item)


@dataclass
class IngestCounts:
    """What :func:`ingest_files` indexed."""

    offers: int = 0
    profiles: int = 0
    placement: dict[str, Placement] = field(
        default_factory=lambda: {"offers": Placement(), "profiles": Placement()})


class RecordSink(Protocol):
    """What :func:`ingest_files` writes to (an :class:`~indexer.catalog.IndexWriter`)."""

    def upsert_offers(self, offers: Iterable[Offer]) -> int:
        """Store offers, a chunk at a time; return how many were given."""
        ...

    def upsert_profiles(self, profiles: Iterable[Profile]) -> int:
        """Store profiles, a chunk at a time; return how many were given."""
        ...


def ingest_files(writer: RecordSink, offer_files: Sequence[Path],
                 profile_files: Sequence[Path], report: NoticeReport,
                 gazetteer: Gazetteer | None,
                 keep_profile: Callable[[Profile], bool] | None = None) -> IngestCounts:
    """Stream every file into ``writer`` (offers, then profiles)."""
    counts = IngestCounts()
    counts.offers = writer.upsert_offers(stream_records(
        offer_files, iter_offers, report, gazetteer, counts.placement["offers"]))
    counts.profiles = writer.upsert_profiles(stream_records(
        profile_files, iter_profiles, report, gazetteer, counts.placement["profiles"],
        keep_profile))
    for kind, placement in counts.placement.items():
        if placement.placed or placement.swapped:
            log.info("%s: %d placed on the map from their commune or postcode, %d with "
                     "latitude and longitude swapped corrected", kind, placement.placed,
                     placement.swapped)
    return counts
