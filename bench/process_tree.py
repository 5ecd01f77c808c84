"""A process and its descendants, sampled from ``/proc``: memory and CPU over a command's life.

A build's memory target is the whole tree's (``emploi index`` and its reading workers), and
its peak can come from any of them, so each sample adds up the resident set (RSS) of every
live process of the tree, and optionally its proportional set (PSS: shared pages divided
among the processes sharing them, from ``smaps_rollup``, which is slower to read). CPU is
each process's user + system time, kept at its last sample (a process that has exited keeps
what it used until then). Samples can miss a peak between them, so the root's own peak,
as the kernel counted it when the process was reaped (``wait4``), is the floor of the
tree's::

    with TreeSampler(process.pid, interval_s=2.0) as sampler:
        sampler.summary().root_peak_rss_mib = wait_with_peak(process)[1]
    sampler.summary()   # peak RSS (and when, and per process), CPU per process and in all
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 2**20


@dataclass(frozen=True)
class ProcessSample:
    """One process at one instant: resident and proportional memory, CPU used so far."""

    pid: int
    name: str
    rss_mib: float
    pss_mib: float | None
    cpu_s: float


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (empty when it has exited or has none), from Linux's
    ``/proc/PID/task/TID/children`` (a kernel built without ``CONFIG_PROC_CHILDREN`` shows
    none: the tree is then its root alone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text(encoding="ascii").split())
        except OSError:
            continue
    return found


def descendants_of(pid: int) -> list[int]:
    """``pid`` and every process below it, parents before children."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop(0)
        tree.append(current)
        pending.extend(children_of(current))
    return tree


def sample_process(pid: int, with_pss: bool = False) -> ProcessSample | None:
    """``pid``'s memory and CPU now, or None when it has exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        statm = Path(f"/proc/{pid}/statm").read_text(encoding="ascii")
        pss = _pss_mib(pid) if with_pss else None
    except OSError:
        return None
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()  # from the state, the 3rd field, on
    cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14, 15
    rss_mib = int(statm.split()[1]) * PAGE_BYTES / MIB
    return ProcessSample(pid, name, rss_mib, pss, cpu_s)


def _pss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class TreeSummary:
    """What a :class:`TreeSampler` saw: the tree's peak and each process's last CPU figure."""

    samples: int = 0
    peak_rss_mib: float = 0.0
    peak_at_s: float = 0.0
    peak_by_process: dict[str, float] = field(default_factory=dict)
    peak_pss_mib: float | None = None
    cpu_s: dict[str, float] = field(default_factory=dict)
    root_peak_rss_mib: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Rounded figures for a results file: the tree's peak is the larger of the sampled
        one and the root's own (which a short life can hide between samples)."""
        peak = max(self.peak_rss_mib, self.root_peak_rss_mib or 0.0)
        return {"samples": self.samples, "peak_rss_mib": round(peak, 1),
                "sampled_peak_rss_mib": round(self.peak_rss_mib, 1),
                "root_peak_rss_mib": None if self.root_peak_rss_mib is None
                else round(self.root_peak_rss_mib, 1),
                "peak_at_s": round(self.peak_at_s, 1),
                "peak_rss_by_process_mib": {key: round(value, 1)
                                            for key, value in self.peak_by_process.items()},
                "peak_pss_mib": None if self.peak_pss_mib is None
                else round(self.peak_pss_mib, 1),
                "cpu_s": {key: round(value, 1) for key, value in self.cpu_s.items()},
                "cpu_total_s": round(sum(self.cpu_s.values()), 1)}


class TreeSampler:
    """Samples the tree under ``pid`` every ``interval_s`` seconds in a daemon thread, from
    entering the context until leaving it (one last sample then)."""

    def __init__(self, pid: int, interval_s: float = 1.0, with_pss: bool = False) -> None:
        self.pid, self.interval_s, self.with_pss = pid, interval_s, with_pss
        self._summary = TreeSummary()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> TreeSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> TreeSummary:
        """The figures so far (complete once the context is left)."""
        return self._summary

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> list[ProcessSample]:
        """Sample the tree once and fold it into the summary."""
        found = [s for s in (sample_process(p, self.with_pss) for p in descendants_of(self.pid))
                 if s is not None]
        summary = self._summary
        summary.samples += 1
        for rank, process in enumerate(found):
            summary.cpu_s[_label(rank, process)] = process.cpu_s
        rss = sum(process.rss_mib for process in found)
        if rss > summary.peak_rss_mib:
            summary.peak_rss_mib, summary.peak_at_s = rss, time.monotonic() - self._started
            summary.peak_by_process = {_label(rank, process): process.rss_mib
                                       for rank, process in enumerate(found)}
        if self.with_pss:
            pss = sum(process.pss_mib or 0.0 for process in found)
            summary.peak_pss_mib = max(summary.peak_pss_mib or 0.0, pss)
        return found


def wait_with_peak(process: subprocess.Popen[bytes], timeout_s: float | None = None
                   ) -> tuple[int, float]:
    """Wait for ``process`` (killed after ``timeout_s``); its exit code and its own peak RSS
    in MiB as the kernel counted it (``wait4``'s ``ru_maxrss``), exact however short its
    life. Its descendants are not in that figure."""
    timer = threading.Timer(timeout_s, process.kill) if timeout_s is not None else None
    if timer is not None:
        timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        if timer is not None:
            timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024  # KiB on Linux


def _label(rank: int, process: ProcessSample) -> str:
    """A process's key in the summary: the root first, then the others by pid."""
    return "main" if rank == 0 else f"{process.name}:{process.pid}"
