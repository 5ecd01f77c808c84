"""Readers for offers and profiles (France Travail JSON / CSV, our JSONL), streamed a record
at a time, and atomic writers."""

from indexer.readers.base import (
    Notice,
    ReadResult,
    Rejection,
    Truncation,
    notice_json,
    write_jsonl,
    write_rejections,
)
from indexer.readers.reader import (
    collect,
    iter_offers,
    iter_profiles,
    iter_records,
    read_offers,
    read_profiles,
)
from indexer.readers.schema import profile_json_schema, write_profile_schema

__all__ = [
    "Notice",
    "ReadResult",
    "Rejection",
    "Truncation",
    "collect",
    "iter_offers",
    "iter_profiles",
    "iter_records",
    "notice_json",
    "profile_json_schema",
    "read_offers",
    "read_profiles",
    "write_jsonl",
    "write_profile_schema",
    "write_rejections",
]
