"""Helpers shared by the encoders: batching, validation and lazy optional imports."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

from indexer.limits import ENCODER_MAX_CHARS, ENCODER_MAX_TOKENS

FloatArray = npt.NDArray[np.float32]


class MissingExtraError(ImportError):
    """An optional dependency is missing; the message names the extra to install."""


def import_optional(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise ``MissingExtraError`` naming the pip extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f"the {module!r} package is not installed; install it with "
            f"pip install 'intelligence-emploi[{extra}]'"
        ) from error


def clip_texts(texts: Sequence[str], max_chars: int = ENCODER_MAX_CHARS) -> list[str]:
    """``texts`` cut to ``max_chars`` characters each, so that no input (a 10 MB one-word
    title, say) makes a model allocate a token array the size of the input."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str")
    return [text if len(text) <= max_chars else text[:max_chars] for text in texts]


def clip_to_tokens(text: str, count_tokens: Callable[[str], int],
                   max_tokens: int = ENCODER_MAX_TOKENS) -> str:
    """``text`` shortened (a proportional cut, repeated) until ``count_tokens`` says it has
    at most ``max_tokens`` tokens. Texts of at most ``max_tokens`` UTF-8 bytes are returned
    as they are without counting (a token covers at least one byte)."""
    if len(text.encode("utf-8")) <= max_tokens:
        return text
    for _ in range(8):
        tokens = count_tokens(text)
        if tokens <= max_tokens:
            return text
        text = text[:max(1, len(text) * max_tokens // tokens - 1)]
    return text[:max_tokens // 4]


def batches(texts: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """Consecutive slices of ``texts`` of at most ``size`` items."""
    for start in range(0, len(texts), size):
        yield texts[start:start + size]


def encode_in_batches(
    texts: Sequence[str], size: int, dimension: int, encode: Callable[[Sequence[str]], object]
) -> FloatArray:
    """Encode ``texts`` ``size`` at a time and stack the results as unit float32 rows."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str")
    parts = [unit_rows(encode(chunk), dimension) for chunk in batches(texts, size)]
    if not parts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.concatenate(parts, axis=0)


def unit_rows(values: object, dimension: int) -> FloatArray:
    """``values`` as a C-contiguous float32 ``(n, dimension)`` array with L2-normalised rows."""
    array = np.asarray(values, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise ValueError(f"encoder returned shape {array.shape}, expected (n, {dimension})")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)
