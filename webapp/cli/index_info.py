"""What ``emploi index-info`` prints: the live generation's manifest, in a few lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.manifest import Manifest


def describe_index(generation: Path, manifest: Manifest) -> str:
    """The live generation, what built it, and per collection its record count and vector
    index with the recall measured when it was written."""
    lines = [
        f"index: {generation} (format {manifest.format_version}, updated "
        f"{manifest.updated_at})",
        f"encoder: {manifest.encoder} ({manifest.dimension}-d); keyword backend: "
        f"{manifest.keyword_backend}; vector backend: {manifest.vector_backend}; concept "
        f"reader: {manifest.concept_reader or 'none'}",
    ]
    kinds = list(dict.fromkeys([*manifest.counts, *manifest.vector_indexes]))
    for kind in kinds:
        count = manifest.counts.get(kind, 0)
        lines.append(f"{kind}: {count:,} records; vectors "
                     f"{_vectors(manifest, kind, manifest.vector_indexes.get(kind))}")
    return "\n".join(lines)


def _vectors(manifest: Manifest, kind: str, entry: dict[str, Any] | None) -> str:
    if not entry:
        return "not recorded"
    if entry.get("backend") == "opensearch":
        return (f"in OpenSearch ({entry.get('alias', '?')}): {entry.get('engine', '?')} HNSW, "
                f"m {entry.get('m', '?')}, ef_construction {entry.get('ef_construction', '?')}, "
                f"{entry.get('candidates', '?')} candidates per shard")
    factory = str(entry.get("factory", "?"))
    if not factory.startswith("IVF"):
        return f"{factory} (exact search)"
    check = manifest.recall(kind)
    head = f"{factory}, nprobe {entry.get('nprobe', '?')}"
    if check is None:
        return (f"{head}; recall not measured (written before recall checks: update or "
                "rebuild the index to measure it)")
    verdict = "meets" if check.met else "BELOW"
    return (f"{head}; recall@10 {check.recall_at_10:.3f} ({verdict} the target "
            f"{check.target:.3f}; {check.sample:,} sampled vectors of {check.count:,}, "
            f"nprobe {check.nprobe})")
