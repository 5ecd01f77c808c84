"""Where a build's memory goes: ``bench.run`` in this process, its RSS sampled with what
each Python thread was doing.

Why: a peak RSS says how much, not when or why. Sampled every 2 s from outside, the 1M
build's peak looked like a transient "near the end of the offers" (stop 35); sampled here
every ``--interval`` seconds with each thread's innermost frames, it was FAISS's exact index
doubling its vector buffer inside ``add_with_ids`` (stop 36, docs/performance.md).

Every sample is one tab-separated line of ``--out``: seconds since the start, RSS in MiB,
then ``thread: frame < caller < …`` for each thread (innermost first, ``--depth`` frames).
The arguments after ``--`` go to ``bench.run`` as they are; its build phase runs in this
process (``--phase build``, as ``bench.run``'s driver starts it)::

    python -m bench.rss_trace --out rss.tsv -- --phase build --size 1000000 \\
        --profiles 100000 --index-dir .cache/bench/w1m/n1000000/index \\
        --corpus .cache/bench/corpus1m --phase-out .cache/bench/w1m/n1000000/build.json
    sort -t$'\\t' -k2 -n rss.tsv | tail -1     # the peak, and what was running
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from bench import run
from bench.json_output import emit


def frames(frame: FrameType, depth: int) -> str:
    """The ``depth`` innermost frames of a stack, innermost first: ``file:function:line``."""
    stack = traceback.extract_stack(frame)[-depth:]
    return " < ".join(f"{Path(entry.filename).name}:{entry.name}:{entry.lineno}"
                      for entry in reversed(stack))


class RssTrace(threading.Thread):
    """A daemon thread writing one sample per ``interval`` seconds to ``out`` until stopped."""

    def __init__(self, out: TextIO, interval: float = 0.05, depth: int = 6) -> None:
        super().__init__(daemon=True, name="rss-trace")
        self.out, self.interval, self.depth = out, interval, depth
        self._stop_event = threading.Event()
        self.peak_mib = 0.0

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        started = time.monotonic()
        while not self._stop_event.wait(self.interval):
            self.sample(time.monotonic() - started)

    def sample(self, seconds: float) -> None:
        """Write one line: the time, the RSS, and every other thread's innermost frames."""
        rss = run.current_rss_mib()
        self.peak_mib = max(self.peak_mib, rss)
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        stacks = [f"{names.get(ident, ident)}: {frames(frame, self.depth)}"
                  for ident, frame in sys._current_frames().items() if ident != self.ident]
        self.out.write(f"{seconds:.2f}\t{rss:.0f}\t{' | '.join(stacks)}\n")

    def stop(self) -> None:
        """Stop sampling and wait for the last line."""
        self._stop_event.set()
        self.join()


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """This tool's arguments, and the ones after ``--`` for ``bench.run``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    split = arguments.index("--") if "--" in arguments else len(arguments)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the TSV file of samples")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--depth", type=int, default=6, help="frames kept per thread")
    return parser.parse_args(arguments[:split]), arguments[split + 1:]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run ``bench.run`` with the trace; return its status."""
    args, run_args = parse_args(argv)
    with open(args.out, "w", encoding="utf-8", buffering=1) as out:
        trace = RssTrace(out, args.interval, args.depth)
        trace.start()
        try:
            status = run.main(run_args)
        finally:
            trace.stop()
    emit({"peak_rss_mib": round(trace.peak_mib), "samples": args.out, "status": status}, None)
    return status


if __name__ == "__main__":
    sys.exit(main())
