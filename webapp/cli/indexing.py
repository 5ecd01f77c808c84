"""Index building as the CLI runs it: read files, report rejections, write atomically."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.catalog import IndexWriter
from indexer.demo_profiles import generate_profiles
from indexer.encoders.pool import indexing_encoder
from indexer.geo import Gazetteer
from indexer.models import Offer, Profile
from indexer.permissions import restrict_tree
from indexer.readers import Rejection, read_offers, read_profiles, write_jsonl, write_rejections
from indexer.settings import KeywordBackend, Settings
from matcher.queries import profile_index_text
from skills_taxonomy import Taxonomy, load_taxonomy
from webapp.erasure import without_erased

log = logging.getLogger(__name__)

DEMO_OFFERS = Path("offers") / "offres_ardeche_cdi_2025.csv"
DEMO_PROFILE_COUNT = 600
DEMO_SEED = 42


@dataclass
class IndexOutcome:
    """What an indexing run did."""

    index_dir: Path
    offers: int = 0
    profiles: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One paragraph for the terminal."""
        lines = [f"indexed {self.offers} offers and {self.profiles} profiles into "
                 f"{self.index_dir} in {self.seconds:.1f} s"]
        if self.rejections:
            lines.append(f"{len(self.rejections)} record(s) rejected, listed in "
                         f"{self.report_path}:")
            lines.extend(f"  {r.path}:{r.line}: {r.field or 'record'}: {r.reason}"
                         for r in self.rejections[:20])
            if len(self.rejections) > 20:
                lines.append(f"  ... and {len(self.rejections) - 20} more")
        return "\n".join(lines)


def demo_profiles_path(settings: Settings) -> Path:
    """Where the generated demo profiles are kept (generated on first use)."""
    return settings.cache_dir / f"demo_profiles_seed{DEMO_SEED}_n{DEMO_PROFILE_COUNT}.jsonl"


def demo_sources(settings: Settings) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The real offers of the data folder, and generated seeker profiles."""
    offers = settings.data_dir / DEMO_OFFERS
    if not offers.exists():
        raise FileNotFoundError(f"{offers} not found: set EMPLOI_DATA_DIR to the data folder")
    profiles = demo_profiles_path(settings)
    if not profiles.exists():
        write_demo_profiles(settings, profiles, DEMO_PROFILE_COUNT, DEMO_SEED)
    return (offers,), (profiles,)


def write_demo_profiles(settings: Settings, out: Path, count: int, seed: int) -> None:
    """Generate ``count`` seeker profiles with ``seed`` and write them as JSONL."""
    taxonomy = load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
    offers = read_offers(settings.data_dir / DEMO_OFFERS).records
    profiles = generate_profiles(taxonomy, gazetteer, offers, n=count, seed=seed)
    write_jsonl(out, profiles)
    log.info("wrote %d GENERATED profiles (seed %d) to %s", len(profiles), seed, out)


def build_index(settings: Settings, offer_files: Sequence[Path], profile_files: Sequence[Path],
                *, rebuild: bool, report_path: Path | None,
                taxonomy: Taxonomy | None = None) -> IndexOutcome:
    """Read every file, index the valid records in one atomic update, report the rest.
    ``taxonomy`` (default: loaded from the settings' ROME folder) makes stored profile texts
    gender-neutral and gives OpenSearch its job-title synonyms."""
    started = time.perf_counter()
    offers, profiles, rejections = _read_all(offer_files, profile_files)
    profiles = without_erased(settings.index_dir, profiles)  # erased accounts stay erased
    outcome = IndexOutcome(settings.index_dir, len(offers), len(profiles), rejections)
    taxonomy = taxonomy or load_taxonomy(settings.rome_dir, None, settings.cache_dir)
    with indexing_encoder(settings) as encoder, IndexWriter(
            settings.index_dir, settings, encoder, rebuild=rebuild,
            synonyms=_title_synonyms(settings, taxonomy),
            profile_text=profile_index_text(taxonomy),
            lock_wait_s=settings.index_lock_wait_s) as writer:  # a web write ends soon
        writer.upsert_offers(offers)
        writer.upsert_profiles(profiles)
        writer.commit()
    restrict_tree(settings.index_dir)  # generations copied from files written before 0600
    if rejections:
        outcome.report_path = report_path or settings.index_dir / "rejections.jsonl"
        write_rejections(outcome.report_path, rejections)
        for rejection in rejections:
            log.warning("rejected %s:%s (%s): %s", rejection.path, rejection.line,
                        rejection.field or "record", rejection.reason)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _title_synonyms(settings: Settings, taxonomy: Taxonomy) -> list[str]:
    """Gendered job-title synonyms for OpenSearch's search analyser. Both backends also get
    both forms from the matcher, which adds each target occupation's label ("Vendeur /
    Vendeuse ...") to the query; the synonyms cover titles typed outside the taxonomy."""
    if settings.keyword_backend is not KeywordBackend.OPENSEARCH:
        return []
    return taxonomy.title_synonyms()


def _read_all(offer_files: Sequence[Path], profile_files: Sequence[Path]
              ) -> tuple[list[Offer], list[Profile], list[Rejection]]:
    offers: list[Offer] = []
    profiles: list[Profile] = []
    rejections: list[Rejection] = []
    for path in offer_files:
        offer_result = read_offers(path)
        offers.extend(offer_result.records)
        rejections.extend(offer_result.rejections)
    for path in profile_files:
        profile_result = read_profiles(path)
        profiles.extend(profile_result.records)
        rejections.extend(profile_result.rejections)
    return offers, profiles, rejections
