"""The ranking model: how much each explainable feature weighs, and which scores make a match
"très proche", "proche" or a "piste à explorer".

A match's score is the weighted mean of its known feature values (an unknown value weighs 0),
so the explanation can give each feature's share. The weights come either from the settings
(the hand-set weights, the fallback) or from a model fitted on the labelled dev sets
(``emploi train-ranking``, :mod:`matcher.evaluation.training`) and saved as a small versioned
JSON artifact. The artifact also carries the *calibration*: the score from which a match is
more likely than not relevant ("proche"), likely ("très proche"), or worth a look ("piste à
explorer"); below that floor a result is not shown as a match.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from indexer.atomic import write_text_atomic
from indexer.settings import MatchingSettings

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FEATURES = ("retrieval", "skills", "occupation", "distance", "contract", "experience",
            "freshness")
VERY_CLOSE = "très proche"
CLOSE = "proche"
LEAD = "piste à explorer"
LEVELS = (VERY_CLOSE, CLOSE, LEAD)
HAND_THRESHOLDS = (0.6, 0.45, 0.3)
"""Score floors of the three levels with the hand weights (before any calibration)."""
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "ranking.json"
LEARNED_MODEL = Path(__file__).resolve().parent / "models" / "ranking-learned.json"
"""The model learnt on the dev sets (a), (c), (f), shipped for ``ranking_model = "learned"``
(docs/evaluation.md: why it is not the default)."""


class RankingModelError(ValueError):
    """A ranking artifact that cannot be used, with what to do about it."""


@dataclass(frozen=True)
class RankingModel:
    """Feature weights and level thresholds (see module doc)."""

    weights: Mapping[str, float]
    thresholds: tuple[float, float, float] = HAND_THRESHOLDS
    """Lowest score of "très proche", "proche" and "piste à explorer"; below: not a match."""
    source: str = "hand"
    trained_on: tuple[str, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    format_version: int = FORMAT_VERSION

    @classmethod
    def hand(cls, settings: MatchingSettings) -> RankingModel:
        """The hand-set weights of the settings, with the hand thresholds."""
        return cls({"retrieval": settings.retrieval_weight, "skills": settings.skill_weight,
                    "occupation": settings.occupation_weight,
                    "distance": settings.distance_weight,
                    "contract": settings.contract_weight,
                    "experience": settings.experience_weight,
                    "freshness": settings.freshness_weight})

    @property
    def floor(self) -> float:
        """The lowest score shown as a match."""
        return self.thresholds[-1]

    @property
    def version(self) -> str:
        """A short digest of the weights and thresholds (recorded in manifests and reports)."""
        payload = json.dumps({"weights": dict(sorted(self.weights.items())),
                              "thresholds": self.thresholds}, sort_keys=True)
        return f"{self.source}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    def level(self, score: float) -> str | None:
        """The level of a score, or None below the floor."""
        for name, threshold in zip(LEVELS, self.thresholds, strict=True):
            if score >= threshold:
                return name
        return None

    def without(self, feature: str) -> RankingModel:
        """The same model with one feature's weight at 0 (for ablations)."""
        return replace(self, weights={**self.weights, feature: 0.0})

    def to_json(self) -> str:
        """The artifact as indented JSON."""
        data = asdict(self)
        data["weights"] = dict(self.weights)
        data["metrics"] = dict(self.metrics)
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)

    def save(self, path: Path) -> None:
        """Write the artifact atomically."""
        write_text_atomic(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> RankingModel:
        """Read an artifact, refusing one this code cannot use (and saying how to fix it)."""
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RankingModelError(
                f"cannot read the ranking model {path}: {exc}. Retrain it with "
                "`emploi train-ranking`, or set EMPLOI_MATCHING__RANKING_MODEL=hand") from exc
        if data.get("format_version") != FORMAT_VERSION:
            raise RankingModelError(
                f"the ranking model {path} has format {data.get('format_version')!r}, this "
                f"code reads {FORMAT_VERSION}: retrain it with `emploi train-ranking`")
        weights = data.get("weights", {})
        unknown = sorted(set(weights) - set(FEATURES))
        if unknown or not all(isinstance(w, (int, float)) and w >= 0 for w in weights.values()):
            raise RankingModelError(
                f"the ranking model {path} has unknown or negative weights "
                f"({', '.join(unknown) or 'negative'}): retrain it with `emploi train-ranking`")
        thresholds = tuple(float(t) for t in data.get("thresholds", HAND_THRESHOLDS))
        if len(thresholds) != len(LEVELS) or list(thresholds) != sorted(thresholds, reverse=True):
            raise RankingModelError(f"the ranking model {path} has invalid thresholds "
                                    f"{thresholds}: retrain it with `emploi train-ranking`")
        return cls({name: float(weights.get(name, 0.0)) for name in FEATURES},
                   (thresholds[0], thresholds[1], thresholds[2]), str(data.get("source", "?")),
                   tuple(data.get("trained_on", ())), data.get("metrics", {}),
                   data.get("created_at"))


def ranking_model(settings: MatchingSettings) -> RankingModel:
    """The model the settings select: ``ranking_model`` "hand" → the hand weights; "learned"
    → the learnt model shipped with the code; a path → that artifact; unset →
    ``models/ranking.json`` when a deployment put one there, else the hand weights."""
    choice = settings.ranking_model
    if choice == "hand":
        return RankingModel.hand(settings)
    path = LEARNED_MODEL if choice == "learned" else Path(choice) if choice else DEFAULT_MODEL
    if not choice and not path.exists():
        log.info("no ranking model at %s: hand-set weights", path)
        return RankingModel.hand(settings)
    model = RankingModel.load(path)
    log.info("ranking model %s (%s)", model.version, path)
    return model
