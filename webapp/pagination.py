"""Pagination of API lists: ``page`` and ``per_page`` in, ``items``, ``total`` and links out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from flask import request, url_for

from webapp.params import page_params

T = TypeVar("T")


def paginate(items: Sequence[T]) -> tuple[Sequence[T], dict[str, Any]]:
    """The current page of ``items`` and the page metadata (``page``, ``per_page``,
    ``total``, ``pages``, ``links``: self, first, last, prev, next; absent pages are null)."""
    page, per_page = page_params(request.args)
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    start = (page - 1) * per_page

    def link(number: int) -> str:
        args = {**(request.view_args or {}), **request.args.to_dict(), "page": number,
                "per_page": per_page}
        return url_for(str(request.endpoint), **args)

    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages,
            "links": {"self": link(page), "first": link(1), "last": link(pages),
                      "prev": link(page - 1) if 1 < page <= pages + 1 else None,
                      "next": link(page + 1) if page < pages else None}}
    return items[start:start + per_page], meta


def page_of(items: Sequence[Any]) -> dict[str, Any]:
    """``{"items": [...], **meta}`` for JSON-ready items."""
    current, meta = paginate(items)
    return {"items": list(current), **meta}
