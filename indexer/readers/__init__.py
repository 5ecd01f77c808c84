"""Readers for offers and profiles (France Travail JSON / CSV, our JSONL) and atomic writers."""

from indexer.readers.base import (
    ReadResult,
    Rejection,
    write_jsonl,
    write_rejections,
)
from indexer.readers.reader import read_offers, read_profiles
from indexer.readers.schema import profile_json_schema, write_profile_schema

__all__ = [
    "ReadResult",
    "Rejection",
    "profile_json_schema",
    "read_offers",
    "read_profiles",
    "write_jsonl",
    "write_profile_schema",
    "write_rejections",
]
