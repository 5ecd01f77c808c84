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


@dataclass(frozen=True, slots=True)
class _Rule:
    """What the annotation of a field (or of a list's items) says about its values: cut a
    string or list longer than ``limit`` when ``truncate``, look into a list's items with
    ``item``, into a nested model's fields with ``model``. Worked out once per annotation."""

    limit: int | None
    truncate: bool
    item: _Rule | None
    model: type[BaseModel] | None


_PLANS: dict[type[BaseModel], tuple[tuple[str, _Rule], ...]] = {}
"""Each model's fields with their rules (models are few and fixed)."""


def _plan(model: type[BaseModel]) -> tuple[tuple[str, _Rule], ...]:
    plan = _PLANS.get(model)
    if plan is None:
        plan = tuple((name, _rule(info.annotation, list(info.metadata)))
                     for name, info in model.model_fields.items())
        _PLANS[model] = plan
    return plan


def _rule(annotation: Any, metadata: list[Any]) -> _Rule:
    base, extra = _unwrap(annotation)
    metadata = [*metadata, *extra]
    item = _rule(get_args(base)[0], []) if get_origin(base) is list else None
    model = base if isinstance(base, type) and issubclass(base, BaseModel) else None
    return _Rule(max_length(metadata), oversize_action(metadata) == "truncated", item, model)


def _model(model: type[BaseModel], data: Mapping[str, Any], prefix: str,
           cuts: list[Cut]) -> Mapping[str, Any]:
    out: dict[str, Any] | None = None
    for name, rule in _plan(model):
        if name not in data:
            continue
        value = data[name]
        new = _value(rule, value, f"{prefix}{name}", cuts)
        if new is not value:
            out = dict(data) if out is None else out
            out[name] = new
    return data if out is None else out


def _value(rule: _Rule, value: Any, path: str, cuts: list[Cut]) -> Any:
    limit = rule.limit
    if isinstance(value, str):
        if rule.truncate and limit is not None and len(value) > limit:
            cuts.append(Cut(path, len(value), limit, "characters"))
            return value[:limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
        return value
    if isinstance(value, list) and rule.item is not None:
        items = value
        if rule.truncate and limit is not None and len(value) > limit:
            cuts.append(Cut(path, len(value), limit, "items"))
            items = value[:limit]
        new_items = [_value(rule.item, item, f"{path}[{index}]", cuts)
                     for index, item in enumerate(items)]
        changed = items is not value or any(a is not b for a, b in zip(new_items, items,
                                                                         strict=True))
        return new_items if changed else value
    if isinstance(value, Mapping) and rule.model is not None:
        return _model(rule.model, value, f"{path}.", cuts)
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
