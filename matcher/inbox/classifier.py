"""The inbox classifier: intent and urgency of a message, trainable from corrections.

Both heads read the same features (:mod:`matcher.inbox.textclf`): TF-IDF word (1–2) and
character (2–5) n-grams of the subject and body, plus a token for the sender's role and one
per urgency cue found (:mod:`matcher.inbox.urgency`); optionally a sentence encoder's vector
(``ClassifierConfig.encoder_weight`` > 0). Each head is a softmax regression. The method was
chosen by stratified cross-validation on the dev set (``python -m matcher.inbox.evaluate``,
``docs/evaluation.md``).

The web half retrains from counsellors' corrections with :meth:`InboxClassifier.fit` on the
dev set plus the corrected messages, and keeps the result with :meth:`save` (one JSON file,
written atomically, with a format name and version that :meth:`load` checks).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from indexer.atomic import write_text_atomic
from indexer.encoders import Encoder
from matcher.inbox.intents import Intent, Urgency
from matcher.inbox.message import Message
from matcher.inbox.textclf import LogisticRegression, SparseRows, Vectorizer, with_dense
from matcher.inbox.urgency import cues_of, with_cue_tokens

log = logging.getLogger(__name__)

FORMAT = "emploi-inbox-classifier"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A saved model that cannot be used: unreadable, another format or version, or made
    with another encoder; the message names the file and what to do."""


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Features and training settings (the defaults are the measured best)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    l2: float = 1e-4
    epochs: int = 200
    learning_rate: float = 0.05
    use_cues: bool = True
    use_role: bool = True
    encoder_weight: float = 0.0
    """Scale of the sentence-encoder block appended to the TF-IDF features (0: not used)."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """Intent and urgency of one message, with the probability of each class."""

    intent: Intent
    intent_confidence: float
    intent_scores: dict[str, float]
    urgency: Urgency
    urgency_confidence: float
    urgency_reasons: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["intent"], data["urgency"] = self.intent.value, self.urgency.value
        data["urgency_reasons"] = list(self.urgency_reasons)
        return data


def model_text(message: Message, config: ClassifierConfig) -> str:
    """What the model reads of a message: subject, body, role and cue tokens."""
    text = message.text
    if config.use_role:
        text = f"{text}\nzzrole{message.role.value}"
    return with_cue_tokens(text) if config.use_cues else text


class InboxClassifier:
    """Predicts intent and urgency; see the module docstring."""

    def __init__(self, config: ClassifierConfig | None = None,
                 encoder: Encoder | None = None) -> None:
        self.config = config or ClassifierConfig()
        if self.config.encoder_weight > 0 and encoder is None:
            raise ValueError("encoder_weight > 0 needs an encoder")
        self.encoder = encoder if self.config.encoder_weight > 0 else None
        self.vectorizer = Vectorizer(self.config.word_ngrams, self.config.char_ngrams,
                                     self.config.min_df)
        self.intent_model = self._regression()
        self.urgency_model = self._regression()
        self.trained_on = 0
        self.trained_at: str | None = None

    def _regression(self) -> LogisticRegression:
        c = self.config
        return LogisticRegression(c.l2, c.epochs, c.learning_rate)

    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` or :meth:`load` has given it weights."""
        return bool(self.intent_model.classes)

    def fit(self, messages: Sequence[Message], intents: Sequence[str | Intent],
            urgencies: Sequence[str | Urgency]) -> InboxClassifier:
        """Train both heads; labels must be documented intents and urgency levels."""
        if not (len(messages) == len(intents) == len(urgencies)):
            raise ValueError(f"{len(messages)} messages, {len(intents)} intents and "
                             f"{len(urgencies)} urgencies: one label of each per message")
        intent_labels = [Intent(label).value for label in intents]
        urgency_labels = [Urgency(label).value for label in urgencies]
        texts = [model_text(m, self.config) for m in messages]
        self.vectorizer.fit(texts)
        features = self._features(texts)
        self.intent_model.fit(features, intent_labels)
        self.urgency_model.fit(features, urgency_labels)
        self.trained_on = len(messages)
        self.trained_at = datetime.now(UTC).isoformat(timespec="seconds")
        log.info("inbox classifier trained on %d messages (%d features)", len(messages),
                 features.n_columns)
        return self

    def _features(self, texts: Sequence[str]) -> SparseRows:
        sparse = self.vectorizer.transform(texts)
        if self.encoder is None:
            return sparse
        dense = np.asarray(self.encoder.encode_documents(list(texts)), dtype=np.float64)
        return with_dense(sparse, dense, self.config.encoder_weight)

    def predict(self, messages: Sequence[Message]) -> list[Prediction]:
        """Intent and urgency of each message (the urgency reasons are the cues found)."""
        if not self.is_fitted:
            raise ValueError("the inbox classifier is not trained: fit() or load() first")
        if not messages:
            return []
        texts = [model_text(m, self.config) for m in messages]
        features = self._features(texts)
        intents = self.intent_model.probabilities(features)
        urgencies = self.urgency_model.probabilities(features)
        predictions = []
        for message, intent_row, urgency_row in zip(messages, intents, urgencies,
                                                    strict=True):
            best_intent, best_urgency = int(intent_row.argmax()), int(urgency_row.argmax())
            urgency = Urgency(self.urgency_model.classes[best_urgency])
            predictions.append(Prediction(
                intent=Intent(self.intent_model.classes[best_intent]),
                intent_confidence=round(float(intent_row[best_intent]), 4),
                intent_scores={c: round(float(p), 4) for c, p in
                               zip(self.intent_model.classes, intent_row, strict=True)},
                urgency=urgency,
                urgency_confidence=round(float(urgency_row[best_urgency]), 4),
                urgency_reasons=tuple(cue.reason for cue in cues_of(message.text)
                                      if cue.raises == (urgency is Urgency.HIGH))))
        return predictions

    # --- persistence --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole model as JSON-ready data (see :meth:`save`)."""
        if not self.is_fitted:
            raise ValueError("nothing to save: the classifier is not trained")
        config = asdict(self.config)
        return {"format": FORMAT, "version": FORMAT_VERSION, "trained_at": self.trained_at,
                "trained_on": self.trained_on,
                "encoder": self.encoder.name if self.encoder is not None else None,
                "config": config, "vectorizer": self.vectorizer.to_dict(),
                "intent": self.intent_model.to_dict(),
                "urgency": self.urgency_model.to_dict()}

    def save(self, path: Path) -> None:
        """Write the model to ``path`` as one JSON file (atomically: temp file, rename)."""
        write_text_atomic(Path(path), json.dumps(self.to_dict(), ensure_ascii=False,
                                                 separators=(",", ":")))
        log.info("inbox classifier saved to %s", path)

    @classmethod
    def load(cls, path: Path, encoder: Encoder | None = None) -> InboxClassifier:
        """A model saved by :meth:`save`; :class:`ModelFileError` names what is wrong."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelFileError(f"{path}: unreadable inbox model ({error}); retrain it "
                                 "with InboxClassifier.fit") from error
        return cls.from_dict(data, encoder, str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], encoder: Encoder | None = None,
                  origin: str = "model") -> InboxClassifier:
        """The inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelFileError(f"{origin}: not an inbox classifier (format "
                                 f"{data.get('format') if isinstance(data, dict) else None!r})")
        if data.get("version") != FORMAT_VERSION:
            raise ModelFileError(f"{origin}: inbox model version {data.get('version')!r}, "
                                 f"this code reads version {FORMAT_VERSION}: retrain it")
        try:
            raw = dict(data["config"])
            raw["word_ngrams"] = tuple(raw["word_ngrams"])
            raw["char_ngrams"] = tuple(raw["char_ngrams"])
            config = ClassifierConfig(**raw)
            wanted = data.get("encoder")
            if wanted and (encoder is None or encoder.name != wanted):
                raise ModelFileError(f"{origin}: trained with the encoder {wanted!r}, got "
                                     f"{encoder.name if encoder else None!r}")
            model = cls(config, encoder)
            model.vectorizer = Vectorizer.from_dict(data["vectorizer"])
            model.intent_model = LogisticRegression.from_dict(data["intent"])
            model.urgency_model = LogisticRegression.from_dict(data["urgency"])
            model.trained_on = int(data.get("trained_on") or 0)
            model.trained_at = data.get("trained_at")
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, ModelFileError):
                raise
            raise ModelFileError(f"{origin}: damaged inbox model ({error})") from error
        for name, head in (("intent", model.intent_model), ("urgency", model.urgency_model)):
            enum = Intent if name == "intent" else Urgency
            unknown = [c for c in head.classes if c not in {e.value for e in enum}]
            if unknown:
                raise ModelFileError(f"{origin}: unknown {name} labels {unknown}")
        return model
