"""Errors of the analytics: each carries a French message fit to show a user."""

from __future__ import annotations


class AnalyticsError(ValueError):
    """Bad input to an analytics function; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownOccupation(AnalyticsError):
    """A ROME code that is malformed or absent from the taxonomy."""

    status = 404


class UnknownTerritory(AnalyticsError):
    """A commune, département or region code that the gazetteer does not know."""

    status = 404


class NoData(AnalyticsError):
    """The index holds nothing to compute from (no offers, no seekers, unknown record)."""

    status = 404
