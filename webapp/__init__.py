"""Intelligence emploi's web app: seeker, employer, counsellor and admin pages, and the JSON API.

Built like Flask's ``flaskr`` tutorial: :func:`create_app` reads the defaults, then
``instance/config.py`` when present, then the settings object (:mod:`indexer.settings`:
``EMPLOI_*`` variables and the TOML file), then the test config. The matching engine
(:mod:`webapp.engine_ext`) and the database (:mod:`webapp.db`) are extensions; every request
loads its user (:mod:`webapp.auth`) and passes the CSRF check (:mod:`webapp.csrf`).

Parts: ``pages/`` (HTML, one blueprint per role), ``api/`` (JSON API and OpenAPI),
``territory/`` (territory pages and API), ``cli/`` (the ``emploi`` command), ``repositories/``
(database access).

The package imports nothing heavy itself: ``create_app`` is loaded from :mod:`webapp.app` on
first use, so the ``emploi`` command (:mod:`webapp.cli`) starts without Flask, SQLAlchemy and
the pages when a command needs none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webapp.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``webapp.create_app``, imported on first use (PEP 562)."""
    if name == "create_app":
        return importlib.import_module("webapp.app").create_app
    raise AttributeError(f"module 'webapp' has no attribute {name!r}")
