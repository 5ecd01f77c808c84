"""Great-circle distances on the Earth (haversine), for one pair of points or many at once.

Every distance of the code base (filters, features, explanations, the gazetteer, territories)
comes from here, so a radius means the same kilometres everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from indexer.models import GeoPoint

EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG)."""
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
"""Kilometres per degree of latitude (and of longitude at the equator), for bounding boxes."""

FloatArray = npt.NDArray[np.float64]


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_km_radians(lat0: float, lon0: float, lats: FloatArray,
                         lons: FloatArray) -> FloatArray:
    """:func:`haversine_km` from (``lat0``, ``lon0``) to each (lat, lon), all in radians;
    NaN where a coordinate is NaN."""
    h = np.sin((lats - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lats) * np.sin(
        (lons - lon0) / 2) ** 2
    with np.errstate(invalid="ignore"):
        distances: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return distances


def haversine_km_many(lats: FloatArray, lons: FloatArray, point: GeoPoint) -> FloatArray:
    """:func:`haversine_km` from ``point`` to each (lat, lon) in degrees; NaN where a
    coordinate is NaN."""
    return haversine_km_radians(math.radians(point.lat), math.radians(point.lon),
                                np.radians(lats), np.radians(lons))


def longitude_reach(lat: float, dlat: float) -> float | None:
    """How far in longitude (degrees, 0.1 % wider) a circle that spans ``dlat`` degrees of
    latitude around a point at ``lat`` reaches; None when it reaches every longitude (a pole
    within ``dlat``, or 180° or more)."""
    if abs(lat) + dlat >= 90.0:
        return None
    reach = math.degrees(math.asin(min(1.0, math.sin(math.radians(dlat))
                                       / math.cos(math.radians(lat))))) * 1.001
    return None if reach >= 180.0 else reach
