"""Fairness beyond invariance: who employers see in their top candidates, by sex and age band.

The invariance tests (``tests/matcher/test_fairness.py``) show that a seeker's sex, age, name or
nationality never changes a score. Groups can still be under-exposed *indirectly*: through the
features that correlate with them (years of experience grow with age). This measures it.

For each offer, the **pool** is the candidates eligible for it: the indexed seekers within the
matcher's candidate radius of the offer (every seeker when the offer, or the setting, has no
place). For a group *g* (women, men; under 26, 26–49, 50 and over):

- **top-10 share**: the share of all top-10 slots, over every offer, that go to *g*;
- **pool share**: the share *g* would get if each offer's slots were drawn from its pool at
  random (Σ over offers of slots × share of *g* in the pool, over all slots);
- **ratio** = top-10 share / pool share (1: exposed as its pool share predicts), and the same
  with slots weighted by position (1/log2(rank + 1), so rank 1 counts more than rank 10).

A ratio outside [0.8, 1.25] (the four-fifths rule, both ways) is flagged; a group expected to
get fewer than :data:`MIN_EXPECTED_SLOTS` slots is reported without a verdict.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.distance import haversine_km_many
from indexer.models import ExperienceLevel, Offer, Profile

log = logging.getLogger(__name__)

LOW, HIGH = 0.8, 1.25
"""The four-fifths rule, applied both ways (1 / 0.8 = 1.25)."""
MIN_EXPECTED_SLOTS = 20.0
TOP_K = 10
AGE_BANDS = ((0, 25, "moins de 26 ans"), (26, 49, "26 à 49 ans"), (50, 200, "50 ans et plus"))
SEX_LABELS = {"F": "femmes", "M": "hommes"}


@dataclass(frozen=True, slots=True)
class RankedOffer:
    """One offer's eligible pool and its ranked candidates (ids)."""

    offer_id: str
    pool: Sequence[str]
    ranked: Sequence[str]


@dataclass(frozen=True, slots=True)
class GroupExposure:
    """The exposure of one group (e.g. sex = "femmes")."""

    attribute: str
    group: str
    slots: int
    expected_slots: float
    top_share: float
    pool_share: float
    ratio: float | None
    weighted_ratio: float | None

    @property
    def verdict(self) -> str:
        """``ok``, ``under-exposed``, ``over-exposed``, or ``too few`` to judge."""
        if self.ratio is None or self.expected_slots < MIN_EXPECTED_SLOTS:
            return "too few"
        if self.ratio < LOW:
            return "under-exposed"
        if self.ratio > HIGH:
            return "over-exposed"
        return "ok"


@dataclass
class FairnessReport:
    """Exposure of every group, and what it was measured on."""

    groups: list[GroupExposure]
    offers: int
    offers_with_candidates: int
    top_k: int
    info: dict[str, Any] = field(default_factory=dict)
    subsets: dict[str, FairnessReport] = field(default_factory=dict)
    """The same measure on subsets of the offers (e.g. those requiring experience)."""

    @property
    def flagged(self) -> list[GroupExposure]:
        """The groups outside [0.8, 1.25], here and in every subset."""
        return [g for g in self.groups if g.verdict in ("under-exposed", "over-exposed")] + [
            g for subset in self.subsets.values() for g in subset.flagged]

    def to_markdown(self, title: str = "all offers") -> str:
        """The tables of ``docs/evaluation.md``."""
        lines = [f"**{title}**: top-{self.top_k} candidates of {self.offers_with_candidates} "
                 f"offers (of {self.offers}); pool = seekers eligible for each offer.", "",
                 f"| attribute | group | top-{self.top_k} slots | top-{self.top_k} share | "
                 "pool share | ratio | position-weighted ratio | verdict |",
                 "|---|---|---:|---:|---:|---:|---:|---|"]
        for g in self.groups:
            lines.append(
                f"| {g.attribute} | {g.group} | {g.slots} | {g.top_share:.3f} | "
                f"{g.pool_share:.3f} | {_fmt(g.ratio)} | {_fmt(g.weighted_ratio)} | "
                f"{g.verdict} |")
        text = "\n".join(lines) + "\n"
        for name, subset in self.subsets.items():
            text += "\n" + subset.to_markdown(name)
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {"offers": self.offers, "offers_with_candidates": self.offers_with_candidates,
                "top_k": self.top_k, "info": self.info,
                "subsets": {name: subset.as_dict() for name, subset in self.subsets.items()},
                "groups": [{"attribute": g.attribute, "group": g.group, "slots": g.slots,
                            "expected_slots": round(g.expected_slots, 2),
                            "top_share": round(g.top_share, 4),
                            "pool_share": round(g.pool_share, 4),
                            "ratio": None if g.ratio is None else round(g.ratio, 4),
                            "weighted_ratio": None if g.weighted_ratio is None
                            else round(g.weighted_ratio, 4),
                            "verdict": g.verdict} for g in self.groups]}


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def age_band(birth_year: int | None, reference_year: int) -> str | None:
    """The age band of someone born in ``birth_year`` (age in ``reference_year``)."""
    if birth_year is None:
        return None
    age = reference_year - birth_year
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def protected_groups(profile: Profile, reference_year: int) -> dict[str, str]:
    """The profile's groups by attribute (``sex``, ``age``), from its personal data only."""
    personal = profile.personal
    if personal is None:
        return {}
    groups: dict[str, str] = {}
    if personal.sex in SEX_LABELS:
        groups["sex"] = SEX_LABELS[personal.sex]
    band = age_band(personal.birth_year, reference_year)
    if band is not None:
        groups["age"] = band
    return groups


def exposure(rankings: Iterable[RankedOffer], groups_of: Mapping[str, Mapping[str, str]],
             top_k: int = TOP_K) -> FairnessReport:
    """Exposure of every (attribute, group) over ``rankings``; ``groups_of`` maps a candidate
    id to its groups ({"sex": "femmes", "age": "26 à 49 ans"}); candidates missing there
    count in no group (nor in the pool shares)."""
    weights = [1.0 / math.log2(rank + 2) for rank in range(top_k)]
    slots: dict[tuple[str, str], float] = {}
    expected: dict[tuple[str, str], float] = {}
    weighted: dict[tuple[str, str], float] = {}
    weighted_expected: dict[tuple[str, str], float] = {}
    total_slots: dict[str, float] = {}
    offers = with_candidates = 0
    for ranking in rankings:
        offers += 1
        top = list(ranking.ranked[:top_k])
        if not top or not ranking.pool:
            continue
        with_candidates += 1
        pool_counts: dict[tuple[str, str], int] = {}
        pool_size: dict[str, int] = {}
        for candidate in ranking.pool:
            for attribute, group in groups_of.get(candidate, {}).items():
                pool_counts[attribute, group] = pool_counts.get((attribute, group), 0) + 1
                pool_size[attribute] = pool_size.get(attribute, 0) + 1
        for attribute, size in pool_size.items():
            known = [c for c in top if attribute in groups_of.get(c, {})]
            known_weight = sum(weights[r] for r, c in enumerate(top)
                               if attribute in groups_of.get(c, {}))
            total_slots[attribute] = total_slots.get(attribute, 0.0) + len(known)
            for (attr, group), count in pool_counts.items():
                if attr != attribute:
                    continue
                share = count / size
                expected[attr, group] = expected.get((attr, group), 0.0) + len(known) * share
                weighted_expected[attr, group] = weighted_expected.get(
                    (attr, group), 0.0) + known_weight * share
        for rank, candidate in enumerate(top):
            for attribute, group in groups_of.get(candidate, {}).items():
                slots[attribute, group] = slots.get((attribute, group), 0.0) + 1
                weighted[attribute, group] = weighted.get((attribute, group), 0.0) \
                    + weights[rank]
    groups = []
    for (attribute, group) in sorted(expected, key=_group_order):
        total = total_slots.get(attribute, 0.0)
        got, wanted = slots.get((attribute, group), 0.0), expected[attribute, group]
        got_w, wanted_w = weighted.get((attribute, group), 0.0), weighted_expected[
            attribute, group]
        groups.append(GroupExposure(
            attribute, group, int(got), wanted, got / total if total else 0.0,
            wanted / total if total else 0.0, got / wanted if wanted else None,
            got_w / wanted_w if wanted_w else None))
    return FairnessReport(groups, offers, with_candidates, top_k)


def _group_order(key: tuple[str, str]) -> tuple[int, int, str]:
    attribute, group = key
    order = [label for *_, label in AGE_BANDS] + list(SEX_LABELS.values())
    return (0 if attribute == "sex" else 1,
            order.index(group) if group in order else len(order), group)


def eligible_pool(offer: Offer, profile_ids: Sequence[str], lats: np.ndarray[Any, Any],
                  lons: np.ndarray[Any, Any], radius_km: float | None) -> list[str]:
    """The seekers eligible for ``offer``: within ``radius_km`` of its point (the matcher's
    candidate filter), or all of them when there is no point or no radius."""
    point = offer.place.point if offer.place else None
    if point is None or radius_km is None:
        return list(profile_ids)
    distances = haversine_km_many(lats, lons, point)
    with np.errstate(invalid="ignore"):
        inside = np.flatnonzero(distances <= radius_km)
    return [profile_ids[i] for i in inside.tolist()]


def rank_all(offers: Sequence[Offer], profiles: Sequence[Profile],
             candidates: Callable[[Offer, int], Sequence[str]], radius_km: float | None,
             top_k: int = TOP_K) -> list[RankedOffer]:
    """Each offer's pool and top candidates (``candidates(offer, top_k)`` gives the ranked
    ids, as the product ranks them), with progress in the log."""
    ids = [p.id for p in profiles]
    lats = np.array([p.place.point.lat if p.place and p.place.point else np.nan
                     for p in profiles], dtype=np.float64)
    lons = np.array([p.place.point.lon if p.place and p.place.point else np.nan
                     for p in profiles], dtype=np.float64)
    rankings = []
    started = time.monotonic()
    for number, offer in enumerate(offers, start=1):
        rankings.append(RankedOffer(offer.id, eligible_pool(offer, ids, lats, lons, radius_km),
                                    list(candidates(offer, top_k))))
        if number % 200 == 0 or number == len(offers):
            rate = number / max(time.monotonic() - started, 1e-9)
            log.info("fairness: %d/%d offers ranked (%.1f/s, ETA %.0f s)", number,
                     len(offers), rate, (len(offers) - number) / rate)
    return rankings


def write_report(report: FairnessReport, out_dir: Path) -> tuple[Path, Path]:
    """``fairness.json`` and ``fairness.md`` in ``out_dir``, each written atomically."""
    import json

    from indexer.atomic import write_text_atomic

    json_path, md_path = out_dir / "fairness.json", out_dir / "fairness.md"
    write_text_atomic(json_path, json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
                      + "\n")
    write_text_atomic(md_path, report.to_markdown())
    return json_path, md_path


# --------------------------------------------------------------------------- the real run


REAL_OFFER_FILES = ("offres_ardeche_cdi_2025.csv", "offres_france_2019_2023.json")


def evaluate_fairness(settings: Any, work_dir: Path, profiles: int, seed: int,
                      top_k: int = TOP_K) -> FairnessReport:
    """Index every real offer (both files, placed on the map) and ``profiles`` GENERATED
    seekers spread over the same places and occupations into ``work_dir``, rank the top
    candidates of every offer as the product does, and measure exposure."""
    from indexer.catalog import IndexWriter, SearchIndex
    from indexer.demo_profiles import REFERENCE_YEAR, generate_profiles
    from indexer.encoders import create_encoder
    from indexer.encoders.pool import indexing_encoder
    from indexer.geo import Gazetteer
    from indexer.ingest import place_on_map
    from indexer.readers import read_offers
    from matcher.engine import Engine
    from matcher.queries import profile_index_text
    from skills_taxonomy import load_taxonomy

    settings = settings.model_copy(update={"index_dir": work_dir / "index"})
    taxonomy = load_taxonomy(settings.rome_dir, settings.esco_dir, settings.cache_dir)
    gazetteer = Gazetteer.load(settings.geo_dir, cache_dir=settings.cache_dir)
    offers: list[Offer] = []
    for name in REAL_OFFER_FILES:
        result = read_offers(settings.offers_dir / name)
        if result.rejections:
            raise ValueError(f"{settings.offers_dir / name}: {len(result.rejections)} "
                             "offers rejected")
        offers.extend(place_on_map(offer, gazetteer)[0] for offer in result.records)
    seekers = generate_profiles(taxonomy, gazetteer, offers, n=profiles, seed=seed)
    log.info("fairness: %d real offers, %d GENERATED seekers (seed %d)", len(offers),
             len(seekers), seed)
    with indexing_encoder(settings) as encoder, IndexWriter(
            settings.index_dir, settings, encoder, rebuild=True,
            profile_text=profile_index_text(taxonomy)) as writer:
        writer.upsert_offers(offers)
        writer.upsert_profiles(seekers)
        writer.commit()
    encoder = create_encoder(settings)
    engine = Engine(settings, taxonomy, gazetteer, encoder,
                    SearchIndex.open(settings.index_dir, settings, encoder))
    rankings = rank_all(offers, seekers,
                        lambda offer, k: [m.id for m in engine.candidates_for_offer(offer, k)],
                        settings.matching.candidate_radius_km, top_k)
    groups_of = {p.id: protected_groups(p, REFERENCE_YEAR) for p in seekers}
    report = exposure(rankings, groups_of, top_k)
    level = {offer.id: offer.experience for offer in offers}
    for name, wanted in (("offers requiring experience (E)", ExperienceLevel.REQUIRED),
                         ("offers open to beginners (D)", ExperienceLevel.BEGINNER_ACCEPTED)):
        report.subsets[name] = exposure([r for r in rankings if level[r.offer_id] is wanted],
                                        groups_of, top_k)
    report.info = {"profiles": len(seekers), "seed": seed, "reference_year": REFERENCE_YEAR,
                   "candidate_radius_km": settings.matching.candidate_radius_km,
                   "encoder": settings.encoder.value,
                   "note": "seekers are GENERATED (indexer.demo_profiles); offers are real"}
    return report
