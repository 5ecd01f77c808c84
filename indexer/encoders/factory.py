"""Pick the encoder the settings ask for."""

from __future__ import annotations

from indexer.encoders.e5 import E5Encoder
from indexer.encoders.protocol import Encoder
from indexer.encoders.sentence_transformers_encoder import (
    BUNDLED_MINILM,
    SentenceTransformerEncoder,
)
from indexer.encoders.use import UseEncoder
from indexer.settings import EncoderKind, Settings


def create_encoder(settings: Settings) -> Encoder:
    """The encoder named by ``settings.encoder`` (``settings.model`` for sentence-transformers,
    default the bundled all-MiniLM-L6-v2). Models load lazily, on first encode."""
    if settings.encoder is EncoderKind.USE:
        return UseEncoder()
    if settings.encoder is EncoderKind.E5:
        return E5Encoder()
    if settings.encoder is EncoderKind.SENTENCE_TRANSFORMERS:
        return SentenceTransformerEncoder(settings.model or BUNDLED_MINILM)
    raise ValueError(f"unknown encoder {settings.encoder!r}")
