"""Errors raised while reading the taxonomy files."""

from __future__ import annotations


class TaxonomyError(Exception):
    """Base class of every error raised by :mod:`skills_taxonomy`."""


class MissingFileError(TaxonomyError, FileNotFoundError):
    """A required source file is absent from the taxonomy folder."""


class MissingColumnError(TaxonomyError, ValueError):
    """A source file lacks a required column."""


class BadValueError(TaxonomyError, ValueError):
    """A source file holds a value that cannot be used (e.g. a non-numeric rank)."""
