"""Seeded demo profiles, generated against a tiny fake taxonomy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from indexer.demo_profiles import generate_profiles
from indexer.distance import haversine_km
from indexer.geo import Gazetteer
from indexer.models import GeoPoint, Offer, Place, Profile

GEO_MINI = Path(__file__).resolve().parent.parent / "fixtures" / "geo_mini"


@dataclass(frozen=True)
class FakeOccupation:
    code: str
    label: str


@dataclass(frozen=True)
class FakeAppellation:
    code: str
    label: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class FakeItem:
    code: str
    label: str
    kind: str = "skill"


@dataclass(frozen=True)
class FakeOccupationItem:
    item: FakeItem
    core: bool


@dataclass
class FakeTaxonomy:
    occupations: dict[str, FakeOccupation] = field(default_factory=dict)
    appellations: dict[str, list[FakeAppellation]] = field(default_factory=dict)
    items: dict[str, list[FakeOccupationItem]] = field(default_factory=dict)

    def appellations_of(self, code: str) -> list[FakeAppellation]:
        return self.appellations.get(code, [])

    def items_of(self, code: str, core_only: bool = False) -> list[FakeOccupationItem]:
        return [i for i in self.items.get(code, []) if i.core or not core_only]


def _taxonomy() -> FakeTaxonomy:
    tax = FakeTaxonomy()
    for n, (code, label, masc, fem) in enumerate([
        ("D1102", "Boulangerie", "Boulanger", "Boulangère"),
        ("J1501", "Soins d'hygiène", "Aide-soignant", "Aide-soignante"),
        ("M1203", "Comptabilité", "Comptable", "Comptable"),
        ("G1602", "Personnel de cuisine", "Cuisinier", "Cuisinière"),
    ]):
        tax.occupations[code] = FakeOccupation(code, label)
        tax.appellations[code] = [FakeAppellation(f"{n}0", f"{masc} / {fem}", (masc, fem))]
        tax.items[code] = [
            FakeOccupationItem(FakeItem(f"{n}{k:04d}", f"{label} compétence {k}"), core=k < 6)
            for k in range(8)
        ]
    return tax


def _offers() -> list[Offer]:
    aubenas = Place(commune="07019", point=GeoPoint(lat=44.6102, lon=4.3964))
    privas = Place(commune="07186", point=GeoPoint(lat=44.7225, lon=4.595))
    return [
        Offer(id="1", title="Boulanger", rome_code="D1102", place=aubenas),
        Offer(id="2", title="Boulanger", rome_code="D1102", place=privas),
        Offer(id="3", title="Aide-soignant", rome_code="J1501", place=aubenas),
        Offer(id="4", title="Inconnu", rome_code="K9999"),  # not in the taxonomy
    ]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(GEO_MINI)


def test_same_seed_same_profiles(gazetteer: Gazetteer) -> None:
    a = generate_profiles(_taxonomy(), gazetteer, _offers(), n=50, seed=7)
    b = generate_profiles(_taxonomy(), gazetteer, _offers(), n=50, seed=7)
    assert [p.model_dump() for p in a] == [p.model_dump() for p in b]
    c = generate_profiles(_taxonomy(), gazetteer, _offers(), n=50, seed=8)
    assert [p.model_dump() for p in a] != [p.model_dump() for p in c]


def test_profiles_are_valid_and_plausible(gazetteer: Gazetteer) -> None:
    tax = _taxonomy()
    offers = _offers()
    profiles = generate_profiles(tax, gazetteer, offers, n=200, seed=42)
    assert [p.id for p in profiles[:2]] == ["P000001", "P000002"]
    assert len({p.id for p in profiles}) == 200
    anchors = [o.place.point for o in offers if o.place and o.place.point]
    for profile in profiles:
        Profile.model_validate(profile.model_dump())
        (code,) = profile.rome_codes
        assert code in tax.occupations
        forms = tax.appellations[code][0].forms
        assert profile.titles[0] in forms
        core = {i.item.code for i in tax.items_of(code, core_only=True)}
        own = [s for s in profile.skills if s.code in core]
        assert len(own) >= round(0.4 * len(core)) and len(profile.skills) - len(own) <= 3
        assert len({s.code for s in profile.skills}) == len(profile.skills)
        assert profile.radius_km in (10, 20, 30, 50)
        assert profile.contract_types
        assert profile.place is not None and profile.place.point is not None
        assert min(haversine_km(profile.place.point, a) for a in anchors) <= 20.0
        assert profile.personal is not None and profile.personal.name
        assert profile.personal.email and profile.personal.email.endswith("@example.org")
        assert profile.summary and profile.summary.endswith(".")
        assert profile.experience_years is not None
    shares = sum(p.rome_codes[0] in {"D1102", "J1501"} for p in profiles) / len(profiles)
    assert 0.7 < shares < 0.95  # 80% from offers' occupations, plus chance among the 20%
    assert sum("CDI" in p.contract_types for p in profiles) > 0.7 * len(profiles)
    assert {p.personal.sex for p in profiles if p.personal} == {"F", "M"}


def test_without_located_offers(gazetteer: Gazetteer) -> None:
    profiles = generate_profiles(_taxonomy(), gazetteer, [], n=5, seed=1)
    assert len(profiles) == 5 and all(p.place is None for p in profiles)
