"""Territories (a commune and a radius, a département, a region) and where records fall.

An offer or a seeker is placed by its commune's INSEE code (the gazetteer gives its
département and region), else by the France Travail label ``"07 - PRIVAS"`` (département only);
its point is its own, else its commune's. A commune territory is a disc: the records whose
point lies within ``radius_km`` of the commune's point. A département or region holds the
records whose commune belongs to it.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from indexer.distance import haversine_km
from indexer.geo import Gazetteer
from indexer.models import GeoPoint, Place
from matcher.analytics.errors import AnalyticsError, UnknownTerritory

logger = logging.getLogger(__name__)

DEFAULT_RADIUS_KM = 30.0
MAX_RADIUS_KM = 200.0
REGIONS_FILE = "regions.json"
_DEPARTMENT_LABEL = re.compile(r"^\s*(\d[\dAB]|97\d)\s*-")


class TerritoryKind(StrEnum):
    """How a territory is given."""

    COMMUNE = "commune"
    DEPARTMENT = "departement"
    REGION = "region"


@dataclass(frozen=True, slots=True)
class Territory:
    """A resolved territory: its kind, code, name, and for a commune its point and radius."""

    kind: TerritoryKind
    code: str
    name: str
    radius_km: float | None = None
    point: GeoPoint | None = None

    @property
    def label(self) -> str:
        """In French, names only: "Aubenas et 30 km autour", "Ardèche", "Bretagne"."""
        if self.kind is TerritoryKind.COMMUNE:
            radius = f"{self.radius_km:g}".replace(".", ",")
            return f"{self.name} et {radius} km autour"
        return self.name

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"kind": self.kind.value, "code": self.code, "name": self.name,
                "radius_km": self.radius_km, "label": self.label}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record is: commune, département and region codes, and a point (each optional)."""

    commune: str | None = None
    department: str | None = None
    region: str | None = None
    point: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class _Areas:
    """Département → region, and the mean point of the communes of each area."""

    department_region: dict[str, str]
    centroids: dict[tuple[TerritoryKind, str], GeoPoint]


@lru_cache(maxsize=8)
def _areas(gazetteer: Gazetteer) -> _Areas:
    department_region: dict[str, str] = {}
    sums: dict[tuple[TerritoryKind, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for commune in gazetteer:
        if not commune.is_current:
            continue
        if commune.department and commune.region:
            department_region.setdefault(commune.department, commune.region)
        if commune.point is None:
            continue
        for key in ((TerritoryKind.DEPARTMENT, commune.department),
                    (TerritoryKind.REGION, commune.region)):
            if key[1]:
                acc = sums[(key[0], key[1])]
                acc[0] += commune.point.lat
                acc[1] += commune.point.lon
                acc[2] += 1
    centroids = {key: GeoPoint(lat=lat / n, lon=lon / n) for key, (lat, lon, n) in sums.items()}
    return _Areas(department_region, centroids)


def _read_region_names(geo_dir: Path | None) -> dict[str, str]:
    if geo_dir is None or not (geo_dir / REGIONS_FILE).is_file():
        return {}
    try:
        rows = json.loads((geo_dir / REGIONS_FILE).read_text(encoding="utf-8"))
        return {str(row["code"]): str(row["nom"]) for row in rows}
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("region names unreadable in %s: %s", geo_dir, error)
        return {}


class GeoContext:
    """Resolves territories and places records in them, over one gazetteer."""

    def __init__(self, gazetteer: Gazetteer, geo_dir: Path | None = None) -> None:
        self.gazetteer = gazetteer
        self._areas = _areas(gazetteer)
        self._departments = gazetteer.departments()
        self._regions = _read_region_names(geo_dir)

    def department_name(self, code: str) -> str:
        """"Ardèche" for "07"; the code itself when the name is unknown."""
        return self._departments.get(code, f"Département {code}")

    def region_name(self, code: str) -> str:
        """"Auvergne-Rhône-Alpes" for "84"; "Région 84" when the names file is absent."""
        return self._regions.get(code, f"Région {code}")

    def department_names(self) -> dict[str, str]:
        """Every département: code → name."""
        return dict(self._departments)

    def region_names(self) -> dict[str, str]:
        """Every region: code → name ("Région 84" for a region of the communes whose name
        the names file does not give, or without that file)."""
        codes = set(self._regions) | set(self._areas.department_region.values())
        return {code: self.region_name(code) for code in sorted(codes)}

    def region_of(self, department: str) -> str | None:
        """The region code of a département."""
        return self._areas.department_region.get(department)

    def centroid(self, kind: TerritoryKind, code: str) -> GeoPoint | None:
        """The mean point of an area's communes (a commune's own point)."""
        if kind is TerritoryKind.COMMUNE:
            commune = self.gazetteer.commune(code)
            return commune.point if commune else None
        return self._areas.centroids.get((kind, code))

    def territory(self, kind: TerritoryKind, code: str,
                  radius_km: float | None = None) -> Territory:
        """Resolve a territory; :class:`UnknownTerritory` names what is not known."""
        code = code.strip().upper() if kind is not TerritoryKind.COMMUNE else code.strip()
        if kind is TerritoryKind.COMMUNE:
            commune = self.gazetteer.commune(code)
            if commune is None:
                raise UnknownTerritory(f"commune inconnue : « {code} » (code INSEE attendu, "
                                       "par exemple 07019 pour Aubenas)")
            if commune.point is None:
                raise UnknownTerritory(f"la commune {commune.name} ({code}) n'a pas de "
                                       "coordonnées : choisissez une commune voisine")
            radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
            if not 0 < radius <= MAX_RADIUS_KM:
                raise AnalyticsError(f"rayon hors limites : {radius:g} km (entre 0 et "
                                     f"{MAX_RADIUS_KM:g} km)")
            return Territory(kind, commune.code, commune.name, radius, commune.point)
        if kind is TerritoryKind.DEPARTMENT:
            code = code.zfill(2) if code.isdigit() else code
            if code not in self._departments and (kind, code) not in self._areas.centroids:
                raise UnknownTerritory(f"département inconnu : « {code} »")
            return Territory(kind, code, self.department_name(code))
        if code not in self._regions and (kind, code) not in self._areas.centroids:
            raise UnknownTerritory(f"région inconnue : « {code} »")
        return Territory(kind, code, self.region_name(code))

    def locate(self, place: Place | None) -> Location:
        """Where a record's place is (see the module docstring)."""
        if place is None:
            return Location()
        commune = self.gazetteer.commune(place.commune) if place.commune else None
        if commune is not None:
            return Location(commune.code, commune.department, commune.region,
                            place.point or commune.point)
        department = None
        match = _DEPARTMENT_LABEL.match(place.label or "")
        if match:
            department = match.group(1)
        return Location(place.commune, department,
                        self.region_of(department) if department else None, place.point)

    def contains(self, territory: Territory, location: Location) -> bool:
        """True when the location lies in the territory."""
        if territory.kind is TerritoryKind.COMMUNE:
            distance = self.distance(territory, location)
            return distance is not None and distance <= (territory.radius_km or 0.0)
        if territory.kind is TerritoryKind.DEPARTMENT:
            return location.department == territory.code
        return location.region == territory.code

    @staticmethod
    def distance(territory: Territory, location: Location) -> float | None:
        """Kilometres from a commune territory's point to the location (None if unknown)."""
        if territory.point is None or location.point is None:
            return None
        return haversine_km(territory.point, location.point)
