"""Slow lists computed ahead (issue 14, point 6): the pools a dashboard needs are built before
anyone asks, most recent offers first, and a pool asked for afterwards comes from the cache."""

from __future__ import annotations

from typing import Any

from flask import Flask

from matcher.analytics import pool
from webapp import warmup


def test_pools_of_the_most_recent_offers_are_computed_ahead(engine: Any) -> None:
    pool._cache.pop(engine, None)
    newest = max((o for o in engine.offers if o.created_at), key=lambda o: o.created_at)
    assert warmup.precompute_pools(engine, limit=1) == 1
    assert set(pool._cache.get(engine, {})) == {newest.id}
    ahead = pool._cache[engine][newest.id][1]
    assert pool.candidate_pool(engine, newest) is ahead          # answered from the cache


def test_computing_ahead_can_be_turned_off(app: Flask, engine: Any) -> None:
    app.config["PRECOMPUTE_POOLS"] = 0
    assert warmup.start(app, engine) is None
