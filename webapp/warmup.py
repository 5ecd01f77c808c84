"""Slow lists computed ahead: when a server starts, a background thread builds the analytics
snapshot and the candidate pools of the most recent offers, so that an employer's dashboard
and the counsellors' "hard to fill" list answer from the cache instead of ranking every offer
while someone waits (a pool is a full ranking, 0.1–0.25 s per offer).

It runs again after the engine reloads a new index generation (the pools are cached per
index), at low priority: it yields between offers, and stops with the process.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from matcher.analytics.pool import candidate_pool
from matcher.analytics.snapshot import index_key, snapshot
from matcher.engine import Engine

logger = logging.getLogger(__name__)

CHECK_EVERY_S = 30.0
DEFAULT_LIMIT = 2000
PAUSE_BETWEEN_S = 0.01


def precompute_pools(engine: Engine, limit: int) -> int:
    """Build the snapshot and the pools of the ``limit`` most recent offers; return how many
    pools were computed or found cached."""
    started = time.monotonic()
    snap = snapshot(engine)
    offers = sorted((placed.offer for placed in snap.offers),
                    key=lambda offer: (-(offer.created_at.timestamp() if offer.created_at
                                         else 0.0), offer.id))[:limit]
    for done, offer in enumerate(offers, start=1):
        candidate_pool(engine, offer)
        time.sleep(PAUSE_BETWEEN_S)
        if done % 100 == 0:
            rate = done / max(time.monotonic() - started, 1e-6)
            logger.info("candidate pools computed ahead: %d/%d (%.1f/s, about %.0f s left)",
                        done, len(offers), rate, (len(offers) - done) / rate)
    logger.info("candidate pools computed ahead: %d offers in %.1f s", len(offers),
                time.monotonic() - started)
    return len(offers)


def start(app: Flask, engine: Engine) -> threading.Thread | None:
    """Start the background thread, for the ``PRECOMPUTE_POOLS`` most recent offers (None:
    :data:`DEFAULT_LIMIT`; 0 turns it off)."""
    configured = app.config.get("PRECOMPUTE_POOLS")
    limit = DEFAULT_LIMIT if configured is None else int(configured)
    if limit <= 0:
        return None

    def run() -> None:
        done_for = None
        while True:
            try:
                key = index_key(engine)
                if key != done_for:
                    precompute_pools(engine, limit)
                    done_for = key
            except Exception:  # a failure here must never take the server down
                logger.exception("computing candidate pools ahead failed")
            time.sleep(CHECK_EVERY_S)

    thread = threading.Thread(target=run, name="precompute-pools", daemon=True)
    thread.start()
    return thread
