"""CPU time of the request thread per API request, in one process (Flask's test client): what
the application spends on a seeker's ten best offers, without the HTTP server and the load's
client threads that share the cores in the web load of :mod:`bench.run`.

The index is one that ``bench.run`` built (GENERATED profiles ``GEN-P…``); a counsellor account
with a bearer token is made in the app's database, as the web load does. Every seeker is asked
once first (a full ranking, which fills the caches when they are on), then ``--passes`` times
per round.

    python -m bench.api_cpu --index-dir .cache/bench/w100k/n100000/index --caches on
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.run import _auth_headers, serving_environment

logger = logging.getLogger("bench.api_cpu")


def measure(index_dir: Path, data_dir: str, cache_dir: str, caches: bool, profiles: int,
            seekers: int, passes: int, rounds: int) -> dict[str, Any]:
    """CPU ms of the request thread per request, for each round (the first rounds may share
    the process with the engine's background loading). Sets this process's ``EMPLOI_*``
    environment, which the app and the account commands read: run it as a command."""
    env = serving_environment(index_dir, data_dir, cache_dir, caches)
    os.environ.update(env)
    from webapp.app import create_app
    from webapp.engine_ext import get_engine

    rng = np.random.default_rng(5)  # the web load's seekers
    ids = [f"GEN-P{int(i) + 1:07d}" for i in rng.choice(profiles, size=seekers, replace=False)]
    headers = _auth_headers(env, ids)
    if not headers:
        raise SystemExit("no counsellor token could be made (see the log)")
    app = create_app()
    client = app.test_client()
    paths = [f"/api/v1/profiles/{pid}/offers?top=10&per_page=10" for pid in ids]
    with app.app_context():
        get_engine().prepare()
    for path in paths:
        status = client.get(path, headers=headers).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    gc.freeze()  # as the server does after its warm-up
    per_round = []
    for number in range(1, rounds + 1):
        started = time.thread_time()
        for _ in range(passes):
            for path in paths:
                client.get(path, headers=headers)
        per_round.append((time.thread_time() - started) / (passes * len(paths)) * 1e3)
        logger.info("round %d/%d: %.3f ms CPU per request", number, rounds, per_round[-1])
    return {"caches": caches, "seekers": seekers, "requests_per_round": passes * len(paths),
            "cpu_ms_per_request": [round(value, 3) for value in per_round],
            "median_ms": round(statistics.median(per_round), 3)}


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, measure, print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", required=True, type=Path)
    parser.add_argument("--caches", choices=("on", "off"), default="on")
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--cache-dir", default="var/cache")
    parser.add_argument("--profiles", type=int, default=100_000,
                        help="GENERATED profiles in the index (the seekers are drawn among them)")
    parser.add_argument("--seekers", type=int, default=200)
    parser.add_argument("--passes", type=int, default=5,
                        help="passes over the seekers per round (caches off: use 1)")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    result = measure(args.index_dir, args.data_dir, args.cache_dir, args.caches == "on",
                     args.profiles, args.seekers, args.passes, args.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
