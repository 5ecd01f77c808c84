"""Index building as the CLI runs it: stream files in, report rejections and truncations,
write atomically."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.catalog import IndexWriter
from indexer.demo_profiles import generate_profiles
from indexer.encoders.pool import indexing_encoder
from indexer.enrich import concept_enricher
from indexer.geo import Gazetteer
from indexer.ingest import NoticeReport, Placement, ingest_files
from indexer.permissions import restrict_tree
from indexer.readers import Notice, read_offers, write_jsonl
from indexer.settings import KeywordBackend, Settings
from matcher.queries import profile_index_text
from matcher.ranking import ranking_model
from skills_taxonomy import Taxonomy, load_taxonomy
from webapp.erasure import erased_hashes, profile_id_hash

log = logging.getLogger(__name__)

DEMO_OFFERS = (Path("offers") / "offres_ardeche_cdi_2025.csv",
               Path("offers") / "offres_france_2019_2023.json")
"""The real offers of the data folder: 299 from Ardèche, 1,373 from all over France."""
DEMO_PROFILE_COUNT = 1500
DEMO_SEED = 42


@dataclass
class IndexOutcome:
    """What an indexing run did."""

    index_dir: Path
    offers: int = 0
    profiles: int = 0
    rejected: int = 0
    truncated: int = 0
    notices: list[Notice] = field(default_factory=list)
    """The first notices (rejections and truncations); all of them are in the report."""
    placement: dict[str, Placement] = field(default_factory=dict)
    report_path: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One paragraph for the terminal."""
        lines = [f"indexed {self.offers} offers and {self.profiles} profiles into "
                 f"{self.index_dir} in {self.seconds:.1f} s"]
        for kind, placement in self.placement.items():
            if placement.placed or placement.unplaced or placement.swapped:
                lines.append(f"{kind}: {placement.placed} placed on the map from their "
                             f"commune or postcode, {placement.swapped} with latitude and "
                             f"longitude swapped corrected, {placement.unplaced} without a "
                             "location")
        if self.rejected or self.truncated:
            lines.append(f"{self.rejected} record(s) rejected and {self.truncated} field(s) "
                         f"truncated, listed in {self.report_path}:")
            lines.extend(f"  {n.path}:{n.line}: {n.action}: {n.field or 'record'}: {n.reason}"
                         for n in self.notices)
            if self.rejected + self.truncated > len(self.notices):
                lines.append(f"  ... and {self.rejected + self.truncated - len(self.notices)}"
                             " more")
        return "\n".join(lines)


def demo_profiles_path(settings: Settings) -> Path:
    """Where the generated demo profiles are kept (generated on first use)."""
    return settings.cache_dir / f"demo_profiles_seed{DEMO_SEED}_n{DEMO_PROFILE_COUNT}.jsonl"


def demo_offer_files(settings: Settings) -> tuple[Path, ...]:
    """The real offer files of the data folder, or ``FileNotFoundError`` naming the missing
    one and the setting that fixes it."""
    files = tuple(settings.data_dir / name for name in DEMO_OFFERS)
    for path in files:
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: set EMPLOI_DATA_DIR to the data folder")
    return files


def demo_sources(settings: Settings) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The real offers of the data folder, and generated seeker profiles."""
    offers = demo_offer_files(settings)
    profiles = demo_profiles_path(settings)
    if not profiles.exists():
        write_demo_profiles(settings, profiles, DEMO_PROFILE_COUNT, DEMO_SEED)
    return offers, (profiles,)


def write_demo_profiles(settings: Settings, out: Path, count: int, seed: int) -> None:
    """Generate ``count`` seeker profiles with ``seed`` and write them as JSONL."""
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
    offers = [o for path in demo_offer_files(settings) for o in read_offers(path).records]
    profiles = generate_profiles(taxonomy, gazetteer, offers, n=count, seed=seed)
    write_jsonl(out, profiles)
    log.info("wrote %d GENERATED profiles (seed %d) to %s", len(profiles), seed, out)


def build_index(settings: Settings, offer_files: Sequence[Path], profile_files: Sequence[Path],
                *, rebuild: bool, report_path: Path | None,
                taxonomy: Taxonomy | None = None) -> IndexOutcome:
    """Stream every file into one atomic update of the index (valid records placed on the
    map, oversize text truncated), and report rejected records and truncated fields.
    ``taxonomy`` (default: loaded from the settings' ROME folder) makes stored profile texts
    gender-neutral and gives OpenSearch its job-title synonyms."""
    started = time.perf_counter()
    erased = erased_hashes(settings.index_dir)  # erased accounts stay erased
    taxonomy = taxonomy or load_taxonomy(settings.rome_dir, settings.esco_dir,
                                         settings.cache_dir)
    gazetteer = _gazetteer(settings)
    report = NoticeReport(report_path or settings.index_dir / "rejections.jsonl")
    with indexing_encoder(settings) as encoder, IndexWriter(
            settings.index_dir, settings, encoder, rebuild=rebuild,
            synonyms=_title_synonyms(settings, taxonomy),
            profile_text=profile_index_text(taxonomy),
            lock_wait_s=settings.index_lock_wait_s,  # a web write ends soon
            enricher=concept_enricher(settings, taxonomy, encoder),
            ranking_model=ranking_model(settings.matching).version) as writer, report:
        counts = ingest_files(writer, offer_files, profile_files, report, gazetteer,
                              keep_profile=lambda p: profile_id_hash(p.id) not in erased)
        writer.commit()
    restrict_tree(settings.index_dir)  # generations copied from files written before 0600
    outcome = IndexOutcome(settings.index_dir, counts.offers, counts.profiles, report.rejected,
                           report.truncated, report.shown, counts.placement,
                           report.path if report.written else None)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _gazetteer(settings: Settings) -> Gazetteer | None:
    """The communes that place records without coordinates (None, with a warning, when the
    data folder has none)."""
    if not (settings.geo_dir / "communes.json").exists():
        log.warning("no communes in %s: records without coordinates stay off the map",
                    settings.geo_dir)
        return None
    return Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)


def _title_synonyms(settings: Settings, taxonomy: Taxonomy) -> list[str]:
    """Gendered job-title synonyms for OpenSearch's search analyser. Both backends also get
    both forms from the matcher, which adds each target occupation's label ("Vendeur /
    Vendeuse ...") to the query; the synonyms cover titles typed outside the taxonomy."""
    if settings.keyword_backend is not KeywordBackend.OPENSEARCH:
        return []
    return taxonomy.title_synonyms()
