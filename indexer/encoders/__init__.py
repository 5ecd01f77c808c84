"""Sentence encoders behind one protocol, a factory that picks one from the settings, and a
content-addressed embedding cache."""

from indexer.encoders.cache import (
    CachedEncoder,
    EmbeddingCache,
    cached_unless_faster,
    content_key,
    encode_documents_cached,
)
from indexer.encoders.e5 import E5Encoder
from indexer.encoders.factory import create_encoder
from indexer.encoders.protocol import CacheFreeEncoder, Encoder, encodes_faster_than_cache
from indexer.encoders.sentence_transformers_encoder import SentenceTransformerEncoder
from indexer.encoders.use import UseEncoder

__all__ = [
    "CacheFreeEncoder",
    "CachedEncoder",
    "E5Encoder",
    "EmbeddingCache",
    "Encoder",
    "SentenceTransformerEncoder",
    "UseEncoder",
    "cached_unless_faster",
    "content_key",
    "create_encoder",
    "encode_documents_cached",
    "encodes_faster_than_cache",
]
