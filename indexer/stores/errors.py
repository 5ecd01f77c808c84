"""Errors raised by the stores, whatever their backend."""

from __future__ import annotations


class BackendUnavailable(RuntimeError):
    """A remote search backend cannot be reached, or answers with a server error (5xx).

    The message names the URL that was tried, so that an operator sees at once which node is
    down. ``url`` keeps that URL for callers that want it (``None`` when unknown).
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
