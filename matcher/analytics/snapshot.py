"""The indexed offers and seekers, each placed once in the territories, shared by the views.

A snapshot is built on first use for an engine and reused while the engine holds the same
index object (a reload after a tag edit swaps it) with the same numbers of records.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import date

from indexer.models import Offer, Profile
from matcher.analytics.territory import GeoContext, Location, Territory
from matcher.engine import Engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlacedOffer:
    """An offer and where it is."""

    offer: Offer
    location: Location

    @property
    def created(self) -> date | None:
        """The day the offer was created (``dateCreation``), when known."""
        return self.offer.created_at.date() if self.offer.created_at else None


@dataclass(frozen=True, slots=True)
class PlacedSeeker:
    """A seeker, the ROME codes they target (``Profile.rome_codes``) and where they live."""

    profile: Profile
    location: Location


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the analytics read, placed once."""

    geo: GeoContext
    offers: tuple[PlacedOffer, ...]
    seekers: tuple[PlacedSeeker, ...]

    @property
    def reference_date(self) -> date | None:
        """The most recent offer creation day in the index: weeks are counted back from it,
        not from today, so the figures do not drift as the (static) data ages."""
        days = [o.created for o in self.offers if o.created is not None]
        return max(days) if days else None

    def offers_of(self, code: str) -> list[PlacedOffer]:
        """Offers of one ROME occupation, anywhere."""
        return [o for o in self.offers if o.offer.rome_code == code]

    def seekers_of(self, code: str) -> list[PlacedSeeker]:
        """Seekers who target one ROME occupation (any of their codes), anywhere."""
        return [s for s in self.seekers if code in s.profile.rome_codes]

    def offers_in(self, territory: Territory, code: str | None = None) -> list[PlacedOffer]:
        """Offers in a territory, of one occupation when ``code`` is given."""
        return [o for o in self.offers
                if (code is None or o.offer.rome_code == code)
                and self.geo.contains(territory, o.location)]

    def seekers_in(self, territory: Territory, code: str) -> list[PlacedSeeker]:
        """Seekers of one occupation living in a territory."""
        return [s for s in self.seekers_of(code) if self.geo.contains(territory, s.location)]

    def occupations(self) -> Counter[str]:
        """Offer counts by ROME code."""
        return Counter(o.offer.rome_code for o in self.offers if o.offer.rome_code)


_cache: weakref.WeakKeyDictionary[Engine, tuple[tuple[str, int, int, int], Snapshot]] = \
    weakref.WeakKeyDictionary()
_lock = threading.Lock()


def index_key(engine: Engine) -> tuple[str, int, int, int]:
    """What identifies the engine's current index: its generation folder, the opened index
    object and its counts (a tag edit writes a new generation and the engine reloads)."""
    index = engine.index
    return (str(index.generation), id(index), len(engine.offers), len(engine.profiles))


def snapshot(engine: Engine) -> Snapshot:
    """The engine's snapshot, built on first use (thread-safe)."""
    key = index_key(engine)
    with _lock:
        cached = _cache.get(engine)
        if cached is not None and cached[0] == key:
            return cached[1]
        geo = GeoContext(engine.gazetteer, engine.settings.geo_dir)
        built = Snapshot(
            geo,
            tuple(PlacedOffer(o, geo.locate(o.place)) for o in engine.offers),
            tuple(PlacedSeeker(p, geo.locate(p.place)) for p in engine.profiles),
        )
        logger.info("analytics snapshot: %d offers, %d seekers", len(built.offers),
                    len(built.seekers))
        _cache[engine] = (key, built)
        return built


def describe(snap: Snapshot) -> str:
    """What the figures are computed from, in French, from the index itself."""
    offers = [o.offer for o in snap.offers]
    days = sorted(o.created for o in snap.offers if o.created is not None)
    contracts = sorted({o.contract_type for o in offers if o.contract_type})
    departments = Counter(o.location.department for o in snap.offers if o.location.department)
    parts = []
    if contracts:
        parts.append(", ".join(contracts))
    if departments:
        names = [snap.geo.department_name(code) for code, _ in departments.most_common(3)]
        more = len(departments) - len(names)
        parts.append(", ".join(names) + (f" et {more} autre(s) département(s)" if more > 0
                                         else ""))
    if days:
        parts.append(f"créées du {days[0]:%d/%m/%Y} au {days[-1]:%d/%m/%Y}")
    detail = f" ({' ; '.join(parts)})" if parts else ""
    return (f"{len(offers)} offres indexées{detail} et {len(snap.seekers)} profils de "
            "demandeurs indexés")
