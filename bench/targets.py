"""The targets of issue 13, each with the figure a benchmark run measured and its verdict.

The table in ``docs/performance.md`` ("Where it stands") is this module's output, so that
no figure is copied by hand and no verdict is argued around a number: a target is **met**
when every measured case is within it, otherwise the cases that are not are named. Inputs
are the results files of the documented runs (``README.md``, "Benchmarks")::

    python -m bench.targets --run bench/results/results.json \\
        --profiles-run bench/results/p1m/results.json \\
        --index-build bench/results/index-build-1m.json --out bench/results/targets.md

- ``--run``: ``bench.run`` with 100k and 1M offers (``make bench BENCH_ARGS=--with-1m``):
  the matching latencies (CPU time of the request thread), the query-time recall at every
  size, the web load at 100k and the cold searches of its real build;
- ``--profiles-run``: ``bench.run --all-profiles`` with a million profiles: offer →
  candidates;
- ``--index-build``: ``bench.index_build`` on a million offers.

A target whose input is not given is listed as not measured by these runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GB = 10**9
MIB = 2**20
NOT_MEASURED = "not measured by these runs"


@dataclass(frozen=True)
class Row:
    """One target: what it asks, what was measured, and whether that is within it."""

    target: str
    measured: str
    verdict: str


@dataclass(frozen=True)
class Case:
    """One measured case of a target: its name, its figures, and the limits it broke."""

    name: str
    figures: str
    misses: tuple[str, ...]


def verdict(cases: Sequence[Case]) -> str:
    """"met" when no case broke a limit, else each case that did, with what it broke."""
    if not cases:
        return NOT_MEASURED
    missed = [f"{case.name}: {', '.join(case.misses)}" for case in cases if case.misses]
    return "**met**" if not missed else "**missed**: " + "; ".join(missed)


def within(name: str, value: float, limit: float, unit: str, *, at_least: bool = False,
           digits: int = 4) -> tuple[str, ...]:
    """The miss of ``value`` against ``limit`` (empty when within it), the value shown to
    ``digits`` decimals (compared unrounded: 4.0003 GB is over 4 GB)."""
    ok = value >= limit if at_least else value <= limit
    sign = "<" if at_least else ">"
    return () if ok else (f"{name} {round(value, digits):g}{unit} {sign} {limit:g}{unit}",)


def latency_cases(latency_ms: dict[str, Any], request: str, p50_max: float, p99_max: float,
                  label: str = "") -> list[Case]:
    """One case per filter variant of ``request`` (e.g. ``seeker_offers``): its CPU p50 and
    p99 in ms against the limits."""
    cases = []
    for name, measured in latency_ms.items():
        kind, variant = name.split(".", 1)
        if kind != request:
            continue
        cpu = measured["cpu"]
        misses = (within("p50", cpu["p50"], p50_max, " ms")
                  + within("p99", cpu["p99"], p99_max, " ms"))
        cases.append(Case(f"{label}{variant}", f"{cpu['p50']:g} / {cpu['p99']:g}", misses))
    return cases


def row(target: str, cases: Sequence[Case], preface: str = "") -> Row:
    """A target's row from its cases."""
    figures = "; ".join(f"{case.name} {case.figures}" for case in cases) or NOT_MEASURED
    return Row(target, preface + figures, verdict(cases))


def size_entry(results: dict[str, Any] | None, size: int) -> dict[str, Any] | None:
    """The entry of ``size`` offers in a ``bench.run`` results file."""
    if results is None:
        return None
    entry: dict[str, Any] | None = results.get("sizes", {}).get(str(size))
    return entry


def seeker_at_million(run: dict[str, Any] | None) -> Row:
    """Seeker → offers at a million offers."""
    target = ("seeker → offers at 1M real-encoded offers, top 10 with explanations: "
              "p50 ≤ 20 ms, p99 ≤ 80 ms")
    entry = size_entry(run, 1_000_000)
    if entry is None:
        return row(target, [])
    cases = latency_cases(entry["serve"]["latency_ms"], "seeker_offers", 20, 80)
    derived = entry["build"].get("vectors_derived") or 0
    if derived:  # the target asks for real-encoded offers (`bench.run --vectors real`)
        cases.append(Case("vectors", f"{derived:,} derived", ("vectors derived, not encoded",)))
    return row(target, cases, "CPU ms p50 / p99 by filter: ")


def candidates_at_million(profiles_run: dict[str, Any] | None) -> Row:
    """Offer → candidates at a million profiles."""
    target = "offer → candidates at 1M profiles: p50 ≤ 30 ms, p99 ≤ 120 ms"
    entries = [entry for entry in (profiles_run or {}).get("sizes", {}).values()
               if entry["build"].get("profiles", 0) >= 1_000_000]
    if not entries:
        return row(target, [])
    cases = latency_cases(entries[0]["serve"]["latency_ms"], "offer_candidates", 30, 120)
    return row(target, cases, "CPU ms p50 / p99 by filter: ")


def both_at_100k(run: dict[str, Any] | None) -> Row:
    """Both requests at 100k offers and profiles."""
    target = "the same at 100k (`make bench`): p50 ≤ 15 ms, p99 ≤ 60 ms"
    entry = size_entry(run, 100_000)
    if entry is None:
        return row(target, [])
    latency = entry["serve"]["latency_ms"]
    cases = (latency_cases(latency, "seeker_offers", 15, 60, "seeker → offers ")
             + latency_cases(latency, "offer_candidates", 15, 60, "offer → candidates "))
    return row(target, cases, "CPU ms p50 / p99: ")


def recall_everywhere(runs: Iterable[dict[str, Any] | None],
                      builds: Iterable[dict[str, Any] | None] = ()) -> Row:
    """ANN recall@10 at query time, unfiltered and within 30 km, at every size measured; and
    the build-time check of every vector index with lists (on a sample of its own vectors,
    unfiltered), profiles' indexes included, which no query-time figure covers."""
    target = "ANN recall@10, unfiltered and 30 km radius, at every size: ≥ 0.97"
    unique = {id(results): results for results in runs if results is not None}
    entries = [(int(size), entry) for results in unique.values()
               for size, entry in results.get("sizes", {}).items()]
    cases = [case for size, entry in entries if (case := _query_time_case(size, entry))]
    indexes = [(f"the {size:,}-offer build", entry["build"].get("vector_indexes") or {})
               for size, entry in entries]
    indexes += [("`emploi index`", build.get("vector_indexes") or {})
                for build in builds if build is not None]
    cases += [_build_time_case(where, kind, index) for where, found in indexes
              for kind, index in found.items() if index.get("recall")]
    return row(target, cases, "unfiltered / 30 km at query time; unfiltered at the build-time "
                              "check: ")


def _query_time_case(size: int, entry: dict[str, Any]) -> Case | None:
    recall = entry["serve"].get("recall", {})
    found = recall.get("recall_at_10", {})
    if not found:
        return None
    misses = tuple(miss for key in ("unfiltered", "filtered")
                   for miss in within(key, found[key], 0.97, "", at_least=True))
    return Case(f"{size:,} offers ({_ann(recall)})",
                f"{found['unfiltered']:g} / {found['filtered']:g}", misses)


def _build_time_case(where: str, kind: str, index: dict[str, Any]) -> Case:
    check = index["recall"]
    return Case(f"build-time check of {where}, {check['count']:,} {kind} ({check['factory']}, "
                f"{check['nprobe']} probes)", f"{check['recall_at_10']:g}",
                within("recall", check["recall_at_10"], 0.97, "", at_least=True))


def _ann(recall: dict[str, Any]) -> str:
    """The index type, with its probe count when it has lists."""
    nprobe = recall.get("nprobe")
    return f"{recall.get('index')}, {nprobe} probes" if nprobe else str(recall.get("index"))


def index_build_row(build: dict[str, Any] | None) -> Row:
    """``emploi index`` of a million offers from scratch."""
    target = ("`emploi index` of 1M offers from scratch, encoding included: ≤ 60 min, "
              "peak RSS ≤ 4 GB")
    if build is None or build.get("returncode") != 0:
        return row(target, [])
    peak_mib = build["tree"]["peak_rss_mib"]
    peak_gb = peak_mib * MIB / GB
    minutes = build["seconds"] / 60
    misses = within("time", minutes, 60, " min", digits=1) + within("peak RSS", peak_gb, 4, " GB")
    figures = (f"{minutes:.1f} min ({build['offers_per_s']:g} offers/s), peak RSS of the "
               f"process tree {peak_mib:,.0f} MiB = {peak_gb:.2f} GB")
    return row(target, [Case(f"{build['offers']:,} offers read into concepts", figures,
                             misses)])


def web_row(run: dict[str, Any] | None) -> Row:
    """The web API at 100k under load, caches off and on."""
    target = ("web API at 100k, distinct seekers, caches off / on: ≥ 60 req/s, "
              "p99 ≤ 250 ms / ≥ 300 req/s")
    entry = size_entry(run, 100_000) or {}
    cases = []
    if "web_uncached" in entry and "error" not in entry["web_uncached"]:
        off = entry["web_uncached"]
        misses = (within("throughput", off["requests_per_s"], 60, " req/s", at_least=True)
                  + within("p99", off["latency_ms"]["p99"], 250, " ms"))
        cases.append(Case("caches off", f"{off['requests_per_s']:g} req/s, "
                          f"p99 {off['latency_ms']['p99']:g} ms", misses))
    if "web" in entry and "error" not in entry["web"]:
        on = entry["web"]
        misses = within("throughput", on["requests_per_s"], 300, " req/s", at_least=True)
        cases.append(Case("caches on", f"{on['requests_per_s']:g} req/s, "
                          f"p99 {on['latency_ms']['p99']:g} ms", misses))
    return row(target, cases)


def cold_search_row(run: dict[str, Any] | None) -> Row:
    """``emploi search`` from a cold shell, on the indexes the real builds made."""
    target = "`emploi search` from a cold shell: ≤ 2 s"
    walls = [search["wall_s"] for build in (run or {}).get("real_build", [])
             for search in build.get("cold_search", []) if search.get("ok")]
    if not walls:
        return row(target, [])
    median = statistics.median(walls)
    figures = f"{median:g} s median ({min(walls):g}–{max(walls):g}, {len(walls)} runs)"
    return row(target, [Case("wall time", figures, within("median", median, 2, " s"))])


def quality_row() -> Row:
    """The encoder's quality is measured by ``emploi eval``, not by these runs."""
    return Row("quality of the chosen encoder on the dev sets: within 1 nDCG@10 point of "
               "today's default, or better",
               "measured by `emploi eval` on the dev sets (`docs/evaluation.md`)", "—")


def target_rows(run: dict[str, Any] | None, profiles_run: dict[str, Any] | None,
                build: dict[str, Any] | None) -> list[Row]:
    """Every target of issue 13, in the issue's order."""
    return [seeker_at_million(run), candidates_at_million(profiles_run), both_at_100k(run),
            recall_everywhere([run, profiles_run], [build]), index_build_row(build), web_row(run),
            cold_search_row(run), quality_row()]


def table(rows: Sequence[Row]) -> list[str]:
    """The rows as the lines of a Markdown table."""
    return (["| target | measured | verdict |", "|---|---|---|"]
            + [f"| {r.target} | {r.measured} | {r.verdict} |" for r in rows])


def markdown(rows: Sequence[Row], sources: Sequence[str]) -> str:
    """The rows as a Markdown table, with the files they were read from."""
    lines = table(rows)
    lines += ["", "Read from: " + (", ".join(f"`{source}`" for source in sources) or "—"), ""]
    return "\n".join(lines)


def rows_of_one_run(results: dict[str, Any]) -> list[Row]:
    """The targets one ``bench.run`` results file measures (a run with a million profiles
    measures offer → candidates there; none measures the 1M build of ``bench.index_build``)."""
    with_million_profiles = any(entry["build"].get("profiles", 0) >= 1_000_000
                                for entry in results.get("sizes", {}).values())
    return target_rows(results, results if with_million_profiles else None, None)


def _load(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the table on stdout (and in ``--out``)."""
    parser = argparse.ArgumentParser(description="The targets of issue 13 against the figures "
                                                 "of benchmark results files.")
    parser.add_argument("--run", type=Path, default=None,
                        help="bench.run results with 100k and 1M offers")
    parser.add_argument("--profiles-run", type=Path, default=None,
                        help="bench.run --all-profiles results with a million profiles")
    parser.add_argument("--index-build", type=Path, default=None,
                        help="bench.index_build results on a million offers")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    inputs = (args.run, args.profiles_run, args.index_build)
    text = markdown(target_rows(*(_load(path) for path in inputs)),
                    [str(path) for path in inputs if path is not None])
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
