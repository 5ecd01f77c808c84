"""CPU time of one server process per API request under the web load of :mod:`bench.run`:
``emploi serve --workers 1`` (waitress, 4 threads), its background warm-up waited for, the
seekers asked three times, then ``--rounds`` loads of ``--seconds`` each from ``--clients``
threads. The server's CPU (user + system, from ``/proc``) and this process's (the clients')
are divided by the requests answered: unlike req/s, these do not depend on how the load's
client threads and the server share the cores. With ``--caches off`` the matcher's caches are
off and the seekers are not asked before the loads: every request is matched.

    python -m bench.server_cpu --index-dir .cache/bench/w100k/n100000/index --caches off
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bench.process_tree import sample_process
from bench.run import (
    _auth_headers,
    _free_port,
    _hammer,
    _wait_ready,
    _wait_warmed_up,
    _warm_up,
    serving_environment,
)

logger = logging.getLogger("bench.server_cpu")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, from ``/proc/PID/stat``."""
    sample = sample_process(pid)
    if sample is None:
        raise ProcessLookupError(f"no process {pid}")
    return sample.cpu_s


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(index_dir: Path, env: dict[str, str], profiles: int, clients: int,
            seconds: float, rounds: int, warm_passes: int = 3) -> list[dict[str, Any]]:
    """One row per load: req/s, p50, and CPU ms per request of the server and the clients,
    after ``warm_passes`` passes over the seekers."""
    port = _free_port()
    log_path = index_dir.parent / "server-cpu.log"
    with log_path.open("w") as log_stream:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "emploi"), "serve", "--index-dir", str(index_dir),
             "--host", "127.0.0.1", "--port", str(port), "--threads", "4", "--workers", "1"],
            env=env, stdout=log_stream, stderr=subprocess.STDOUT)
    try:
        rng = np.random.default_rng(5)  # the web load's seekers
        ids = [f"GEN-P{int(i) + 1:07d}" for i in rng.choice(profiles, size=200, replace=False)]
        headers = _auth_headers(env, ids)
        paths = [f"/api/v1/profiles/{pid}/offers?top=10&per_page=10" for pid in ids]
        if _wait_ready(port, paths[0], headers, timeout_s=300) != 200:
            raise SystemExit(f"the server does not answer 200, see {log_path}")
        if _wait_warmed_up(log_path, 1, timeout_s=1800) is None:
            raise SystemExit(f"the server's background warm-up did not end, see {log_path}")
        _warm_up(port, paths, headers, clients, passes=warm_passes)
        rows = []
        for number in range(1, rounds + 1):
            server_before, clients_before = _cpu_s(server.pid), _own_cpu_s()
            result = _hammer(port, paths, headers, seconds, clients)
            served = max(result["requests"], 1)
            rows.append({"requests_per_s": result["requests_per_s"],
                         "p50_ms": result["latency_ms"]["p50"],
                         "server_cpu_ms": round((_cpu_s(server.pid) - server_before)
                                                / served * 1e3, 2),
                         "client_cpu_ms": round((_own_cpu_s() - clients_before)
                                                / served * 1e3, 2)})
            logger.info("load %d/%d: %s", number, rounds, rows[-1])
        return rows
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, measure, print the rows as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", required=True, type=Path)
    parser.add_argument("--caches", choices=("on", "off"), default="on",
                        help="off: the matcher's caches off, no passes before the loads")
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--cache-dir", default="var/cache")
    parser.add_argument("--profiles", type=int, default=100_000,
                        help="GENERATED profiles in the index (the seekers are drawn among them)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    caches = args.caches == "on"
    env = serving_environment(args.index_dir, args.data_dir, args.cache_dir, caches)
    rows = measure(args.index_dir, env, args.profiles, args.clients, args.seconds, args.rounds,
                   warm_passes=3 if caches else 0)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
