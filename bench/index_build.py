"""``emploi index --rebuild`` timed as a user runs it, with the memory of its whole process tree.

The build target of issue 13 is the command itself: every offer read into concepts and
encoded, in at most an hour and 4 GB, its reading workers included. This tool runs that
command on a GENERATED offers file (:mod:`bench.corpus`) in a child process, with a fresh
index and cache folder (the static model, distilled once into ``--cache-dir`` beforehand,
is reused: distilling is not indexing), and samples the tree every ``--interval`` seconds
(:mod:`bench.process_tree`). The result: wall time, offers per second, the tree's peak RSS
with each process's share at that moment, CPU per process, the index's size and the live
manifest's vector indexes (type, nprobe and the recall measured at build time)::

    python -m bench.corpus --offers 1000000 --profiles 0 --seed 7 --out .cache/bench/corpus1m
    python -m bench.index_build --offers .cache/bench/corpus1m/offers.GENERATED.jsonl \\
        --work .cache/bench/index1m --out bench/results/index-build-1m.json

``--limit N`` indexes the first N offers only (written to the work folder first).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.json_output import configure_logging, emit
from bench.process_tree import TreeSampler, wait_with_peak
from indexer.settings import Settings

logger = logging.getLogger("bench.index_build")


def emploi_command() -> str:
    """The ``emploi`` console script of this interpreter's environment."""
    return str(Path(sys.executable).parent / "emploi")


def distilled_model(data_dir: Path, cache_dir: Path) -> Path:
    """The default static model of ``cache_dir``, distilled now when missing."""
    from indexer.encoders.factory import static_encoder
    from indexer.settings import load_settings

    encoder = static_encoder(load_settings(data_dir=data_dir, cache_dir=cache_dir))
    _ = encoder.dimension  # loads the model, distilling it first when the folder is empty
    return encoder.directory


def offers_prefix(offers: Path, limit: int | None, folder: Path) -> Path:
    """``offers`` itself, or a file of its first ``limit`` lines in ``folder``."""
    if limit is None:
        return offers
    prefix = folder / offers.name
    with offers.open(encoding="utf-8") as source, prefix.open("w", encoding="utf-8") as target:
        for number, line in enumerate(source):
            if number >= limit:
                break
            target.write(line)
    return prefix


def build_environment(folder: Path, data_dir: Path, model: Path,
                      processes: int | None) -> dict[str, str]:
    """This process's environment with a fresh index and cache in ``folder``."""
    env = dict(os.environ, EMPLOI_DATA_DIR=str(data_dir), EMPLOI_CACHE_DIR=str(folder / "cache"),
               EMPLOI_INDEX_DIR=str(folder / "index"), EMPLOI_MODEL=str(model),
               PYTHONUNBUFFERED="1")
    if processes is not None:
        env["EMPLOI_ENCODE_PROCESSES"] = str(processes)
    return env


def timed_index_build(offers: Path, folder: Path, env: dict[str, str], *,
                      interval_s: float = 1.0, timeout_s: float | None = None
                      ) -> dict[str, Any]:
    """Run ``emploi -v index --offers OFFERS --rebuild`` in ``env``, its log in
    ``folder/index.log``, sampling its process tree (killed after ``timeout_s``); the figures
    of the run."""
    log_path = folder / "index.log"
    command = [emploi_command(), "-v", "index", "--offers", str(offers), "--rebuild"]
    started = time.perf_counter()
    with (log_path.open("w", encoding="utf-8") as log,
          subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) as process,
          TreeSampler(process.pid, interval_s=interval_s) as sampler):
        returncode, root_peak_mib = wait_with_peak(process, timeout_s)
        sampler.summary().root_peak_rss_mib = root_peak_mib
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"returncode": returncode, "seconds": round(seconds, 1),
                              "tree": sampler.summary().as_dict()}
    if returncode != 0:
        result["error"] = log_path.read_text(encoding="utf-8")[-2000:]
    return result


def live_manifest(env: dict[str, str]) -> dict[str, Any]:
    """The live generation's manifest, as ``emploi index-info --json`` prints it."""
    done = subprocess.run([emploi_command(), "index-info", "--json"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    manifest: dict[str, Any] = json.loads(done.stdout)
    return manifest


def count_lines(path: Path) -> int:
    """The records of a JSONL file."""
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def index_build(offers: Path, work: Path, data_dir: Path, cache_dir: Path, *,
                limit: int | None = None, processes: int | None = None,
                interval_s: float = 1.0, timeout_s: float | None = None) -> dict[str, Any]:
    """Index ``offers`` (its first ``limit``) from scratch into a fresh ``work`` folder and
    measure it; the index stays in ``work/index``."""
    from bench.run import du_mib, load_avg  # bench.run builds on this module

    model = distilled_model(data_dir, cache_dir)  # outside the timing
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = offers_prefix(offers, limit, work)
    count = count_lines(source)
    env = build_environment(work, data_dir, model, processes)
    load_before = load_avg()
    logger.info("emploi index --rebuild of %d offers into %s", count, work)
    result = timed_index_build(source, work, env, interval_s=interval_s, timeout_s=timeout_s)
    result.update(offers=count, offers_file=str(offers), encode_processes=processes,
                  offers_per_s=round(count / result["seconds"], 1),
                  load_avg_before=load_before, load_avg_after=load_avg())
    if result["returncode"] == 0:
        manifest = live_manifest(env)
        result["vector_indexes"] = manifest.get("vector_indexes", manifest)
        result["index_mib"] = du_mib(work / "index")
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description="Time `emploi index --rebuild` on an offers file, with the peak memory "
                    "and CPU of its whole process tree.")
    parser.add_argument("--offers", type=Path, required=True,
                        help="a JSONL offers file (bench.corpus writes offers.GENERATED.jsonl)")
    parser.add_argument("--limit", type=int, default=None, help="index the first N offers only")
    parser.add_argument("--work", type=Path, default=Path(".cache/bench/index-build"),
                        help="emptied first; holds the index, its cache and the command's log")
    parser.add_argument("--data-dir", type=Path, default=Settings().data_dir)
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"),
                        help="where the distilled static model is found (or distilled once)")
    parser.add_argument("--processes", type=int, default=None,
                        help="EMPLOI_ENCODE_PROCESSES for the build (default: the settings')")
    parser.add_argument("--interval", type=float, default=2.0,
                        help="seconds between samples of the process tree")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the build's figures as JSON on stdout; exit 1 when the build failed."""
    args = parse_args(argv)
    configure_logging()
    if args.limit is not None and args.limit < 1:
        raise SystemExit("--limit must be at least 1")
    result = index_build(args.offers, args.work, args.data_dir, args.cache_dir,
                         limit=args.limit, processes=args.processes, interval_s=args.interval)
    emit(result, args.out)
    return 0 if result["returncode"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
