"""Encoder worker processes die with the process that started them, even on ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PARENT = """
import sys
from indexer.encoders.pool import ProcessPoolEncoder
from indexer.settings import load_settings

pool = ProcessPoolEncoder(load_settings(encoder="use"), processes=2)
pool.encode_documents(["vendeur en boulangerie"] * 130)  # three batches: workers start
print("ready", flush=True)
sys.stdin.read()  # until killed
"""


def _descendants(pid: int) -> set[int]:
    """Every process under ``pid`` (children of each of its threads, recursively)."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "zombie" not in state


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_the_indexing_process_is_killed() -> None:
    with subprocess.Popen(
            [sys.executable, "-c", PARENT], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}) as parent:
        try:
            assert parent.stdout is not None
            assert parent.stdout.readline().strip() == "ready"
            workers = _descendants(parent.pid)
            assert workers, "the pool started no worker process"
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait(timeout=10)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(map(_alive, workers)):
                time.sleep(0.1)
            assert not [pid for pid in workers if _alive(pid)], "workers outlived kill -9"
        finally:
            if parent.poll() is None:
                parent.kill()
