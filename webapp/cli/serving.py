"""Serving the app in production: waitress (threads) or gunicorn (processes × threads).

waitress runs one process with ``threads`` worker threads; it is the default and needs
nothing else. ``workers`` > 1 runs gunicorn (``pip install 'intelligence-emploi[gunicorn]'``)
with that many processes, each with ``threads`` threads and its own engine; each process
notices a new index generation (written by another process) within seconds and reloads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

logger = logging.getLogger(__name__)


class ServingError(RuntimeError):
    """The server cannot run as asked (the message says what to install or change)."""


def serve(app: Flask, host: str, port: int, threads: int, workers: int = 1,
          on_worker_start: Callable[[], object] | None = None) -> None:
    """Serve ``app`` until interrupted. ``on_worker_start`` runs in each serving process
    before it takes requests (gunicorn's workers are forked from a process that serves
    none: background threads started before the fork would not be in them)."""
    if workers <= 1:
        import waitress

        if on_worker_start is not None:
            on_worker_start()
        logger.info("waitress on %s:%d with %d threads", host, port, threads)
        waitress.serve(app, host=host, port=port, threads=threads)
        return
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:
        raise ServingError("--workers > 1 needs gunicorn: "
                           "pip install 'intelligence-emploi[gunicorn]'") from exc

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {"bind": f"{host}:{port}", "workers": workers,
                                       "threads": threads, "worker_class": "gthread",
                                       "timeout": 120}
            if on_worker_start is not None:
                options["post_worker_init"] = lambda _worker: on_worker_start()
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    logger.info("gunicorn on %s:%d with %d workers × %d threads", host, port, workers, threads)
    _Gunicorn().run()
