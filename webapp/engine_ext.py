"""The matching engine as a Flask extension: built lazily, once per app, shared by all requests.

``create_app`` calls :func:`init_app`. A test passes a ready engine as ``ENGINE`` in its test
config; otherwise the first request builds one with ``ENGINE_FACTORY`` (a callable taking the
app's config), by default from the app's settings and the index on disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app

from matcher.engine import Engine

EXTENSION_KEY = "emploi_engine"
LAST_CHECK_KEY = "emploi_engine_checked_at"
EngineFactory = Callable[[Mapping[str, Any]], Engine]

logger = logging.getLogger(__name__)
_build_lock = threading.Lock()


def default_engine_factory(config: Mapping[str, Any]) -> Engine:
    """Open the engine from the app's ``SETTINGS`` (:class:`indexer.settings.Settings`)."""
    settings = config["SETTINGS"]
    logger.info("opening the matching engine from %s", settings.index_dir)
    engine = Engine.open(settings)
    engine.prepare()  # the first request must not build the concept reader
    return engine


def init_app(app: Flask) -> None:
    """Register the extension; use the app's ``ENGINE`` config value when one is given."""
    engine = app.config.get("ENGINE")
    app.extensions[EXTENSION_KEY] = engine


def get_engine() -> Engine:
    """The current app's engine, built on first use (thread-safe, at most once per app).

    Every ``ENGINE_RELOAD_CHECK_SECONDS`` it checks whether another process (another worker,
    ``emploi index``) made a newer index generation live, and reloads it.
    """
    app = current_app
    engine: Engine | None = app.extensions.get(EXTENSION_KEY)
    if engine is not None:
        _reload_when_stale(app, engine)
        return engine
    with _build_lock:
        engine = app.extensions.get(EXTENSION_KEY)
        if engine is None:
            factory: EngineFactory = app.config.get("ENGINE_FACTORY") or default_engine_factory
            engine = factory(app.config)
            app.extensions[EXTENSION_KEY] = engine
    return engine


def _reload_when_stale(app: Flask, engine: Engine) -> None:
    """Reload the engine when the live index generation changed (checked at most every
    ``ENGINE_RELOAD_CHECK_SECONDS``; 0 disables the check)."""
    interval = float(app.config.get("ENGINE_RELOAD_CHECK_SECONDS") or 0)
    if interval <= 0:
        return
    now = time.monotonic()
    last: float = app.extensions.get(LAST_CHECK_KEY, 0.0)
    if now - last < interval:
        return
    app.extensions[LAST_CHECK_KEY] = now
    if engine.is_stale():
        logger.info("a newer index generation is live: reloading")
        engine.reload()


def index_lock_wait_s() -> float:
    """How long a web write waits for another writer's index lock (``INDEX_LOCK_WAIT_SECONDS``,
    from the settings' ``index_lock_wait_s``) before answering 503."""
    return float(current_app.config.get("INDEX_LOCK_WAIT_SECONDS") or 0.0)
