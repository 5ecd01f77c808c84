"""A static embedding encoder: a text is the weighted mean of its pieces' vectors.

The vectors come from a model distilled from a sentence encoder (the teacher, USE-m3 by
default) over the taxonomy's and the offers' vocabulary (:mod:`indexer.encoders.distill`):
no network runs at encoding time, only folding, dictionary look-ups and one weighted sum,
so a text costs tens of microseconds instead of the teacher's tens of milliseconds.

A model is a folder with ``model.npz`` (vocabulary, table, weights) and ``manifest.json``
(teacher, sizes, seed, checksums of the inputs and of ``model.npz``). Loading checks the
folder against the manifest and against what the settings ask for, and refuses a mismatch
with the command that fixes it.

With ``encoder = "static"`` and no ``model`` setting, the model lives in
``<cache_dir>/encoders/static-use-m3/`` and is distilled there on first use from the data in
``data_dir`` (a few minutes, logged with progress; teacher vectors go to the embedding cache).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.encoders._common import FloatArray, clip_texts
from indexer.encoders.static_text import (
    LONGEST_UNKNOWN_WORD,
    SHORTEST_UNKNOWN_WORD,
    bucket_of,
    char_ngrams,
    fold_words,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
DEFAULT_TEACHER = "use-m3"
EMPTY_PIECE = ""
"""The vocabulary entry of a text without any piece (the teacher's vector of "")."""
_OOV_MEMO = 1 << 16


class StaticModelError(ValueError):
    """A static model folder is missing, damaged, or not the model the settings ask for."""


def default_model_dir(cache_dir: Path, teacher: str = DEFAULT_TEACHER) -> Path:
    """Where the static model distilled from ``teacher`` lives when no folder is configured."""
    return cache_dir / "encoders" / f"static-{teacher}"


def file_sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_npz(path: Path, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
    """``numpy.savez`` with fixed zip timestamps, so equal arrays give equal bytes (and
    equal checksums). Stored, not deflated: the float16 table barely compresses (13 %) and
    inflating it took half a second of every cold start. (Models written deflated by
    earlier versions still load.)"""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as stream:
                np.lib.format.write_array(stream, np.asanyarray(array), allow_pickle=False)


def _rebuild_hint(directory: Path) -> str:
    return (f"Rebuild it with: python -m indexer.encoders.distill --out {directory} "
            "(or delete the folder: the default one is rebuilt on first use).")


@dataclass
class StaticModel:
    """A distilled static embedding model.

    ``table`` holds one row per vocabulary piece (words, then bigrams) followed by
    ``buckets`` rows of character n-gram buckets for unknown words (float16, on disk and
    in memory); ``weights`` is the weight of each vocabulary piece in the mean
    (inverse-frequency), ``oov_weight`` that of an unknown word, shared by its n-grams.
    """

    pieces: tuple[str, ...]
    table: npt.NDArray[np.floating[Any]]
    weights: npt.NDArray[np.float32]
    buckets: int
    ngram_range: tuple[int, int]
    oov_weight: float
    feminine: Mapping[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.table) != len(self.pieces) + self.buckets:
            raise StaticModelError(f"table has {len(self.table)} rows for {len(self.pieces)} "
                                   f"pieces and {self.buckets} buckets")
        if len(self.weights) != len(self.pieces):
            raise StaticModelError(f"{len(self.weights)} weights for {len(self.pieces)} pieces")
        self.index = {piece: row for row, piece in enumerate(self.pieces)}
        if EMPTY_PIECE not in self.index:
            raise StaticModelError("the vocabulary has no entry for the empty text")
        self._bigram_heads = frozenset(piece.split(" ", 1)[0] for piece in self.pieces
                                       if " " in piece)
        # half precision in memory as on disk: 38 MB less per process with the default model
        # (the indexing process and its reading worker each hold one); the rows a text
        # needs are widened to float32 when gathered, so its vector is the same
        self.table = np.ascontiguousarray(self.table, dtype=np.float16)
        self._weight_list = [float(w) for w in self.weights]
        self._oov: dict[str, FloatArray] = {}

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return int(self.table.shape[1])

    # ------------------------------------------------------------------ encoding

    def pieces_of(self, text: str) -> tuple[list[int], list[float]]:
        """The table rows of ``text``'s pieces and their weights (at least one piece); an
        unknown word gives the rows of its n-gram buckets, sharing ``oov_weight``."""
        rows, weights, unknown = self._known_pieces(text)
        for word in unknown:
            grams = self._grams(word)
            rows.extend(grams)
            weights.extend([self.oov_weight / len(grams)] * len(grams))
        return self._or_empty(rows, weights)

    def _known_pieces(self, text: str) -> tuple[list[int], list[float], list[str]]:
        """Rows and weights of the known words and bigrams of ``text``, and its unknown
        words (those long enough to count)."""
        rows: list[int] = []
        unknown: list[str] = []
        index = self.index
        words = fold_words(text, self.feminine)
        for word in words:
            row = index.get(word)
            if row is not None:
                rows.append(row)
            elif len(word) >= SHORTEST_UNKNOWN_WORD:
                unknown.append(word)
        heads = self._bigram_heads
        for left, right in itertools.pairwise(words):
            if left in heads:
                row = index.get(f"{left} {right}")
                if row is not None:
                    rows.append(row)
        weights = self._weight_list
        return rows, [weights[row] for row in rows], unknown

    def _or_empty(self, rows: list[int], weights: list[float]) -> tuple[list[int], list[float]]:
        if not rows:
            return [self.index[EMPTY_PIECE]], [1.0]
        return rows, weights

    def _grams(self, word: str) -> list[int]:
        base = len(self.pieces)
        return [base + bucket_of(gram, self.buckets)
                for gram in char_ngrams(word[:LONGEST_UNKNOWN_WORD], *self.ngram_range)]

    def _unknown_vector(self, word: str) -> FloatArray:
        """``oov_weight`` × the mean of the word's bucket vectors (memoised)."""
        word = word[:LONGEST_UNKNOWN_WORD]
        vector = self._oov.get(word)
        if vector is None:
            grams = self._grams(word)
            vector = self._rows(grams).sum(axis=0) * np.float32(self.oov_weight / len(grams))
            if len(self._oov) >= _OOV_MEMO:
                self._oov.clear()
            self._oov[word] = vector
        return vector

    def _rows(self, rows: Sequence[int]) -> FloatArray:
        """The table's ``rows``, in float32."""
        return self.table[rows].astype(np.float32)

    def vector(self, text: str) -> FloatArray:
        """The weighted sum of ``text``'s piece vectors (not normalised)."""
        rows, weights, unknown = self._known_pieces(text)
        if not rows and not unknown:
            empty: FloatArray = self._rows([self.index[EMPTY_PIECE]])[0]
            return empty
        vector: FloatArray = np.zeros(self.dimension, dtype=np.float32)
        if rows:
            np.matmul(np.asarray(weights, dtype=np.float32), self._rows(rows), out=vector)
        for word in unknown:
            vector += self._unknown_vector(word)
        return vector

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Unit vectors of ``texts``: the weighted mean of each text's pieces, normalised.
        Texts are cut to ``ENCODER_MAX_CHARS`` characters first, like every encoder's."""
        texts = clip_texts(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for number, text in enumerate(texts):
            out[number] = self.vector(text)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0.0] = 1.0
        out /= norms
        return out

    # ------------------------------------------------------------------ files

    def save(self, directory: Path) -> None:
        """Write ``model.npz`` and ``manifest.json`` (with the npz checksum) into
        ``directory``, which must not exist yet: a hidden folder beside it is written, then
        renamed into place, so a reader never sees half a model. ``model.npz`` is
        byte-identical for identical models (fixed zip timestamps)."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the model from other users
        try:
            write_npz(staging / MODEL_FILE, {
                "pieces": np.asarray(self.pieces, dtype=np.str_),
                "table": self.table.astype(np.float16),
                "weights": self.weights,
                "feminine": np.asarray(sorted(self.feminine.items()),
                                       dtype=np.str_).reshape(-1, 2)})
            manifest = {**self.manifest, "format_version": FORMAT_VERSION,
                        "dimension": self.dimension, "vocabulary_size": len(self.pieces),
                        "buckets": self.buckets, "ngram_range": list(self.ngram_range),
                        "oov_weight": self.oov_weight,
                        "model_sha256": file_sha256(staging / MODEL_FILE)}
            (staging / MANIFEST_FILE).write_text(
                json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8")
            staging.rename(directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.manifest = manifest

    @classmethod
    def load(cls, directory: Path, teacher: str | None = None) -> StaticModel:
        """Read the model in ``directory``, checking it against its manifest (format,
        checksum, sizes) and, when given, the ``teacher`` the settings expect."""
        manifest_path = directory / MANIFEST_FILE
        model_path = directory / MODEL_FILE
        if not manifest_path.is_file() or not model_path.is_file():
            raise StaticModelError(f"no static model in {directory} (expected {MANIFEST_FILE} "
                                   f"and {MODEL_FILE}). {_rebuild_hint(directory)}")
        try:
            manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise StaticModelError(f"{manifest_path}: not valid JSON ({error}). "
                                   f"{_rebuild_hint(directory)}") from error
        _check_manifest(manifest, directory, teacher)
        digest = file_sha256(model_path)
        if digest != manifest["model_sha256"]:
            raise StaticModelError(
                f"{model_path} does not match its manifest (sha256 {digest[:12]}…, manifest "
                f"{str(manifest['model_sha256'])[:12]}…): the file was changed or damaged. "
                f"{_rebuild_hint(directory)}")
        with np.load(model_path, allow_pickle=False) as arrays:
            pieces = tuple(str(piece) for piece in arrays["pieces"].tolist())
            table = arrays["table"].astype(np.float32)
            weights = arrays["weights"].astype(np.float32, copy=False)
            feminine = {str(fem): str(masc) for fem, masc in arrays["feminine"].tolist()}
        if table.shape[1] != manifest["dimension"] or len(pieces) != manifest["vocabulary_size"]:
            raise StaticModelError(
                f"{model_path}: {len(pieces)} pieces of {table.shape[1]} dimensions, but the "
                f"manifest says {manifest['vocabulary_size']} of {manifest['dimension']}. "
                f"{_rebuild_hint(directory)}")
        low, high = manifest["ngram_range"]
        return cls(pieces, table, weights, int(manifest["buckets"]), (int(low), int(high)),
                   float(manifest["oov_weight"]), feminine, manifest)


def _check_manifest(manifest: Mapping[str, Any], directory: Path, teacher: str | None) -> None:
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise StaticModelError(f"the static model in {directory} has format version {version}, "
                               f"this code reads {FORMAT_VERSION}. {_rebuild_hint(directory)}")
    missing = [key for key in ("teacher", "dimension", "vocabulary_size", "buckets",
                               "ngram_range", "oov_weight", "model_sha256")
               if key not in manifest]
    if missing:
        raise StaticModelError(f"{directory / MANIFEST_FILE}: missing {', '.join(missing)}. "
                               f"{_rebuild_hint(directory)}")
    if teacher is not None and manifest["teacher"] != teacher:
        raise StaticModelError(
            f"the static model in {directory} was distilled from {manifest['teacher']!r}, but "
            f"the settings expect one distilled from {teacher!r}. Point the 'model' setting "
            f"(EMPLOI_MODEL) at a model distilled from {teacher!r}, or rebuild this one with: "
            f"python -m indexer.encoders.distill --teacher {teacher} --out {directory}")


class StaticEncoder:
    """The :class:`~indexer.encoders.protocol.Encoder` of a static model, loaded on first use
    (and distilled first by ``build`` when the folder is empty); thread-safe.

    Symmetric: queries and documents are encoded the same way. ``name`` carries the teacher,
    the dimension and the start of the model's checksum, so index manifests and the embedding
    cache tell two distillations apart.
    """

    def __init__(self, directory: Path, teacher: str | None = None,
                 build: Any = None) -> None:
        self._directory = directory
        self._teacher = teacher
        self._build = build
        self._model: StaticModel | None = None
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        """The model folder."""
        return self._directory

    @property
    def model(self) -> StaticModel:
        """The loaded model (distilled first if the folder is empty and a builder is set)."""
        with self._lock:
            if self._model is None:
                if self._build is not None and not (self._directory / MANIFEST_FILE).exists():
                    self._build(self._directory)
                self._model = StaticModel.load(self._directory, self._teacher)
                logger.info("static encoder %s: %d pieces, %d buckets, %d dimensions",
                            self._directory, len(self._model.pieces), self._model.buckets,
                            self._model.dimension)
            return self._model

    @property
    def name(self) -> str:
        """``static-<teacher>-<dimension>d-<checksum>``."""
        manifest = self.model.manifest
        return (f"static-{manifest['teacher']}-{manifest['dimension']}d-"
                f"{str(manifest['model_sha256'])[:10]}")

    @property
    def dimension(self) -> int:
        """The model's dimension."""
        return self.model.dimension

    @property
    def faster_than_cache(self) -> bool:
        """Always: a vector is a mean of looked-up rows (:class:`CacheFreeEncoder`)."""
        return True

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        """Encode search queries."""
        return self.model.encode(texts)

    def encode_documents(self, texts: Sequence[str]) -> FloatArray:
        """Encode documents."""
        return self.model.encode(texts)
