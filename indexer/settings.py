"""One settings object, read from ``EMPLOI_*`` environment variables and an optional TOML file.

Defaults run fully embedded and offline: the static encoder (distilled from USE-m3 on first
use, see :mod:`indexer.encoders.static`), tantivy and FAISS.
Nested values use a double underscore: ``EMPLOI_MATCHING__RRF_K=30``.

``EMPLOI_BACKEND=opensearch`` (``backend = "opensearch"`` in the file) is cluster mode: the
keyword store and the vector store both live in OpenSearch. ``EMPLOI_KEYWORD_BACKEND=opensearch``
alone moves only the keyword store (vectors stay in FAISS).
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"


class KeywordBackend(StrEnum):
    """Which keyword store to use."""

    EMBEDDED = "embedded"
    OPENSEARCH = "opensearch"


class Backend(StrEnum):
    """Where the index's stores live: embedded (tantivy + FAISS in the index folder) or
    OpenSearch (keyword and vector stores in the cluster; records stay in the folder)."""

    EMBEDDED = "embedded"
    OPENSEARCH = "opensearch"


class EncoderKind(StrEnum):
    """Which sentence encoder to use (``docs/performance.md``, "Choosing the encoder")."""

    USE = "use"
    SENTENCE_TRANSFORMERS = "sentence-transformers"
    E5 = "e5"
    STATIC = "static"


class FusionMethod(StrEnum):
    """How keyword and vector rankings are combined."""

    RRF = "rrf"
    WEIGHTED = "weighted"


class OpenSearchSettings(BaseModel):
    """Where the OpenSearch cluster is and how to talk to it."""

    url: str = Field(
        default="http://127.0.0.1:9200",
        description="the node's URL, or several nodes' URLs separated by commas (the client "
                    "spreads requests over them and fails over when one goes away)")
    user: str | None = None
    password: str | None = None
    verify_certs: bool = True
    ca_certs: Path | None = None
    index_prefix: str = "emploi"
    timeout_s: float = 10.0
    purge_timeout_s: float = Field(
        default=120.0, gt=0,
        description="how long an erasure waits for the cluster to expunge the erased "
                    "documents from its segments (a node moves its retention lease on every "
                    "30 s) before it fails and nothing else is erased")
    retries: int = Field(
        default=3, ge=0,
        description="times a request is retried on another node (or the same) after a "
                    "connection error, a timeout or a 502/503/504")
    shards: int | None = Field(
        default=None, ge=1,
        description="primary shards of each new index (default: 1 for the keyword indexes, "
                    "exact BM25 statistics; 1 for the vector indexes)")
    replicas: int | None = Field(
        default=None, ge=0,
        description="replicas of each new index (default: 1 when the cluster has two nodes "
                    "or more, else 0)")
    knn_candidates: int = Field(
        default=400, ge=1,
        description="neighbours each shard's HNSW search keeps (ef at query time; at least "
                    "the depth asked): 400 gave recall@10 0.97 at 100k offers, 100 gave 0.94")

    @property
    def urls(self) -> list[str]:
        """Every node URL of ``url`` (comma-separated), in order."""
        return [part.strip() for part in self.url.split(",") if part.strip()]


class MatchingSettings(BaseModel):
    """Retrieval depth, fusion and feature weights of the matcher."""

    fusion: FusionMethod = FusionMethod.RRF
    rrf_k: int = Field(default=60, ge=1)
    keyword_top_k: int = Field(default=200, ge=1)
    keyword_max_terms: int = Field(
        default=12, ge=0,
        description="at most this many terms of a query's free text (a seeker's summary) are "
                    "searched by the keyword store, the weightiest first (how often the text "
                    "says a term × its inverse document frequency, as MoreLikeThis): a long "
                    "text costs what a short one does; 0 searches every term")
    vector_top_k: int = Field(default=200, ge=1)
    concept_top_k: int = Field(
        default=200, ge=0,
        description="candidates proposed by concept (same occupation, its family, mobility "
                    "targets, shared skills) from the filter table; 0 turns the channel off")
    concept_occupation_share: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="in the concept channel's score, the occupation's share (the rest: "
                    "shared skills)")
    concept_weight: float = Field(default=0.5, ge=0.0,
                                  description="the concept channel's weight in weighted fusion")
    keyword_weight: float = Field(default=0.5, ge=0.0)
    vector_weight: float = Field(default=0.5, ge=0.0)
    retrieval_weight: float = Field(default=0.45, ge=0.0)
    skill_weight: float = Field(default=0.25, ge=0.0)
    occupation_weight: float = Field(default=0.25, ge=0.0)
    distance_weight: float = Field(default=0.05, ge=0.0)
    distance_half_life_km: float = Field(default=25.0, gt=0.0)
    contract_weight: float = Field(default=0.05, ge=0.0)
    experience_weight: float = Field(default=0.05, ge=0.0)
    freshness_weight: float = Field(default=0.05, ge=0.0)
    retrieval_feature: FusionMethod = Field(
        default=FusionMethod.WEIGHTED,
        description="score used as the retrieval *feature* (candidates are still fused with "
                    "`fusion`): min-max weighted keeps the gaps RRF flattens")
    related_skill_credit: float = Field(default=0.5, ge=0.0, le=1.0)
    related_skill_similarity: float = Field(
        default=0.65, ge=-1.0, le=1.0,
        description="cosine between skill labels above which a held skill is 'close' "
                    "(0.65 suits the default static encoder; USE-m3 was used with 0.8)")
    experience_required_years: float = Field(default=1.0, ge=0.0)
    freshness_half_life_days: float = Field(default=30.0, gt=0.0)
    title_max_occupations: int = Field(default=3, ge=1)
    title_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    title_relative_confidence: float = Field(default=0.85, ge=0.0, le=1.0)
    default_radius_km: float | None = Field(default=None, gt=0.0)
    candidate_radius_km: float | None = Field(default=60.0, gt=0.0)
    query_vector_cache: int = Field(
        default=4096, ge=0,
        description="query vectors kept by text (a seeker asking again is not re-encoded); "
                    "0 encodes every query")
    ranking_model: str | None = Field(
        default=None,
        description="feature weights and match-level thresholds: unset = "
                    "matcher/models/ranking.json when a deployment put one there (`emploi "
                    "train-ranking` writes it), else the weights above; 'hand' = the weights "
                    "above; 'learned' = the model learnt on the dev sets, shipped; a path = "
                    "that artifact")
    result_cache: int = Field(
        default=256, ge=0,
        description="ranked lists kept per request (record content, top, widen) for the "
                    "index generation in use; 0 ranks every request")


class ConceptSettings(BaseModel):
    """How offers and profiles are read into ROME / ESCO concepts at indexing and at query
    time (``EMPLOI_CONCEPTS__…``)."""

    enabled: bool = Field(
        default=True,
        description="read occupations and skills from titles and texts (off: codes only)")
    crosswalk: bool = Field(
        default=True,
        description="let the title reader use the ESCO labels of the official ESCO-ROME "
                    "crosswalk (turn off to evaluate against that crosswalk)")
    vectors: bool = Field(
        default=True,
        description="compare texts with labels by meaning too (with the encoder), not only "
                    "by words")
    min_occupation_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="an occupation read from a record's title and text counts from this "
                    "confidence")
    relative_occupation_confidence: float = Field(
        default=0.85, ge=0.0, le=1.0,
        description="besides the best occupation read, those within this share of its "
                    "confidence count too (a clear winner keeps its runners-up out)")
    max_inferred_occupations: int = Field(default=3, ge=0)
    min_skill_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    disagreement_confidence: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="confidence from which an occupation read from the text, outside the "
                    "family of the given ROME code, is recorded as a disagreement")


class Settings(BaseSettings):
    """Everything the CLI, the web app and the tests configure."""

    model_config = SettingsConfigDict(
        env_prefix="EMPLOI_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = DEFAULT_DATA_DIR
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    cache_dir: Path = PROJECT_ROOT / "var" / "cache"
    encoder: EncoderKind = EncoderKind.STATIC
    model: str | None = Field(
        default=None,
        description="sentence-transformers model name or path (encoder=sentence-transformers); "
                    "static model folder (encoder=static; default "
                    "<cache_dir>/encoders/static-use-m3, distilled there on first use)",
    )
    encode_processes: int = Field(
        default=0, ge=0,
        description="processes that read records into concepts and encode documents while "
                    "indexing, this one included: 0 = one per CPU core, 1 = in the indexing "
                    "process alone (the static encoder always encodes in the indexing "
                    "process); also FAISS's threads while a generation is committed (the "
                    "switch to IVF, the recall check)")
    faiss_threads: int = Field(
        default=1, ge=1,
        description="OpenMP threads of FAISS searches (one: a single query gains little from "
                    "threads, and spinning slows a busy machine); a commit of an index "
                    "generation uses encode_processes' count")
    ann_recall_target: float = Field(
        default=0.97, gt=0.0, le=1.0,
        description="recall@10 the approximate (IVF) vector index must reach against exact "
                    "search, measured on a sample of its own vectors when a generation is "
                    "written; nprobe is raised until it does")
    ann_recall_sample: int = Field(
        default=1000, ge=20, le=100_000,
        description="stored vectors the recall check searches with")
    ann_max_probe_share: float = Field(
        default=0.5, gt=0.0, le=1.0,
        description="the largest share of the IVF lists the tuned nprobe may probe; below "
                    "the target even there, `emploi index` warns and keeps the best measured")
    ann_flat_max_vectors: int = Field(
        default=50_000, ge=0,
        description="up to this many vectors a collection's vector index is exact (Flat), "
                    "beyond it IVF")
    backend: Backend = Field(
        default=Backend.EMBEDDED,
        description="opensearch: keyword AND vector stores in OpenSearch (cluster mode)")
    keyword_backend: KeywordBackend = Field(
        default=KeywordBackend.EMBEDDED,
        description="the keyword store alone (backend=opensearch implies opensearch)")
    opensearch: OpenSearchSettings = Field(default_factory=OpenSearchSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    concepts: ConceptSettings = Field(default_factory=ConceptSettings)

    # The web app (``webapp.create_app`` reads these and nothing else from the environment).
    secret_key: SecretStr | None = Field(
        default=None,
        description="signs session cookies and keys the employers' pseudonyms; default: a "
                    "random key created in the instance folder (mode 0600)")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the accounts database; default: SQLite in the "
                    "instance folder")
    instance_dir: Path | None = Field(
        default=None,
        description="the web app's instance folder (database, secret key, config.py); "
                    "default: Flask's, `instance/` next to the code")
    outcomes_file: Path | None = Field(
        default=None, description="seeker spells (CSV) for time-to-return-to-work estimates")
    trusted_proxies: int = Field(
        default=0, ge=0, le=10,
        description="reverse proxies in front of the web app whose X-Forwarded-For and "
                    "X-Forwarded-Proto headers are trusted (0: the client address is the "
                    "socket's; a client can forge these headers, so count only real proxies)")
    index_lock_wait_s: float = Field(
        default=20.0, ge=0.0, le=600.0,
        description="how long a web write (tag edit, erasure) waits for the index lock "
                    "held by another writer before answering 503 with Retry-After; "
                    "`emploi index` waits as long for a web write")

    @model_validator(mode="after")
    def _backend_implies_keyword_backend(self) -> Settings:
        """``backend=opensearch`` moves the keyword store too; asking for it embedded at the
        same time is a contradiction, said at once."""
        if self.backend is Backend.OPENSEARCH:
            if ("keyword_backend" in self.model_fields_set
                    and self.keyword_backend is KeywordBackend.EMBEDDED):
                raise ValueError(
                    "backend=opensearch puts the keyword store in OpenSearch too, but "
                    "keyword_backend=embedded was also set: remove EMPLOI_KEYWORD_BACKEND "
                    "(or keyword_backend in the settings file), or set backend=embedded")
            self.keyword_backend = KeywordBackend.OPENSEARCH
        return self

    @property
    def vector_backend(self) -> Backend:
        """Where the vector store lives (OpenSearch only with ``backend=opensearch``)."""
        return self.backend

    def with_backend(self, backend: Backend) -> Settings:
        """A copy with ``backend`` switched (and the keyword store with it)."""
        keyword = (KeywordBackend.OPENSEARCH if backend is Backend.OPENSEARCH
                   else KeywordBackend.EMBEDDED)
        return self.model_copy(update={"backend": backend, "keyword_backend": keyword})

    @property
    def rome_dir(self) -> Path:
        """The official ROME 4.0 CSV files."""
        return self.data_dir / "rome4"

    @property
    def esco_dir(self) -> Path:
        """ESCO French labels and the ESCO↔ROME crosswalk."""
        return self.data_dir / "esco_fr"

    @property
    def geo_dir(self) -> Path:
        """French communes with coordinates."""
        return self.data_dir / "geo"

    @property
    def offers_dir(self) -> Path:
        """The real France Travail offers."""
        return self.data_dir / "offers"


# Flat spellings accepted beside the nested ones (EMPLOI_OPENSEARCH__URL and so on).
FLAT_OPENSEARCH_VARIABLES = {
    f"EMPLOI_OPENSEARCH_{name.upper()}": name
    for name in ("url", "user", "password", "verify_certs", "ca_certs", "index_prefix",
                 "retries", "shards", "replicas", "knn_candidates")
}


def load_settings(toml_path: Path | None = None, **overrides: Any) -> Settings:
    """Settings from a TOML file (``EMPLOI_CONFIG`` when no path is given), then the
    environment, then ``overrides`` (highest precedence)."""
    path = toml_path or (Path(os.environ["EMPLOI_CONFIG"]) if "EMPLOI_CONFIG" in os.environ
                         else None)
    file_values: dict[str, Any] = {}
    if path is not None:
        with path.open("rb") as handle:
            file_values = tomllib.load(handle)
    env_values = Settings().model_dump(exclude_unset=True)
    flat = {name: os.environ[variable] for variable, name in FLAT_OPENSEARCH_VARIABLES.items()
            if variable in os.environ}
    if flat:
        env_values["opensearch"] = {**file_values.get("opensearch", {}),
                                    **env_values.get("opensearch", {}), **flat}
    merged = {**file_values, **env_values, **{k: v for k, v in overrides.items() if v is not None}}
    return Settings(**merged)
