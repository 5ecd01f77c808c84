"""The Markdown summary and PNG plots of a ``bench.run`` results file.

``python -m bench.report bench/results/results.json`` rewrites them from saved results.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from bench import targets

logger = logging.getLogger("bench.report")

SEEKER_VARIANTS = ("none", "radius30", "contract", "radius30+contract")
PARTS = ("query_encoding", "keyword", "vector", "concept", "fusion", "records", "features")


def _real_vectors(build: dict[str, Any]) -> str:
    """"all (encoder)" when every vector was encoded, else "real/total" (derived vectors)."""
    if build.get("vectors") == "real":
        return f"all ({build.get('encoder', '?')})"
    real, derived = build.get("vectors_real") or 0, build.get("vectors_derived") or 0
    return f"{real:,}/{real + derived:,}"


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def summary_markdown(results: dict[str, Any]) -> str:
    """Tables of every measure, per size."""
    m = results["machine"]
    lines = [
        "# Benchmark summary (GENERATED corpus)",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"FAISS {m['faiss']}; {m['note']}. Run {results.get('started_at')} → "
        f"{results.get('finished_at', '(unfinished)')}.",
        "",
        "## Indexing",
        "",
        "| N offers | profiles | real encode docs/s (load) | offers store docs/s | keyword s | "
        "vector s (+save) | offers from scratch, projected | re-index unchanged | speed-up | "
        "peak RSS MiB | index MiB | vector index | real vectors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, entry in results["sizes"].items():
        b = entry["build"]
        t = b["timers_s"]
        reused = " (reused: built by an earlier run)" if b.get("reused") else ""
        lines.append(
            f"| {int(size):,}{reused} | {b['profiles']:,} | {b['encoding']['docs_per_s']} "
            f"({b['encoding']['load_avg']}) | {_fmt(b['offers_store_docs_per_s'])} | "
            f"{_fmt(t.get('offers.keyword', 0) + t.get('offers.keyword_commit', 0))} | "
            f"{_fmt(t.get('offers.vector', 0))} (+{_fmt(t.get('offers.vector_save', 0))}) | "
            f"{_fmt(b['offers_from_scratch_projected_s'])} s | {_fmt(b['reindex_unchanged_s'])} s"
            f" | ×{_fmt(b['reindex_speedup_vs_projected_first_run'])} | {_fmt(b['peak_rss_mib'])}"
            f" | {_fmt(b['index_mib'])} | {b['vector_index']} | "
            f"{_real_vectors(b)} |")
    if results.get("real_build"):
        lines += ["", "Indexed from scratch through `emploi index`, every text encoded for "
                  "real (default encoder) and read into concepts, fresh embedding cache; then "
                  "`emploi search` from a cold shell on that index, one process per query:", "",
                  "| offers | encoding processes | seconds | offers/s | peak RSS of the "
                  "process tree MiB | load | cold `emploi search` wall s | CPU s |",
                  "|---|---|---|---|---|---|---|---|"]
        for run in results["real_build"]:
            if "error" in run:
                lines.append(f"| not measured: {run['error']} |")
                continue
            searches = run.get("cold_search", [])
            walls = " / ".join(f"{c['wall_s']}" for c in searches) or "—"
            cpus = " / ".join(f"{c['cpu_s']}" for c in searches) or "—"
            lines.append(f"| {run['offers']:,} | {run['processes']} | {run['seconds']} | "
                         f"{run['docs_per_s']} | {_fmt(run.get('peak_tree_rss_mib'))} | "
                         f"{run['load_avg']} | {walls} | {cpus} |")
    lines += ["", "## Serving", "",
              "| N offers | reopen s | reads prepared s | RSS after open MiB | RSS serving MiB | "
              "ANN | nprobe | recall@10 unfiltered | recall@10 radius 30 km | ANN ms p50 | "
              "exhaustive ms p50 |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, entry in results["sizes"].items():
        s = entry["serve"]
        r = s.get("recall", {})
        rec = r.get("recall_at_10", {})
        lines.append(
            f"| {int(size):,} | {s['reopen_s']} | {_fmt(s.get('prepare_reads_s'))} | "
            f"{s['rss_after_open_mib']} | "
            f"{s['rss_serving_mib']} | {r.get('index')} | {r.get('nprobe')} | "
            f"{_fmt(rec.get('unfiltered'))} | {_fmt(rec.get('filtered'))} | "
            f"{_fmt(r.get('ann_ms', {}).get('p50'))} | "
            f"{_fmt(r.get('exhaustive_ms', {}).get('p50'))} |")
    lines += ["", "## Matching latency, one request, single thread (ms)", "",
              "Wall-clock time, and the request thread's CPU time (what an idle core would "
              "take; the machine was shared, see the load column).",
              "",
              "| N | request | filters | p50 | p95 | p99 | CPU p50 | CPU p99 | "
              + " | ".join(f"{p} p50" for p in PARTS) + " | scored | load |",
              "|---|---|---|---|---|---|---|---|" + "---|" * len(PARTS) + "---|---|"]
    for size, entry in results["sizes"].items():
        for name, lat in entry["serve"]["latency_ms"].items():
            request, variant = name.split(".", 1)
            total = lat["total"]
            cpu = lat.get("cpu", {})
            parts = lat["parts_p50"]
            lines.append(
                f"| {int(size):,} | {request.replace('_', ' → ')} | {variant} | "
                f"{total['p50']} | {total['p95']} | {total['p99']} | "
                f"{_fmt(cpu.get('p50'))} | {_fmt(cpu.get('p99'))} | "
                + " | ".join(_fmt(parts.get(p)) for p in PARTS)
                + f" | {_fmt(lat.get('scored_mean'))} | {lat['load_avg']} |")
    for size, entry in results["sizes"].items():
        webs = [(key, entry[key]) for key in ("web", "web_uncached") if key in entry]
        if webs:
            lines += ["", f"## Web API under load (N = {int(size):,})", "",
                      "| caches | clients | server workers × threads | auth | seconds | "
                      "requests | req/s | p50 ms | p95 ms | p99 ms | statuses | "
                      "server RSS MiB | load |",
                      "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
            for key, w in webs:
                caches = "off" if key == "web_uncached" else "on (default)"
                if "error" in w:
                    lines.append(f"| {caches} | not measured: {w['error']} |")
                    continue
                lat = w["latency_ms"]
                lines.append(
                    f"| {caches} | {w['clients']} | {w.get('server_workers', 1)} × "
                    f"{w['server_threads']} | {w['auth']} | {w['seconds']} | "
                    f"{w['requests']} | {w['requests_per_s']} | {lat.get('p50')} | "
                    f"{lat.get('p95')} | {lat.get('p99')} | {w['statuses']} | "
                    f"{w['server_rss_mib']} | {w['load_avg']} |")
        if "opensearch" in entry:
            o = entry["opensearch"]
            lines += ["", f"## Keyword queries: embedded (tantivy) vs OpenSearch "
                          f"(N = {int(size):,})", ""]
            if "error" in o:
                lines.append(f"Not measured: {o['error']}")
            else:
                lines += [
                    "| queries | embedded p50 / p99 ms | OpenSearch p50 / p99 ms | "
                    "ratio p50 | ratio p99 | overlap@10 | OpenSearch load s |",
                    "|---|---|---|---|---|---|---|",
                    f"| {o['queries']} | {o['embedded_ms']['p50']} / {o['embedded_ms']['p99']} | "
                    f"{o['opensearch_ms']['p50']} / {o['opensearch_ms']['p99']} | "
                    f"×{o['ratio_p50_opensearch_over_embedded']} | "
                    f"×{o['ratio_p99_opensearch_over_embedded']} | {o['overlap_at_10']} | "
                    f"{o['opensearch_load_s']} |"]
    lines += ["", "## Targets of issue 13 measured by this run", "",
              "CPU time of the request thread for latencies; `python -m bench.targets` adds the "
              "runs this one does not make (a million profiles, the 1M `emploi index`).", ""]
    lines += targets.table(targets.rows_of_one_run(results))
    lines += ["", "Plots: `plots/latency.png`, `plots/indexing.png`, `plots/memory.png`.", ""]
    return "\n".join(lines)


def plots(results: dict[str, Any], folder: Path) -> list[Path]:
    """Latency, indexing and memory curves against N."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in results["sizes"]]
    entries = list(results["sizes"].values())
    written = []

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for variant in SEEKER_VARIANTS:
        key = f"seeker_offers.{variant}"
        axes[0].plot(sizes, [e["serve"]["latency_ms"][key]["total"]["p50"] for e in entries],
                     marker="o", label=f"{variant} p50")
        axes[0].plot(sizes, [e["serve"]["latency_ms"][key]["total"]["p99"] for e in entries],
                     marker="x", linestyle="--", label=f"{variant} p99")
    axes[0].axhline(20, color="grey", linewidth=0.8)
    axes[0].axhline(80, color="grey", linewidth=0.8, linestyle="--")
    axes[0].set(xscale="log", xlabel="offers", ylabel="ms", title="seeker → offers")
    axes[0].legend(fontsize=6)
    last = entries[-1]["serve"]["latency_ms"]
    names = list(last)
    bottom = [0.0] * len(names)
    for part in PARTS:
        values = [last[name]["parts_mean"].get(part, 0.0) for name in names]
        axes[1].bar(range(len(names)), values, bottom=bottom, label=part)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes[1].set_xticks(range(len(names)), [n.replace("seeker_offers.", "s→o ")
                                           .replace("offer_candidates.", "o→c ")
                                           for n in names], rotation=30, fontsize=7)
    axes[1].set(ylabel="ms (mean)", title=f"where the time goes, N = {sizes[-1]:,}")
    axes[1].legend(fontsize=7)
    figure.tight_layout()
    path = folder / "latency.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)

    figure, axis = plt.subplots(figsize=(6, 4))
    encode = [e["build"]["size"] / e["build"]["encoding"]["docs_per_s"] for e in entries]
    keyword = [e["build"]["timers_s"].get("offers.keyword", 0)
               + e["build"]["timers_s"].get("offers.keyword_commit", 0) for e in entries]
    vector = [e["build"]["timers_s"].get("offers.vector", 0)
              + e["build"]["timers_s"].get("offers.vector_save", 0) for e in entries]
    labels = [f"{s:,}" for s in sizes]
    axis.bar(labels, encode, label="encoding (projected from measured rate)")
    axis.bar(labels, keyword, bottom=encode, label="keyword store")
    axis.bar(labels, vector, bottom=[a + b for a, b in zip(encode, keyword, strict=True)],
             label="vector store")
    axis.set(ylabel="seconds", yscale="log", title="indexing offers from scratch")
    axis.legend(fontsize=7)
    figure.tight_layout()
    path = folder / "indexing.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)

    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(sizes, [e["serve"]["rss_serving_mib"] for e in entries], marker="o",
              label="serving RSS")
    axis.plot(sizes, [e["build"]["peak_rss_mib"] for e in entries], marker="o",
              label="build peak RSS")
    axis.plot(sizes, [e["build"]["index_mib"] for e in entries], marker="o",
              label="index on disk")
    axis.axhline(4096, color="grey", linewidth=0.8)
    axis.set(xscale="log", xlabel="offers", ylabel="MiB", title="memory and disk")
    axis.legend(fontsize=7)
    figure.tight_layout()
    path = folder / "memory.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    written.append(path)
    return written


def write_report(results: dict[str, Any], out: Path) -> None:
    """``summary.md`` and ``plots/`` into ``out``."""
    (out / "summary.md").write_text(summary_markdown(results), encoding="utf-8")
    try:
        plots(results, out / "plots")
    except ImportError:
        logger.warning("matplotlib is missing (pip install -e '.[bench]'): no plots")
    logger.info("benchmark report written to %s", out)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the summary and plots of a results file."""
    args = argv if argv is not None else sys.argv[1:]
    path = Path(args[0]) if args else Path("bench/results/results.json")
    logging.basicConfig(level=logging.INFO)
    write_report(json.loads(path.read_text(encoding="utf-8")), path.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
