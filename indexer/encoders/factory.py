"""Pick the encoder the settings ask for."""

from __future__ import annotations

from pathlib import Path

from indexer.encoders.e5 import E5Encoder
from indexer.encoders.protocol import Encoder
from indexer.encoders.sentence_transformers_encoder import (
    BUNDLED_MINILM,
    SentenceTransformerEncoder,
)
from indexer.encoders.static import DEFAULT_TEACHER, StaticEncoder, default_model_dir
from indexer.encoders.use import UseEncoder
from indexer.settings import EncoderKind, Settings


def create_encoder(settings: Settings, *, distil: bool = True) -> Encoder:
    """The encoder named by ``settings.encoder`` (``settings.model`` for sentence-transformers,
    default the bundled all-MiniLM-L6-v2; for the static encoder, the model folder, default
    ``<cache_dir>/encoders/static-use-m3``, distilled there on first use unless ``distil`` is
    off: a worker process must find the model, never make one). Models load lazily, on first
    encode."""
    if settings.encoder is EncoderKind.USE:
        return UseEncoder()
    if settings.encoder is EncoderKind.E5:
        return E5Encoder()
    if settings.encoder is EncoderKind.SENTENCE_TRANSFORMERS:
        return SentenceTransformerEncoder(settings.model or BUNDLED_MINILM)
    if settings.encoder is EncoderKind.STATIC:
        return static_encoder(settings, distil=distil)
    raise ValueError(f"unknown encoder {settings.encoder!r}")


def static_encoder(settings: Settings, *, distil: bool = True) -> StaticEncoder:
    """The static encoder of the settings: the model folder ``settings.model`` as given, or
    the default folder, which must hold a model distilled from USE-m3 and is distilled on
    first use when empty (with ``distil``; without, loading an empty folder fails)."""
    if settings.model:
        return StaticEncoder(Path(settings.model))
    if not distil:
        return StaticEncoder(default_model_dir(settings.cache_dir), teacher=DEFAULT_TEACHER)

    def build(directory: Path) -> Path:
        # imported only when a model must be distilled: distill needs scipy (0.3 s to import)
        from indexer.encoders.distill import default_builder

        return default_builder(settings)(directory)

    return StaticEncoder(default_model_dir(settings.cache_dir), teacher=DEFAULT_TEACHER,
                         build=build)
