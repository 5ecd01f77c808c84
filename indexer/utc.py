"""Times in UTC, one way everywhere: a naive ``datetime`` is read as UTC.

France Travail's ``dateCreation`` carries a zone, hand-written files often do not; the stores,
the filter table, the freshness feature and the manifests all go through these functions, so
a naive time and the same instant with ``+00:00`` always compare, filter and sort alike.
"""

from __future__ import annotations

from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant, timezone-aware; a naive time is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def utc_now_iso() -> str:
    """The current time as an ISO 8601 UTC string, to the second."""
    return utc_now().isoformat(timespec="seconds")


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the Unix epoch."""
    return int(as_utc(moment).timestamp())


def epoch_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exactly (no float rounding)."""
    delta = as_utc(moment) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_seconds(seconds: int) -> datetime:
    """The UTC time ``seconds`` after the Unix epoch."""
    return datetime.fromtimestamp(seconds, UTC)
