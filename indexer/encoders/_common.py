"""Helpers shared by the encoders: batching, validation and lazy optional imports."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

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
