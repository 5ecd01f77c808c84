"""Geographic cells and a space-filling curve, for the embedded keyword store's radius filter.

A located document indexes the cell it lies in at each of :data:`CELL_DEGREES` (squares of
latitude and longitude, ``level:row:column``); a radius is then filtered by the set of cells,
at the finest size needing at most :data:`MAX_COVER_CELLS`, that cover the circle's bounding
box: short posting lists of doc ids, where range clauses on lat/lon scan fast-field columns.
The cover is a superset of the circle; the exact great-circle check stays with the caller.

:func:`curve_key` orders points along a Morton (Z-order) curve, so that documents written in
its order sit together by region: a filtered query then visits few of tantivy's windows of
documents instead of every one (measurements in ``docs/performance.md``, stop 32 and 33).
"""

from __future__ import annotations

import math

from indexer.distance import KM_PER_DEGREE, longitude_reach
from indexer.models import GeoPoint

CELL_DEGREES = (0.1, 0.4, 1.6, 6.4)
"""Cell sizes in degrees of latitude and of longitude, finest first (0.1° ≈ 11 km north-south)."""
MAX_COVER_CELLS = 128
"""A radius is covered at the finest size needing at most this many cells (with 64, some
30 km searches at 1M offers fell back to 0.4° cells, five times the circle's area)."""
BOX_MARGIN = 1.001
"""The bounding box's half-side is the radius in degrees of latitude times this margin."""
CURVE_BITS = 16
"""Bits of latitude and of longitude in a :func:`curve_key` (≈ 300 m steps in latitude)."""
NO_PLACE_KEY = 1 << (2 * CURVE_BITS)
"""The curve key of a document without a place: after every located one."""


def box_reach(center: GeoPoint, radius_km: float) -> tuple[float, float | None]:
    """The half-sides ``(dlat, dlon)``, in degrees, of a box around ``center`` that contains
    the circle; ``dlon`` is None when a pole is inside the circle or it spans every
    longitude."""
    dlat = radius_km / KM_PER_DEGREE * BOX_MARGIN
    return dlat, longitude_reach(center.lat, dlat)


def cell_terms(point: GeoPoint) -> list[str]:
    """The point's cell at each size of :data:`CELL_DEGREES`, as terms ``level:row:column``."""
    return [f"{level}:{_row(point.lat, size)}:{_column(point.lon, size)}"
            for level, size in enumerate(CELL_DEGREES)]


def covering_cells(center: GeoPoint, radius_km: float) -> list[str] | None:
    """The cells of the finest size that cover the circle's bounding box (which holds every
    point within ``radius_km`` of ``center``), or None when the box reaches a pole, crosses
    the antimeridian or needs more than :data:`MAX_COVER_CELLS` cells at every size: the
    caller filters by coordinates then."""
    dlat, dlon = box_reach(center, radius_km)
    lat, lon = center.lat, center.lon
    if dlon is None or lon - dlon < -180.0 or lon + dlon > 180.0:
        return None
    for level, size in enumerate(CELL_DEGREES):
        rows = range(_row(lat - dlat, size), _row(lat + dlat, size) + 1)
        columns = range(_column(lon - dlon, size), _column(lon + dlon, size) + 1)
        if len(rows) * len(columns) <= MAX_COVER_CELLS:
            return [f"{level}:{row}:{column}" for row in rows for column in columns]
    return None


def curve_key(point: GeoPoint | None) -> int:
    """The point's Morton key, its quantised latitude and longitude bits interleaved (latitude
    on the odd bits); :data:`NO_PLACE_KEY` for no point."""
    if point is None:
        return NO_PLACE_KEY
    top = (1 << CURVE_BITS) - 1
    y = int((point.lat + 90.0) / 180.0 * top)
    x = int((point.lon + 180.0) / 360.0 * top)
    key = 0
    for bit in range(CURVE_BITS):
        key |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return key


def _row(lat: float, size: float) -> int:
    return math.floor((lat + 90.0) / size)


def _column(lon: float, size: float) -> int:
    return math.floor((lon + 180.0) / size)
