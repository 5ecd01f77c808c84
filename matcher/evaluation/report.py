"""The evaluation report: metrics per configuration and encoder, ablation, notes; JSON and
Markdown renderings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from indexer.atomic import write_lines_atomic
from matcher.evaluation.metrics import MetricSummary, QueryMetrics
from matcher.evaluation.reading import ExtractionResult, extraction_table

SINGLE_RETRIEVERS = ("keyword", "vector")
FULL = "full"


@dataclass(frozen=True, slots=True)
class ConfigResult:
    """The metrics of one configuration with one encoder on one set."""

    config: str
    encoder: str
    summary: MetricSummary
    per_query: list[QueryMetrics] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self, per_query: bool = True) -> dict[str, Any]:
        """A JSON-ready dict (per-query metrics included unless ``per_query`` is False)."""
        data: dict[str, Any] = {"config": self.config, "encoder": self.encoder,
                                "metrics": self.summary.as_dict(),
                                "seconds": round(self.seconds, 2)}
        if per_query:
            data["per_query"] = [asdict(q) for q in self.per_query]
        return data


@dataclass(slots=True)
class EvalReport:
    """Everything one evaluation of one set produced."""

    set_name: str
    info: dict[str, Any]
    results: list[ConfigResult] = field(default_factory=list)
    ablation: list[ConfigResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extraction: list[ExtractionResult] = field(default_factory=list)

    def as_dict(self, per_query: bool = True) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"set": self.set_name, "info": self.info,
                "results": [r.as_dict(per_query) for r in self.results],
                "ablation": [r.as_dict(per_query) for r in self.ablation],
                "extraction": [r.as_dict() for r in self.extraction],
                "notes": list(self.notes)}

    def result(self, config: str, encoder: str) -> ConfigResult | None:
        """The result of ``config`` with ``encoder``, if it was run."""
        return next((r for r in self.results
                     if r.config == config and r.encoder == encoder), None)

    def target_notes(self) -> list[str]:
        """For each encoder: the full matcher's nDCG@10 gain over the best single retriever."""
        lines = []
        for encoder in dict.fromkeys(r.encoder for r in self.results):
            full = self.result(FULL, encoder)
            singles = [r for name in SINGLE_RETRIEVERS
                       if (r := self.result(name, encoder)) is not None]
            if full is None or not singles:
                continue
            best = max(singles, key=lambda r: r.summary.ndcg_10)
            gain = 100 * (full.summary.ndcg_10 - best.summary.ndcg_10)
            lines.append(f"{encoder}: full nDCG@10 {full.summary.ndcg_10:.3f} vs best single "
                         f"retriever ({best.config}) {best.summary.ndcg_10:.3f}: "
                         f"{gain:+.1f} points")
        return lines

    def table(self) -> str:
        """The results as a Markdown table."""
        return results_table(self.results)

    def to_markdown(self) -> str:
        """The whole report in Markdown."""
        parts = [f"# Evaluation: {self.set_name}", ""]
        if self.info.get("description"):
            parts += [str(self.info["description"]), ""]
        if self.results:
            parts += [self.table(), ""]
        if self.extraction:
            parts += ["## Skills read from the text", "", extraction_table(self.extraction), ""]
        if self.ablation:
            parts += ["## Ablation (one feature weight set to 0, full configuration)", "",
                      ablation_table(self.ablation, self.results), ""]
        notes = [*self.target_notes(), *self.notes]
        if notes:
            parts += ["## Notes", "", *(f"- {n}" for n in notes), ""]
        return "\n".join(parts)

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``report.json`` and ``report.md`` into ``directory``."""
        json_path, md_path = directory / "report.json", directory / "report.md"
        write_lines_atomic(json_path, [json.dumps(self.as_dict(), ensure_ascii=False, indent=2)])
        write_lines_atomic(md_path, [self.to_markdown()])
        return json_path, md_path


def results_table(results: Sequence[ConfigResult]) -> str:
    """| configuration | encoder | nDCG@10 | MAP | MRR | R@50 | queries | seconds |"""
    rows = ["| configuration | encoder | nDCG@10 | MAP | MRR | R@50 | queries | s |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        m = r.summary
        rows.append(f"| {r.config} | {r.encoder} | {m.ndcg_10:.3f} | {m.map:.3f} | "
                    f"{m.mrr:.3f} | {m.recall_50:.3f} | {m.queries} | {r.seconds:.1f} |")
    return "\n".join(rows)


def ablation_table(ablation: Sequence[ConfigResult], results: Sequence[ConfigResult]) -> str:
    """Each ablated run against the full configuration of the same encoder."""
    full = {r.encoder: r.summary for r in results if r.config == FULL}
    rows = ["| run | encoder | nDCG@10 | Δ nDCG@10 | MAP | Δ MAP | MRR | R@50 |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in ablation:
        m, base = r.summary, full.get(r.encoder)
        d_ndcg = f"{100 * (m.ndcg_10 - base.ndcg_10):+.1f}" if base else "–"
        d_map = f"{100 * (m.map - base.map):+.1f}" if base else "–"
        rows.append(f"| {r.config} | {r.encoder} | {m.ndcg_10:.3f} | {d_ndcg} | {m.map:.3f} | "
                    f"{d_map} | {m.mrr:.3f} | {m.recall_50:.3f} |")
    return "\n".join(rows)
