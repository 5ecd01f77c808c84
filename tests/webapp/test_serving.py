"""Serving processes: what must run in each of them does (gunicorn forks its workers from a
master that serves no request, so a thread started before the fork is not in them)."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import webapp
from matcher.engine import Engine
from webapp import create_app
from webapp.cli import _serve, serving
from webapp.cli.serving import serve


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve_and_record(workers: int, port: int, record: str) -> None:
    def started() -> None:
        with open(record, "a", encoding="ascii") as stream:
            stream.write(f"{os.getpid()}\n")

    serve(Flask("probe"), "127.0.0.1", port, threads=1, workers=workers,
          on_worker_start=started)


def _started_in(record: Path, expected: int, timeout_s: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pids = [int(line) for line in record.read_text().split()] if record.exists() else []
        if len(pids) >= expected:
            time.sleep(1.0)  # a late extra start would show now
            return [int(line) for line in record.read_text().split()]
        time.sleep(0.2)
    return [int(line) for line in record.read_text().split()] if record.exists() else []


@pytest.mark.parametrize("workers", [1, 2])
def test_each_serving_process_runs_the_start_hook_once(tmp_path: Path, workers: int) -> None:
    record = tmp_path / "started"
    server = multiprocessing.get_context("spawn").Process(
        target=_serve_and_record, args=(workers, _free_port(), str(record)))
    server.start()
    try:
        pids = _started_in(record, workers)
    finally:
        server.terminate()
        server.join(timeout=30)
    assert len(pids) == workers and len(set(pids)) == workers
    if workers == 1:
        assert pids == [server.pid]  # waitress: the serving process itself
    else:
        assert server.pid not in pids  # gunicorn: each worker, never the master


def test_serve_leaves_background_work_to_each_serving_process(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No thread of ours may run when gunicorn forks its workers: one loading the communes
    at that moment held a lock that then stayed held in every worker, and each request that
    needed the communes waited forever."""
    started: list[str] = []
    start_thread = threading.Thread.start

    def recording_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        start_thread(thread)

    seen: dict[str, Any] = {}

    def record_serve(app: Flask, host: str, port: int, threads: int, workers: int = 1,
                     on_worker_start: Callable[[], object] | None = None) -> None:
        seen["threads"] = list(started)
        seen["on_worker_start"] = on_worker_start

    def app_with_engine(test_config: dict[str, Any] | None = None) -> Flask:
        return create_app({**(test_config or {}), "ENGINE": engine,
                           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                           "INBOX_MODEL_DIR": tmp_path / "inbox"})

    monkeypatch.setattr(serving, "serve", record_serve)
    monkeypatch.setattr(threading.Thread, "start", recording_start)
    monkeypatch.setattr(webapp, "create_app", app_with_engine)
    _serve(engine.settings, "127.0.0.1", _free_port(), threads=1, debug=False, workers=2)
    assert seen["threads"] == []
    assert callable(seen["on_worker_start"])
