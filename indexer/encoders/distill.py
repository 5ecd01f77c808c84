"""Distil a static embedding model from a sentence encoder, over the taxonomy's and the
offers' vocabulary (in the spirit of model2vec).

Steps, each logged with counts and times:

1. **Corpus**: the taxonomy's labels (ROME occupations, job titles in both genders, skills
   and knowledge; ESCO occupations and skills, preferred and alternative labels), the
   offers' embedding texts, and profile-like texts (a job title and a few of its
   occupation's skills, drawn with the seed), the shape of the engine's seeker queries.
2. **Vocabulary**: folded words (:mod:`indexer.encoders.static_text`) of the labels, and of
   the offers seen at least ``min_count`` times, plus content bigrams seen at least
   ``min_bigram_count`` times; each piece is embedded in its most frequent written spelling
   (accents kept: "électricien", not "electricien").
3. **Teacher vectors** of every piece and every corpus text, through the content-hash
   embedding cache (a rebuild costs no model call).
4. **Reduction**: the teacher vectors are projected on the top ``dimension`` principal axes
   of the corpus texts' vectors (not centred, so cosines stay on the teacher's scale).
5. **Weights**: smooth inverse frequency, ``a / (a + p(piece))``.
6. **Fine-tuning** (``epochs`` > 0): the table is trained (Adam, full batch, numpy) so that
   the weighted mean of a text's pieces points where the teacher's vector of the whole text
   points (cosine loss), pulled back towards the initial table (``regularisation``); the
   held-out share of the texts measures what it gains.
7. **Unknown words**: character n-gram buckets fitted so that the mean of a word's buckets
   reproduces the word's vector (least squares, from the buckets' centroids).

The result is deterministic for a seed and a corpus. Command line::

    python -m indexer.encoders.distill --out var/cache/encoders/static-use-m3
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from indexer.encoders._common import FloatArray
from indexer.encoders.cache import EmbeddingCache, encode_documents_cached
from indexer.encoders.protocol import Encoder
from indexer.encoders.static import EMPTY_PIECE, StaticModel, default_model_dir
from indexer.encoders.static_text import (
    LONGEST_UNKNOWN_WORD,
    SHORTEST_UNKNOWN_WORD,
    bucket_of,
    char_ngrams,
    content_bigrams,
    fold_words,
)
from indexer.settings import EncoderKind, Settings, load_settings

logger = logging.getLogger("indexer.encoders.distill")  # also when run as __main__

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DistillConfig:
    """How a static model is distilled. The defaults are the measured choice
    (``docs/performance.md``, "Choosing the encoder")."""

    dimension: int = 256
    min_count: int = 2
    min_bigram_count: int = 3
    max_words: int = 80_000
    max_bigrams: int = 40_000
    buckets: int = 1 << 15
    ngram_range: tuple[int, int] = (3, 5)
    sif_a: float = 1e-3
    epochs: int = 40
    learning_rate: float = 1e-2
    regularisation: float = 1e-4
    holdout: float = 0.05
    document_weight: float = 10.0
    bucket_epochs: int = 30
    bucket_learning_rate: float = 1e-2
    seed: int = 13


@dataclass(frozen=True)
class DistillCorpus:
    """What a model is distilled from: ``labels`` (short texts), ``documents`` (longer
    texts, embedded as a whole), ``vocabulary_only`` (texts that only count words, e.g.
    whole offer descriptions) and the feminine → masculine word table."""

    labels: tuple[str, ...]
    documents: tuple[str, ...]
    vocabulary_only: tuple[str, ...] = ()
    feminine: Mapping[str, str] = field(default_factory=dict)

    def checksum(self) -> str:
        """SHA-256 of every input text and of the feminine table, in order."""
        digest = hashlib.sha256()
        for part in (self.labels, self.documents, self.vocabulary_only,
                     tuple(f"{k}\t{v}" for k, v in sorted(self.feminine.items()))):
            digest.update(str(len(part)).encode())
            for text in part:
                digest.update(b"\x00")
                digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    @property
    def texts(self) -> tuple[str, ...]:
        """The texts the table is trained on: labels, then documents."""
        return self.labels + self.documents


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """The pieces (empty text, words, bigrams), their counts and spellings to embed."""

    pieces: tuple[str, ...]
    counts: npt.NDArray[np.float64]
    spellings: tuple[str, ...]
    words: int
    bigrams: int


def _plain_fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("œ", "oe"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def build_vocabulary(corpus: DistillCorpus, config: DistillConfig) -> Vocabulary:
    """Words of the labels and frequent words and bigrams of the rest, most frequent first."""
    word_counts: Counter[str] = Counter()
    label_words: set[str] = set()
    bigram_counts: Counter[str] = Counter()
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for number, text in enumerate(corpus.labels + corpus.documents + corpus.vocabulary_only):
        words = fold_words(text, corpus.feminine)
        word_counts.update(words)
        bigram_counts.update(content_bigrams(words))
        if number < len(corpus.labels):
            label_words.update(words)
        for token in text.lower().replace("'", " ").replace("’", " ").split():
            token = token.strip(".,;:!?()[]{}\"«»/-–—*•·")
            if token:
                spellings[_plain_fold(token)][token] += 1
    kept_words = sorted(
        (w for w, c in word_counts.items() if w in label_words or c >= config.min_count),
        key=lambda w: (-word_counts[w], w))[:config.max_words]
    kept_bigrams = sorted(
        (b for b, c in bigram_counts.items() if c >= config.min_bigram_count),
        key=lambda b: (-bigram_counts[b], b))[:config.max_bigrams]

    def spelling(word: str) -> str:
        found = spellings.get(word)
        if not found:
            return word
        return min(found.items(), key=lambda item: (-item[1], item[0]))[0]

    pieces = (EMPTY_PIECE, *kept_words, *kept_bigrams)
    counts = np.asarray([0.0] + [word_counts[w] for w in kept_words]
                        + [bigram_counts[b] for b in kept_bigrams], dtype=np.float64)
    written = (EMPTY_PIECE, *(spelling(w) for w in kept_words),
               *(" ".join(spelling(part) for part in b.split(" ")) for b in kept_bigrams))
    logger.info("distil: vocabulary of %d words (of %d seen) and %d bigrams (of %d seen)",
                len(kept_words), len(word_counts), len(kept_bigrams), len(bigram_counts))
    return Vocabulary(pieces, counts, written, len(kept_words), len(kept_bigrams))


def sif_weights(counts: npt.NDArray[np.float64], a: float) -> npt.NDArray[np.float32]:
    """Smooth inverse frequency ``a / (a + p)``; the empty piece (count 0) weighs 1."""
    probabilities = counts / max(float(counts.sum()), 1.0)
    return np.asarray(a / (a + probabilities), dtype=np.float32)


# --------------------------------------------------------------------------- sparse rows


@dataclass
class SparseRows:
    """A CSR matrix (rows = texts, columns = table rows) with the two products training
    needs (scipy's sparse kernels: ~20x faster than any numpy formulation)."""

    ids: IntArray
    values: npt.NDArray[np.float32]
    starts: IntArray
    columns: int

    def __post_init__(self) -> None:
        if (np.diff(self.starts) <= 0).any():
            raise ValueError("every row needs at least one non-zero")
        shape = (len(self.starts) - 1, self.columns)
        self._matrix = sparse.csr_matrix((self.values, self.ids, self.starts), shape=shape)
        self._transposed = self._matrix.T.tocsr()

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.starts) - 1

    def dot(self, table: FloatArray) -> FloatArray:
        """``self @ table``."""
        return np.asarray(self._matrix @ table, dtype=np.float32)

    def tdot(self, grads: FloatArray) -> FloatArray:
        """``self.T @ grads``."""
        return np.asarray(self._transposed @ grads, dtype=np.float32)


def text_rows(model: StaticModel, texts: Sequence[str]) -> tuple[SparseRows, IntArray]:
    """The known pieces of each text with their weights (unknown words left out), and the
    indexes of the texts that have at least one."""
    vocabulary = len(model.pieces)
    empty = model.index[EMPTY_PIECE]
    ids: list[int] = []
    values: list[float] = []
    starts = [0]
    kept: list[int] = []
    for number, text in enumerate(texts):
        rows, weights = model.pieces_of(text)
        pairs = [(r, w) for r, w in zip(rows, weights, strict=True)
                 if r < vocabulary and r != empty]
        if not pairs:
            continue
        kept.append(number)
        ids.extend(r for r, _ in pairs)
        values.extend(w for _, w in pairs)
        starts.append(len(ids))
    return (SparseRows(np.asarray(ids, dtype=np.int64), np.asarray(values, dtype=np.float32),
                       np.asarray(starts, dtype=np.int64), vocabulary),
            np.asarray(kept, dtype=np.int64))


# --------------------------------------------------------------------------- reduction, training


def principal_axes(vectors: FloatArray, dimension: int) -> FloatArray:
    """The top ``dimension`` axes (columns) of ``vectors``' second-moment matrix (not
    centred), each signed so that its largest component is positive."""
    moment = vectors.T.astype(np.float64) @ vectors.astype(np.float64) / max(len(vectors), 1)
    eigenvalues, eigenvectors = np.linalg.eigh(moment)
    order = np.argsort(eigenvalues)[::-1][:dimension]
    axes = eigenvectors[:, order]
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(axes.shape[1])])
    signs[signs == 0] = 1.0
    kept = float(eigenvalues[order].sum() / max(eigenvalues.sum(), 1e-12))
    logger.info("distil: %d axes keep %.1f%% of the teachers' vectors' energy", dimension,
                100 * kept)
    return np.ascontiguousarray(axes * signs, dtype=np.float32)


def _unit(matrix: FloatArray) -> FloatArray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.asarray(matrix / norms, dtype=np.float32)


def mean_cosine(rows: SparseRows, table: FloatArray, targets: FloatArray) -> float:
    """Mean cosine between ``rows @ table`` and the unit ``targets``."""
    if rows.rows == 0:
        return float("nan")
    return float(np.einsum("ij,ij->i", _unit(rows.dot(table)), targets).mean())


@dataclass
class _Adam:
    learning_rate: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    step: int = 0
    first: FloatArray | None = None
    second: FloatArray | None = None

    def update(self, params: FloatArray, grads: FloatArray) -> None:
        if self.first is None or self.second is None:
            self.first = np.zeros_like(params)
            self.second = np.zeros_like(params)
        self.step += 1
        self.first = self.beta1 * self.first + (1 - self.beta1) * grads
        self.second = self.beta2 * self.second + (1 - self.beta2) * grads * grads
        corrected = self.learning_rate * np.sqrt(1 - self.beta2 ** self.step) / (
            1 - self.beta1 ** self.step)
        params -= corrected * self.first / (np.sqrt(self.second) + self.eps)


def fine_tune(table: FloatArray, rows: SparseRows, targets: FloatArray, config: DistillConfig,
              heldout: tuple[SparseRows, FloatArray],
              text_weights: npt.NDArray[np.float32] | None = None
              ) -> tuple[FloatArray, dict[str, float]]:
    """Train ``table`` so that ``rows @ table`` points like ``targets`` (unit rows):
    full-batch Adam on the mean cosine distance (each text weighted by ``text_weights``,
    default 1) plus ``regularisation`` × the squared distance to the initial table. Returns
    the table and the held-out cosines."""
    if text_weights is None:
        text_weights = np.ones(rows.rows, dtype=np.float32)
    share = (text_weights / text_weights.sum())[:, None]
    initial = table.copy()
    trained = table.copy()
    adam = _Adam(config.learning_rate)
    before = mean_cosine(heldout[0], trained, heldout[1])
    started = time.monotonic()
    for epoch in range(1, config.epochs + 1):
        mean = rows.dot(trained)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        norms[norms == 0.0] = 1.0
        unit = mean / norms
        cosines = np.einsum("ij,ij->i", unit, targets)
        grad_mean = -(targets - cosines[:, None] * unit) / norms * share
        grads = rows.tdot(np.asarray(grad_mean, dtype=np.float32))
        grads += 2 * config.regularisation * (trained - initial)
        adam.update(trained, grads)
        if epoch % max(config.epochs // 10, 1) == 0 or epoch == config.epochs:
            elapsed = time.monotonic() - started
            logger.info("distil: fine-tuning epoch %d/%d, train cosine %.4f, held-out %.4f "
                        "(%.1f s, ETA %.0f s)", epoch, config.epochs, float(cosines.mean()),
                        mean_cosine(heldout[0], trained, heldout[1]), elapsed,
                        elapsed / epoch * (config.epochs - epoch))
    after = mean_cosine(heldout[0], trained, heldout[1])
    return trained, {"heldout_cosine_before": round(before, 4),
                     "heldout_cosine_after": round(after, 4)}


def fit_buckets(words: Sequence[str], vectors: FloatArray, config: DistillConfig,
                oov_weight: float, word_weights: npt.NDArray[np.float32]
                ) -> tuple[FloatArray, dict[str, float]]:
    """Bucket vectors such that the weighted mean of an unknown word's n-gram buckets
    approximates what the word would weigh in a text (``weight × vector``): centroids, then
    least squares (Adam), with a held-out share of the words to report the fit."""
    low, high = config.ngram_range
    ids: list[int] = []
    starts = [0]
    shares: list[float] = []
    for word in words:
        grams = char_ngrams(word[:LONGEST_UNKNOWN_WORD], low, high)
        ids.extend(bucket_of(gram, config.buckets) for gram in grams)
        shares.extend([oov_weight / len(grams)] * len(grams))
        starts.append(len(ids))
    values = np.asarray(shares, dtype=np.float32)
    targets = vectors * word_weights[:, None]
    order = np.random.default_rng(config.seed + 1).permutation(len(words))
    held = np.sort(order[:max(int(len(words) * config.holdout), 1)])
    train = np.sort(order[len(held):])
    id_array = np.asarray(ids, dtype=np.int64)
    start_array = np.asarray(starts, dtype=np.int64)
    train_rows, held_rows = (_subset(id_array, values, start_array, config.buckets, chosen)
                             for chosen in (train, held))
    counts = train_rows.tdot(np.ones((train_rows.rows, 1), dtype=np.float32))
    buckets = np.asarray(train_rows.tdot(targets[train] / oov_weight)
                         / np.maximum(counts, 1e-6), dtype=np.float32)
    before = mean_cosine(held_rows, buckets, _unit(targets[held]))
    adam = _Adam(config.bucket_learning_rate)
    for _ in range(config.bucket_epochs):
        residual = train_rows.dot(buckets) - targets[train]
        adam.update(buckets, train_rows.tdot(residual) / np.float32(train_rows.rows))
    after = mean_cosine(held_rows, buckets, _unit(targets[held]))
    logger.info("distil: %d n-gram buckets, held-out unknown-word cosine %.3f (centroids "
                "%.3f)", config.buckets, after, before)
    return buckets, {"unknown_word_cosine_centroids": round(before, 4),
                     "unknown_word_cosine": round(after, 4)}


def _subset(ids: IntArray, values: npt.NDArray[np.float32], starts: IntArray, columns: int,
            chosen: IntArray) -> SparseRows:
    """The rows ``chosen`` (sorted indexes) of a CSR matrix, as a new one."""
    lengths = starts[chosen + 1] - starts[chosen]
    new_starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    index = np.repeat(starts[chosen] - new_starts[:-1], lengths) + np.arange(new_starts[-1])
    return SparseRows(ids[index], values[index], new_starts, columns)


# --------------------------------------------------------------------------- pipeline


def teacher_vectors(teacher: Encoder, texts: Sequence[str], cache: EmbeddingCache | None,
                    what: str) -> FloatArray:
    """The teacher's document vectors of ``texts`` (through ``cache`` when given)."""
    started = time.monotonic()
    logger.info("distil: teacher vectors of %d %s", len(texts), what)
    if cache is None:
        vectors = teacher.encode_documents(texts)
    else:
        vectors = encode_documents_cached(teacher, texts, cache)
    logger.info("distil: %d %s embedded in %.1f s", len(texts), what,
                time.monotonic() - started)
    return vectors


def distill(corpus: DistillCorpus, teacher: Encoder, config: DistillConfig | None = None,
            cache: EmbeddingCache | None = None) -> StaticModel:
    """Distil a static model of ``teacher`` over ``corpus`` (see the module docstring)."""
    config = config or DistillConfig()
    if config.dimension > teacher.dimension:
        raise ValueError(f"dimension {config.dimension} exceeds the teacher's "
                         f"{teacher.dimension}")
    started = time.monotonic()
    vocabulary = build_vocabulary(corpus, config)
    piece_vectors = teacher_vectors(teacher, vocabulary.spellings, cache, "pieces")
    text_vectors = teacher_vectors(teacher, corpus.texts, cache, "texts")
    axes = principal_axes(text_vectors, config.dimension)
    weights = sif_weights(vocabulary.counts, config.sif_a)
    oov_weight = float(config.sif_a / (config.sif_a + 1.0 / max(vocabulary.counts.sum(), 1.0)))
    table = piece_vectors @ axes
    draft = _model(vocabulary, table, weights, np.zeros((config.buckets, config.dimension)),
                   config, oov_weight, corpus.feminine)
    table, stats = _train_table(draft, table, corpus, _unit(text_vectors @ axes), config)
    words = [row for row in range(1, 1 + vocabulary.words)
             if len(vocabulary.pieces[row]) >= SHORTEST_UNKNOWN_WORD]
    buckets, bucket_stats = fit_buckets([vocabulary.pieces[row] for row in words],
                                        table[words], config, oov_weight, weights[words])
    manifest = _manifest(teacher, corpus, vocabulary, config, {**stats, **bucket_stats})
    model = _model(vocabulary, table, weights, buckets, config, oov_weight, corpus.feminine,
                   manifest)
    logger.info("distil: done in %.0f s (%d pieces, %d buckets, %d dimensions)",
                time.monotonic() - started, len(vocabulary.pieces), config.buckets,
                config.dimension)
    return model


def _train_table(draft: StaticModel, table: FloatArray, corpus: DistillCorpus,
                 targets: FloatArray, config: DistillConfig
                 ) -> tuple[FloatArray, dict[str, Any]]:
    """``table`` (the vocabulary rows; ``draft`` is the model that cuts texts into them),
    fine-tuned on the corpus texts (``targets``: their teacher vectors, projected and unit)
    unless ``config.epochs`` is 0, with held-out statistics."""
    rows, kept = text_rows(draft, corpus.texts)
    targets = targets[kept]
    order = np.random.default_rng(config.seed).permutation(rows.rows)
    held = np.sort(order[:int(rows.rows * config.holdout)])
    train = np.sort(order[len(held):])
    train_rows, held_rows = _row_subset(rows, train), _row_subset(rows, held)
    stats: dict[str, Any] = {"training_texts": len(train), "heldout_texts": len(held)}
    if config.epochs > 0:
        is_document = kept[train] >= len(corpus.labels)
        text_weights = np.where(is_document, config.document_weight, 1.0).astype(np.float32)
        table, tuned = fine_tune(table, train_rows, targets[train], config,
                                 (held_rows, targets[held]), text_weights)
        stats.update(tuned)
        logger.info("distil: fine-tuning moved the held-out cosine from %.4f to %.4f",
                    tuned["heldout_cosine_before"], tuned["heldout_cosine_after"])
    else:
        stats["heldout_cosine"] = round(mean_cosine(held_rows, table, targets[held]), 4)
    documents = np.flatnonzero(kept[held] >= len(corpus.labels))
    if len(documents):
        stats["heldout_document_cosine"] = round(mean_cosine(
            _row_subset(held_rows, documents), table, targets[held][documents]), 4)
    return table, stats


def _manifest(teacher: Encoder, corpus: DistillCorpus, vocabulary: Vocabulary,
              config: DistillConfig, stats: dict[str, Any]) -> dict[str, Any]:
    """What the manifest says of a distillation, besides what the model file holds."""
    return {
        "teacher": teacher.name,
        "teacher_dimension": teacher.dimension,
        "seed": config.seed,
        "config": {key: list(value) if isinstance(value, tuple) else value
                   for key, value in asdict(config).items()},
        "inputs": {"labels": len(corpus.labels), "documents": len(corpus.documents),
                   "vocabulary_only": len(corpus.vocabulary_only),
                   "sha256": corpus.checksum()},
        "words": vocabulary.words,
        "bigrams": vocabulary.bigrams,
        "stats": stats,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"intelligence-emploi": _version("intelligence-emploi"),
                     "numpy": np.__version__},
    }


def _row_subset(rows: SparseRows, chosen: IntArray) -> SparseRows:
    return _subset(rows.ids, rows.values, rows.starts, rows.columns, chosen)


def _model(vocabulary: Vocabulary, table: FloatArray, weights: npt.NDArray[np.float32],
           buckets: npt.NDArray[Any], config: DistillConfig, oov_weight: float,
           feminine: Mapping[str, str], manifest: dict[str, Any] | None = None) -> StaticModel:
    # rounded to the float16 the model file stores, so the model in hand is the saved one
    stacked = np.vstack([table, buckets]).astype(np.float16).astype(np.float32)
    return StaticModel(vocabulary.pieces, stacked, weights, config.buckets, config.ngram_range,
                       oov_weight, dict(feminine), manifest or {})


def _version(package: str) -> str:
    try:
        return package_version(package)
    except Exception:  # running from a source tree without an installed distribution
        return "unknown"


# --------------------------------------------------------------------------- from the data

OFFER_SUFFIXES = (".csv", ".json", ".jsonl")
PROFILE_TEXTS_PER_OCCUPATION = 3


def taxonomy_labels(taxonomy: Any) -> list[str]:
    """Every label of the taxonomy, once, sorted: ROME occupations, job titles (label,
    short label, gendered forms), skills and knowledge; ESCO occupations and skills
    (preferred and alternative labels)."""
    labels: set[str] = set()
    labels.update(occupation.label for occupation in taxonomy.occupations.values())
    for appellation in taxonomy.appellations.values():
        labels.update((appellation.label, appellation.short_label, *appellation.forms))
    labels.update(item.label for item in taxonomy.items.values())
    for concept in (*taxonomy.esco_occupations.values(), *taxonomy.esco_skills.values()):
        labels.update((concept.preferred_label, *concept.alt_labels))
    return sorted({label.strip() for label in labels if label and label.strip()})


def profile_like_texts(taxonomy: Any, seed: int) -> list[str]:
    """Texts shaped like a seeker's embedding text (``indexer.documents``): a job title of
    an occupation, then "Compétences : " and 2–5 of the occupation's skills, drawn with
    ``seed``; a few per occupation."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    for code in sorted(taxonomy.occupations):
        forms = sorted({form for appellation in taxonomy.appellations_of(code)
                        for form in appellation.forms})
        skills = sorted({link.item.label for link in taxonomy.items_of(code)})
        if not forms or not skills:
            continue
        for _ in range(PROFILE_TEXTS_PER_OCCUPATION):
            title = forms[int(rng.integers(len(forms)))]
            count = min(int(rng.integers(2, 6)), len(skills))
            chosen = rng.choice(len(skills), size=count, replace=False)
            texts.append(f"{title}\nCompétences : "
                         + ", ".join(skills[int(i)] for i in sorted(chosen)))
    return texts


def offer_files(offers_dir: Path) -> list[Path]:
    """The offer files of a folder (CSV, JSON, JSONL), sorted."""
    return sorted(path for path in offers_dir.iterdir()
                  if path.is_file() and path.suffix.lower() in OFFER_SUFFIXES)


def corpus_from_data(settings: Settings, offers: Sequence[Path] | None = None,
                     seed: int = DistillConfig.seed) -> DistillCorpus:
    """The distillation corpus of the settings' data: the taxonomy in ``rome_dir`` /
    ``esco_dir``, the offers in ``offers`` (default: every offer file of ``offers_dir``)
    and profile-like texts drawn with ``seed``."""
    from indexer.documents import offer_embedding_text
    from indexer.readers import read_offers
    from skills_taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    labels = taxonomy_labels(taxonomy)
    documents: list[str] = []
    descriptions: list[str] = []
    for path in (offer_files(settings.offers_dir) if offers is None else offers):
        result = read_offers(path)
        logger.info("distil: %s: %d offers (%d rejected)", path, len(result.records),
                    len(result.rejections))
        for offer in result.records:
            documents.append(offer_embedding_text(offer))
            descriptions.append(offer.description)
    profiles = profile_like_texts(taxonomy, seed)
    logger.info("distil: corpus of %d labels, %d offer texts, %d profile-like texts",
                len(labels), len(documents), len(profiles))
    return DistillCorpus(tuple(labels), tuple(documents + profiles), tuple(descriptions),
                         dict(taxonomy.feminine_to_masculine))


def teacher_settings(settings: Settings, teacher: EncoderKind) -> Settings:
    """``settings`` with ``teacher`` as the encoder (the model setting cleared)."""
    if teacher is EncoderKind.STATIC:
        raise ValueError("a static model cannot be the teacher of another")
    return settings.model_copy(update={"encoder": teacher, "model": None})


def build_model(settings: Settings, directory: Path, teacher: EncoderKind = EncoderKind.USE,
                config: DistillConfig | None = None, offers: Sequence[Path] | None = None,
                replace: bool = False) -> Path:
    """Distil a model from the settings' data with ``teacher`` and save it in
    ``directory``; an existing model there is kept unless ``replace``."""
    from indexer.encoders.pool import indexing_encoder

    config = config or DistillConfig()
    corpus = corpus_from_data(settings, offers, config.seed)
    cache = EmbeddingCache(settings.cache_dir)
    try:
        # the teacher encodes on every core, as `emploi index` does (encode_processes)
        with indexing_encoder(teacher_settings(settings, teacher)) as encoder:
            model = distill(corpus, encoder, config, cache)
    finally:
        cache.close()
    if replace and directory.exists():
        old = directory.with_name(f".{directory.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        directory.rename(old)
        model.save(directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            model.save(directory)
        except OSError:
            if not (directory / "manifest.json").exists():
                raise
            logger.info("distil: another process saved a model in %s first; keeping it",
                        directory)
    logger.info("distil: static model saved in %s (%s)", directory,
                model.manifest.get("model_sha256", "")[:12])
    return directory


def default_builder(settings: Settings) -> Callable[[Path], Path]:
    """What the static encoder calls when its default folder is empty: distil it there,
    from the settings' data, with USE-m3 (logged; a few minutes, once)."""

    def build(directory: Path) -> Path:
        logger.warning("static encoder: no model in %s yet; distilling it from the data in "
                       "%s (once, a few minutes)", directory, settings.data_dir)
        return build_model(settings, directory)

    return build


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: distil a static model into ``--out``."""
    parser = argparse.ArgumentParser(
        prog="python -m indexer.encoders.distill",
        description="Distil a static embedding model from a sentence encoder over the "
                    "taxonomy's and the offers' vocabulary (settings from EMPLOI_* and "
                    "EMPLOI_CONFIG).")
    defaults = DistillConfig()
    parser.add_argument("--out", type=Path, default=None,
                        help="model folder (default: <cache_dir>/encoders/static-use-m3)")
    parser.add_argument("--teacher", choices=[k.value for k in EncoderKind
                                              if k is not EncoderKind.STATIC],
                        default=EncoderKind.USE.value, help="encoder to distil (default: use)")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder")
    parser.add_argument("--offers", type=Path, action="append", default=None,
                        help="offer file to learn from (repeatable; default: every file of "
                             "<data_dir>/offers)")
    parser.add_argument("--dimension", type=int, default=defaults.dimension)
    parser.add_argument("--epochs", type=int, default=defaults.epochs,
                        help="fine-tuning epochs (0: no fine-tuning)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--force", action="store_true", help="replace an existing model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings(data_dir=args.data_dir)
    out = args.out or default_model_dir(settings.cache_dir)
    if out.exists() and not args.force:
        parser.error(f"{out} exists; pass --force to replace it")
    config = DistillConfig(dimension=args.dimension, epochs=args.epochs, seed=args.seed)
    build_model(settings, out, EncoderKind(args.teacher), config, args.offers, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
