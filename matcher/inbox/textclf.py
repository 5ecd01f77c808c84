"""A small text classifier in numpy: TF-IDF features and multinomial logistic regression.

Features (``Vectorizer``): on the text folded to lower case without accents,

- word unigrams and bigrams;
- character n-grams (2 to 5) inside word boundaries (``" word "`` padded), which carry
  spelling mistakes, missing accents and SMS abbreviations ("rdv", "svp", "jsuis");

each kept when it occurs in at least ``min_df`` training texts, weighted by sublinear TF
(1 + log tf) times smoothed IDF, each block L2-normalised. Optional dense features (a sentence
encoder's vectors) can be appended as another block.

The model (``LogisticRegression``) is a softmax over classes with an L2 penalty, trained by
full-batch gradient descent with Adam on the sparse matrix (``SparseRows``: CSR arrays and
``np.bincount`` products, no scipy). Class weights are balanced, so rare intents count.
Everything is deterministic given the data.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from skills_taxonomy.text import strip_accents

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DENSE_LIMIT = 40_000_000
"""Below this many cells (rows × features), training uses a dense copy of the features
(BLAS products are much faster than the sparse ones; 40M cells are 320 MB)."""
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)?|[€?!]")


def normalise_text(text: str) -> str:
    """Lower case, accents stripped, apostrophes unified, whitespace collapsed."""
    folded = strip_accents(text.lower()).replace("’", "'").replace("œ", "oe")
    return " ".join(folded.split())


def word_tokens(text: str) -> list[str]:
    """Word tokens of normalised text (elisions split: "l'offre" → "l", "offre")."""
    return [t for token in _TOKEN.findall(text) for t in token.split("'") if t]


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix in CSR layout."""

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    n_columns: int

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.indptr) - 1

    def row_ids(self) -> IntArray:
        """The row of each stored value."""
        ids: IntArray = np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.indptr))
        return ids

    def dot(self, weights: FloatArray) -> FloatArray:
        """``self @ weights`` for a dense (n_columns, k) matrix."""
        rows = self.row_ids()
        out = np.zeros((self.n_rows, weights.shape[1]))
        for column in range(weights.shape[1]):
            out[:, column] = np.bincount(rows, weights=self.data * weights[self.indices, column],
                                         minlength=self.n_rows)
        return out

    def transpose_dot(self, values: FloatArray, rows: IntArray) -> FloatArray:
        """``self.T @ values`` for a dense (n_rows, k) matrix (``rows``: :meth:`row_ids`)."""
        out = np.zeros((self.n_columns, values.shape[1]))
        for column in range(values.shape[1]):
            out[:, column] = np.bincount(self.indices, weights=self.data * values[rows, column],
                                         minlength=self.n_columns)
        return out

    def to_dense(self) -> FloatArray:
        """The matrix as a dense array."""
        dense = np.zeros((self.n_rows, self.n_columns))
        dense[self.row_ids(), self.indices] = self.data
        return dense

    def take(self, positions: Sequence[int]) -> SparseRows:
        """The given rows, in that order."""
        starts, ends = self.indptr[:-1], self.indptr[1:]
        chunks = [np.arange(starts[p], ends[p]) for p in positions]
        order = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
        lengths = np.array([ends[p] - starts[p] for p in positions], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return SparseRows(indptr, self.indices[order], self.data[order], self.n_columns)


def _ngrams(text: str, word_range: tuple[int, int], char_range: tuple[int, int]
            ) -> Counter[str]:
    words = word_tokens(normalise_text(text))
    grams: Counter[str] = Counter()
    low, high = word_range
    for size in range(low, high + 1):
        for i in range(len(words) - size + 1):
            grams["w:" + " ".join(words[i:i + size])] += 1
    low, high = char_range
    if high > 0:
        for word in words:
            padded = f" {word} "
            for size in range(low, high + 1):
                for i in range(len(padded) - size + 1):
                    grams["c:" + padded[i:i + size]] += 1
    return grams


class Vectorizer:
    """TF-IDF over word and character n-grams (see the module docstring)."""

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] = (2, 5), min_df: int = 2) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.vocabulary: dict[str, int] = {}
        self.idf: FloatArray = np.zeros(0)
        self.n_char = 0
        """How many character n-grams lead the vocabulary (sorted: "c:…" before "w:…")."""

    def fit(self, texts: Sequence[str]) -> Vectorizer:
        """Learn the vocabulary and IDF of ``texts``."""
        counts = [_ngrams(t, self.word_ngrams, self.char_ngrams) for t in texts]
        df: Counter[str] = Counter()
        for grams in counts:
            df.update(grams.keys())
        kept = sorted(g for g, n in df.items() if n >= self.min_df)
        self.vocabulary = {g: i for i, g in enumerate(kept)}
        self.n_char = sum(1 for g in kept if g.startswith("c:"))
        total = len(texts)
        self.idf = np.array([math.log((1 + total) / (1 + df[g])) + 1.0 for g in kept])
        return self

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows, each block (words, characters) L2-normalised, both halved so a row's
        norm is at most 1."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            row: dict[int, float] = {}
            grams = _ngrams(text, self.word_ngrams, self.char_ngrams)
            for gram, count in grams.items():
                position = self.vocabulary.get(gram)
                if position is not None:
                    row[position] = (1.0 + math.log(count)) * float(self.idf[position])
            n_char = self.n_char
            for block in ([i for i in row if i < n_char], [i for i in row if i >= n_char]):
                norm = math.sqrt(sum(row[i] ** 2 for i in block)) or 1.0
                for i in block:
                    row[i] = row[i] / norm * math.sqrt(0.5)
            ordered = sorted(row)
            indices.extend(ordered)
            data.extend(row[i] for i in ordered)
            indptr.append(len(indices))
        return SparseRows(np.array(indptr, dtype=np.int64), np.array(indices, dtype=np.int64),
                          np.array(data, dtype=np.float64), len(self.vocabulary))

    def _names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for gram, position in self.vocabulary.items():
            names[position] = gram
        return names

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {"word_ngrams": list(self.word_ngrams), "char_ngrams": list(self.char_ngrams),
                "min_df": self.min_df, "vocabulary": self._names(),
                "idf": [round(float(v), 6) for v in self.idf]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vectorizer:
        """The inverse of :meth:`to_dict`."""
        word, char = data["word_ngrams"], data["char_ngrams"]
        vectorizer = cls((int(word[0]), int(word[1])), (int(char[0]), int(char[1])),
                         int(data["min_df"]))
        vectorizer.vocabulary = {g: i for i, g in enumerate(data["vocabulary"])}
        vectorizer.idf = np.array(data["idf"], dtype=np.float64)
        vectorizer.n_char = sum(1 for g in vectorizer.vocabulary if g.startswith("c:"))
        if len(vectorizer.idf) != len(vectorizer.vocabulary):
            raise ValueError("vectorizer: vocabulary and idf differ in length")
        return vectorizer


def with_dense(sparse: SparseRows, dense: FloatArray | None, scale: float) -> SparseRows:
    """``sparse`` with the columns of ``dense`` (times ``scale``) appended to every row."""
    if dense is None:
        return sparse
    n_dense = dense.shape[1]
    indptr = [0]
    indices: list[IntArray] = []
    data: list[FloatArray] = []
    columns = np.arange(sparse.n_columns, sparse.n_columns + n_dense, dtype=np.int64)
    for row in range(sparse.n_rows):
        start, end = sparse.indptr[row], sparse.indptr[row + 1]
        indices.extend([sparse.indices[start:end], columns])
        data.extend([sparse.data[start:end], dense[row] * scale])
        indptr.append(indptr[-1] + (end - start) + n_dense)
    return SparseRows(np.array(indptr, dtype=np.int64), np.concatenate(indices),
                      np.concatenate(data), sparse.n_columns + n_dense)


class LogisticRegression:
    """Softmax regression with an L2 penalty, trained by full-batch Adam."""

    def __init__(self, l2: float = 1e-3, epochs: int = 300, learning_rate: float = 0.1,
                 balanced: bool = True) -> None:
        self.l2 = l2
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.balanced = balanced
        self.classes: list[str] = []
        self.weights: FloatArray = np.zeros((0, 0))
        self.bias: FloatArray = np.zeros(0)

    def fit(self, features: SparseRows, labels: Sequence[str]) -> LogisticRegression:
        """Fit on labelled rows (at least two classes)."""
        self.classes = sorted(set(labels))
        if len(self.classes) < 2:
            raise ValueError("a classifier needs at least two classes to learn from")
        index = {c: i for i, c in enumerate(self.classes)}
        y = np.array([index[label] for label in labels])
        n, k = features.n_rows, len(self.classes)
        target = np.zeros((n, k))
        target[np.arange(n), y] = 1.0
        counts = np.bincount(y, minlength=k).astype(np.float64)
        sample_weight = (n / (k * counts[y])) if self.balanced else np.ones(n)
        sample_weight = sample_weight / sample_weight.sum()
        weights = np.zeros((features.n_columns, k))
        bias = np.log(np.maximum(counts, 1.0) / n)
        rows = features.row_ids()
        dense = features.to_dense() if features.n_rows * features.n_columns <= DENSE_LIMIT \
            else None
        moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros(k), np.zeros(k)]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        for step in range(1, self.epochs + 1):
            scores = dense @ weights if dense is not None else features.dot(weights)
            error = (_softmax(scores + bias) - target) * sample_weight[:, None]
            grad_w = (dense.T @ error if dense is not None
                      else features.transpose_dot(error, rows)) + self.l2 * weights
            grad_b = error.sum(axis=0)
            for i, (param, grad) in enumerate(((weights, grad_w), (bias, grad_b))):
                first, second = moments[2 * i], moments[2 * i + 1]
                first *= beta1
                first += (1 - beta1) * grad
                second *= beta2
                second += (1 - beta2) * grad * grad
                corrected = first / (1 - beta1 ** step)
                param -= self.learning_rate * corrected / (
                    np.sqrt(second / (1 - beta2 ** step)) + eps)
        self.weights, self.bias = weights, bias
        return self

    def probabilities(self, features: SparseRows) -> FloatArray:
        """Class probabilities of each row (columns in :attr:`classes` order)."""
        if features.n_columns != self.weights.shape[0]:
            raise ValueError(f"features have {features.n_columns} columns, the model "
                             f"{self.weights.shape[0]}")
        return _softmax(features.dot(self.weights) + self.bias)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (weights rounded to 6 decimals; zero rows are kept: the shape
        must match the vectorizer)."""
        return {"l2": self.l2, "epochs": self.epochs, "learning_rate": self.learning_rate,
                "balanced": self.balanced, "classes": self.classes,
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LogisticRegression:
        """The inverse of :meth:`to_dict`."""
        model = cls(float(data["l2"]), int(data["epochs"]), float(data["learning_rate"]),
                    bool(data["balanced"]))
        model.classes = [str(c) for c in data["classes"]]
        model.weights = np.array(data["weights"], dtype=np.float64).reshape(
            -1, len(model.classes))
        model.bias = np.array(data["bias"], dtype=np.float64)
        if model.bias.shape != (len(model.classes),):
            raise ValueError("logistic regression: bias and classes differ in length")
        return model


def _softmax(scores: FloatArray) -> FloatArray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result
