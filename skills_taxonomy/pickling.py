"""Quick pickling for the caches that hold hundreds of thousands of objects (the taxonomy, the
concept reader's state, the communes).

:func:`load_pickle` pauses the cyclic garbage collector while a cache loads: every container
the load allocates would otherwise count towards a collection, and the collections that follow
traverse everything loaded so far — measured, more than half of the load time of these caches.

Python pickles a ``@dataclass(frozen=True, slots=True)`` instance through a generic
``__setstate__`` that looks the class's fields up again for every object: about 10 µs each,
seconds for a taxonomy. :func:`pickled_by_fields` makes the class pickle as a call to itself
with its field values, which loads several times faster and keeps ``__init__``'s checks.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Class decorator (above ``@dataclass``): pickle instances as ``cls(*field values)``.
    Only for dataclasses whose fields are all ``__init__`` parameters, in order."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    if any(not f.init for f in fields(cls)):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__} has fields outside __init__")

    def reduce(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, tuple([getattr(self, name) for name in names])

    cls.__reduce__ = reduce  # type: ignore[method-assign]
    return cls


def load_pickle(handle: IO[bytes]) -> Any:
    """``pickle.load(handle)`` with the cyclic garbage collector paused (module doc). Only for
    trusted files: unpickling runs code."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(handle)
    finally:
        if enabled:
            gc.enable()


def read_pickle_file(path: Path, what: str) -> Any | None:
    """The object pickled in ``path`` (loaded by :func:`load_pickle`), or None when the file
    is missing or cannot be read (logged as ``ignoring unreadable <what> <path>``): a cache
    that cannot be used is rebuilt, never fatal."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return load_pickle(handle)
    except Exception as error:  # a corrupt or outdated cache file
        log.warning("ignoring unreadable %s %s: %s", what, path, error)
        return None


def write_pickle_file(path: Path, value: object) -> None:
    """Pickle ``value`` into ``path`` atomically: a temporary file in the same folder, then
    ``os.replace``, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-",
                                              suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
