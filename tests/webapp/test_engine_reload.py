"""A running engine swaps onto a new index generation (atomically, under a lock)."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from indexer.catalog import IndexWriter
from matcher.results import Explanation, Match
from webapp.engine_ext import get_engine
from webapp.summaries import offer_results


def _write_offer_title(engine: Any, title: str) -> None:
    offer = engine.offers.get("OF-VENTE-1").model_copy(update={"title": title})
    with IndexWriter(engine.index.directory, engine.settings, engine.encoder,
                     enricher=engine.enricher) as writer:
        writer.upsert_offers([offer])
        writer.commit()


def test_reload_opens_the_new_generation(engine: Any) -> None:
    assert not engine.reload() and not engine.is_stale()
    _write_offer_title(engine, "Vendeur rechargé")
    assert engine.is_stale()
    assert engine.reload()
    assert engine.offers.get("OF-VENTE-1").title == "Vendeur rechargé"
    assert engine.matcher is engine._state[1] and not engine.is_stale()


def test_a_reloaded_generation_prepares_its_reads_in_the_background(engine: Any) -> None:
    """As a server's warm-up does at start: the keyword stores come to read their hits' ids
    by key, and searches answer meanwhile."""
    _write_offer_title(engine, "Vendeur préparé")
    assert engine.reload()
    keywords = [engine.index.offers.keyword, engine.index.profiles.keyword]
    deadline = time.monotonic() + 30
    while not all(store._ids.loaded for store in keywords) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(store._ids.loaded for store in keywords)
    assert len(keywords[0]._ids) == len(engine.index.offers)


def test_a_reloaded_generation_keeps_the_skill_label_vectors(engine: Any) -> None:
    """A counsellor's edit makes a new generation: its matcher shares the label vectors the
    warm-up and earlier requests encoded, instead of encoding them again."""
    engine.prepare_skill_vectors()
    before = engine.matcher
    known = dict(before.skill_neighbours._vectors)
    _write_offer_title(engine, "Vendeur aux mêmes compétences")
    assert engine.reload() and engine.matcher is not before
    assert engine.matcher.skill_neighbours is before.skill_neighbours is engine.skill_neighbours
    assert all(engine.matcher.skill_neighbours._vectors[label] is vector
               for label, vector in known.items())


def test_concurrent_reloads_open_once(engine: Any) -> None:
    _write_offer_title(engine, "Une fois")
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(engine.reload()))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_app_notices_another_writer(app: Flask, engine: Any) -> None:
    app.config["ENGINE_RELOAD_CHECK_SECONDS"] = 0.000001
    _write_offer_title(engine, "Écrit par un autre processus")
    with app.app_context():
        reloaded = get_engine().offers.get("OF-VENTE-1")
        assert reloaded is not None and reloaded.title == "Écrit par un autre processus"


def test_summaries_shown_after_a_reload_are_the_new_generations(engine: Any) -> None:
    """Summaries are kept with the collection they were made from, not with the engine."""
    shown = [Match("OF-VENTE-1", 1.0, Explanation(components=()))]
    [(_, before)] = offer_results(engine, shown)
    _write_offer_title(engine, "Vendeur rechargé")
    assert engine.reload()
    [(_, after)] = offer_results(engine, shown)
    assert before["title"] != "Vendeur rechargé" and after["title"] == "Vendeur rechargé"
