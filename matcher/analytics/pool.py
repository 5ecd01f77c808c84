"""Employer targeting: an offer's local candidate pool, and the territory's hard-to-fill offers.

The pool of an offer is what ``Engine.candidates_for_offer`` returns for it (seekers within the
matcher's ``candidate_radius_km``, 60 km by default), up to ``POOL_DEPTH``. A candidate
**matches strongly** when its match score is at least ``STRONG_SCORE`` = 0.5. On the demo data
(299 real offers, 600 generated seekers, every offer's pool) 99.6 % of the candidates who
target the offer's own occupation score ≥ 0.5, against 6.5 % of the others (mostly seekers of
a neighbouring occupation): 0.5 separates "could apply tomorrow" from "loosely related".
An offer is **hard to fill** when fewer than ``HARD_TO_FILL_BELOW`` = 3 candidates match it
strongly (a recruiter usually wants to see at least three).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexer.models import Offer
from matcher.analytics.snapshot import index_key
from matcher.engine import Engine
from matcher.results import Match

logger = logging.getLogger(__name__)

STRONG_SCORE = 0.5
HARD_TO_FILL_BELOW = 3
POOL_DEPTH = 100
#: At most this many offers (the most recent) are ranked in one request: each pool is a full
#: matcher run (about 0.1–0.25 s), so a whole département takes a minute the first time.
MAX_EVALUATED = 120
TOP_MISSING = 10
DISTANCE_BANDS = ((10.0, "moins de 10 km"), (30.0, "10 à 30 km"), (60.0, "30 à 60 km"))


@dataclass(frozen=True, slots=True)
class MissingSkill:
    """A skill of the offer and how many candidates of the pool lack it."""

    code: str | None
    label: str
    requirement: str
    lacking: int


@dataclass(frozen=True, slots=True)
class PoolSummary:
    """The shape of an offer's candidate pool."""

    offer_id: str
    title: str
    rome_code: str | None
    candidates: int
    strong: int
    threshold: float
    radius_km: float | None
    by_relation: dict[str, int]
    by_distance: dict[str, int]
    missing_over: str
    missing_skills: list[MissingSkill]

    @property
    def hard_to_fill(self) -> bool:
        """Fewer than ``HARD_TO_FILL_BELOW`` strong candidates."""
        return self.strong < HARD_TO_FILL_BELOW

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["hard_to_fill"] = self.hard_to_fill
        return data


def _relation(match: Match) -> str:
    relation = match.explanation.occupation_relation or ""
    if relation.startswith("même métier"):
        return "même métier"
    if relation:
        return "métier voisin"
    return "autre métier"


def _band(distance: float | None) -> str:
    if distance is None:
        return "distance inconnue"
    for limit, label in DISTANCE_BANDS:
        if distance < limit:
            return label
    return "60 km et plus"


def summarise_pool(offer: Offer, matches: Sequence[Match], threshold: float = STRONG_SCORE,
                   radius_km: float | None = None) -> PoolSummary:
    """Count and shape of the pool from its matches: strong ones, occupation relation and
    distance bands of the strong ones, and the offer's skills they lack most often: counts only,
    never who the candidates are (the employer page shows them by pseudonym). Missing
    skills are counted over the strong candidates, or over the whole pool when none is."""
    strong = [m for m in matches if m.score >= threshold]
    counted = strong or list(matches)
    lacking: Counter[tuple[str | None, str, str]] = Counter()
    for match in counted:
        for skill in match.explanation.missing_skills:
            lacking[(skill.code, skill.label, skill.requirement)] += 1
    missing = [MissingSkill(code, label, requirement, count)
               for (code, label, requirement), count in sorted(
                   lacking.items(), key=lambda kv: (-kv[1], kv[0][1]))[:TOP_MISSING]]
    return PoolSummary(
        offer_id=offer.id, title=offer.title, rome_code=offer.rome_code,
        candidates=len(matches), strong=len(strong), threshold=threshold, radius_km=radius_km,
        by_relation=dict(Counter(_relation(m) for m in strong)),
        by_distance=dict(Counter(_band(m.explanation.distance_km) for m in strong)),
        missing_over="candidats forts" if strong else "tout le vivier",
        missing_skills=missing)


_cache: weakref.WeakKeyDictionary[Engine, dict[str, tuple[object, PoolSummary]]] = \
    weakref.WeakKeyDictionary()
_lock = threading.Lock()


def candidate_pool(engine: Engine, offer: Offer) -> PoolSummary:
    """The pool of one offer, cached per engine while the offer and the index are unchanged."""
    key = (offer.content_hash(), index_key(engine))
    with _lock:
        cached = _cache.setdefault(engine, {}).get(offer.id)
    if cached is not None and cached[0] == key:
        return cached[1]
    summary = summarise_pool(offer, engine.candidates_for_offer(offer, top_k=POOL_DEPTH),
                             radius_km=engine.settings.matching.candidate_radius_km)
    with _lock:
        _cache.setdefault(engine, {})[offer.id] = (key, summary)
    return summary


@dataclass(frozen=True, slots=True)
class HardToFill:
    """The offers of a territory ranked by how few strong candidates they have;
    ``offers_in_territory`` counts them all, ``offers_considered`` those ranked."""

    offers_in_territory: int
    offers_considered: int
    hard_to_fill: int
    threshold: float
    below: int
    ranked: list[PoolSummary]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"offers_in_territory": self.offers_in_territory,
                "offers_considered": self.offers_considered, "hard_to_fill": self.hard_to_fill,
                "threshold": self.threshold, "below": self.below,
                "ranked": [p.to_dict() for p in self.ranked]}


def _recency(offer: Offer) -> float:
    return offer.created_at.timestamp() if offer.created_at else 0.0


def hard_to_fill(engine: Engine, offers: Sequence[Offer], top: int = 20,
                 limit: int = MAX_EVALUATED) -> HardToFill:
    """The hard-to-fill offers among the ``limit`` most recent of ``offers``: fewest strong
    candidates first, then the smallest pool, then the most recent."""
    considered = sorted(offers, key=lambda o: (-_recency(o), o.id))[:limit]
    pools = [(candidate_pool(engine, offer), offer) for offer in considered]
    hard = [(p, o) for p, o in pools if p.hard_to_fill]
    hard.sort(key=lambda po: (po[0].strong, po[0].candidates, -_recency(po[1]), po[1].id))
    return HardToFill(len(offers), len(pools), len(hard), STRONG_SCORE, HARD_TO_FILL_BELOW,
                      [p for p, _ in hard[:top]])
