"""Cut oversize free text and label lists of a decoded record to the model's maxima.

Driven by the models' annotations (:mod:`indexer.limits`): a string or list whose field is
marked ``truncated`` and is longer than its ``max_length`` is cut, and the cut is returned so
the reader can report it. Identifiers and codes (marked ``rejected``) are left as they are:
validation rejects the record.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from indexer.limits import max_length, oversize_action

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Cut:
    """One value cut to its maximum: the model field path, and how long it was."""

    field: str
    length: int
    limit: int
    unit: str

    def reason(self) -> str:
        """The report's wording."""
        return f"truncated from {self.length:,} to {self.limit:,} {self.unit}"


def truncate_oversize(model: type[BaseModel], data: Mapping[str, Any]
                      ) -> tuple[Mapping[str, Any], list[Cut]]:
    """``data`` with its oversize truncatable values cut (a copy when anything was cut; the
    input is never modified), and the cuts."""
    cuts: list[Cut] = []
    return _model(model, data, "", cuts), cuts


def _model(model: type[BaseModel], data: Mapping[str, Any], prefix: str,
           cuts: list[Cut]) -> Mapping[str, Any]:
    out: dict[str, Any] | None = None
    for name, info in model.model_fields.items():
        if name not in data:
            continue
        value = data[name]
        base, metadata = _unwrap(info.annotation)
        new = _value(base, [*info.metadata, *metadata], value, f"{prefix}{name}", cuts)
        if new is not value:
            out = dict(data) if out is None else out
            out[name] = new
    return data if out is None else out


def _value(base: Any, metadata: list[Any], value: Any, path: str, cuts: list[Cut]) -> Any:
    limit = max_length(metadata)
    truncate = oversize_action(metadata) == "truncated"
    if isinstance(value, str):
        if truncate and limit is not None and len(value) > limit:
            cuts.append(Cut(path, len(value), limit, "characters"))
            return value[:limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
        return value
    if isinstance(value, list) and get_origin(base) is list:
        items = value
        if truncate and limit is not None and len(value) > limit:
            cuts.append(Cut(path, len(value), limit, "items"))
            items = value[:limit]
        item_base, item_metadata = _unwrap(get_args(base)[0])
        new_items = [_value(item_base, item_metadata, item, f"{path}[{index}]", cuts)
                     for index, item in enumerate(items)]
        changed = items is not value or any(a is not b for a, b in zip(new_items, items,
                                                                         strict=True))
        return new_items if changed else value
    if isinstance(value, Mapping) and isinstance(base, type) and issubclass(base, BaseModel):
        return _model(base, value, f"{path}.", cuts)
    return value


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Optional[...]`` and ``Annotated[...]``, and the metadata met."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation, metadata
            annotation = members[0]
        else:
            return annotation, metadata
