"""Geographic cells: a radius's cover holds the cell of every point within it, the finest
size that fits is chosen, no cover is made where the box reaches a pole or crosses the
antimeridian, and the curve key interleaves the bits."""

from __future__ import annotations

import math
import random

import pytest

from indexer.distance import EARTH_RADIUS_KM, KM_PER_DEGREE, haversine_km
from indexer.geo_cells import (
    CELL_DEGREES,
    MAX_COVER_CELLS,
    NO_PLACE_KEY,
    cell_terms,
    covering_cells,
    curve_key,
)
from indexer.models import GeoPoint


def _point_at(center: GeoPoint, km: float, bearing: float) -> GeoPoint:
    """The point ``km`` from ``center`` along ``bearing`` (radians), on the sphere."""
    lat1, lon1 = math.radians(center.lat), math.radians(center.lon)
    angle = km / EARTH_RADIUS_KM
    lat2 = math.asin(math.sin(lat1) * math.cos(angle)
                     + math.cos(lat1) * math.sin(angle) * math.cos(bearing))
    lon2 = lon1 + math.atan2(math.sin(bearing) * math.sin(angle) * math.cos(lat1),
                             math.cos(angle) - math.sin(lat1) * math.sin(lat2))
    return GeoPoint(lat=math.degrees(lat2), lon=math.degrees(lon2))


@pytest.mark.parametrize(("lat", "lon", "radius_km"), [
    (45.0, 4.4, 30.0), (48.85, 2.35, 5.0), (43.3, 5.4, 100.0), (-21.1, 55.5, 30.0),
    (64.0, 10.0, 30.0), (0.0, 0.0, 1.0), (49.2, 1.6, 30.0)])
def test_every_point_within_the_radius_has_its_cell_in_the_cover(
        lat: float, lon: float, radius_km: float) -> None:
    center = GeoPoint(lat=lat, lon=lon)
    cover = covering_cells(center, radius_km)
    assert cover is not None
    assert len(cover) <= MAX_COVER_CELLS
    level = int(cover[0].split(":")[0])
    assert {term.split(":")[0] for term in cover} == {str(level)}
    rng = random.Random(7)
    for _ in range(2_000):
        point = _point_at(center, radius_km * math.sqrt(rng.random()),
                          rng.uniform(0, 2 * math.pi))
        assert haversine_km(center, point) <= radius_km + 1e-6
        assert cell_terms(point)[level] in cover
    for edge in range(64):  # the circle's rim itself
        point = _point_at(center, radius_km * (1 - 1e-9), 2 * math.pi * edge / 64)
        assert cell_terms(point)[level] in cover


def test_the_finest_size_that_fits_is_chosen() -> None:
    cover = covering_cells(GeoPoint(lat=45.0, lon=4.4), 30.0)
    assert cover is not None and cover[0].startswith("0:")  # 0.1° cells for 30 km
    wide = covering_cells(GeoPoint(lat=45.0, lon=4.4), 150.0)
    assert wide is not None and not wide[0].startswith("0:")
    rows = 2 * 150.0 / KM_PER_DEGREE / CELL_DEGREES[0]
    assert rows * rows > MAX_COVER_CELLS  # the finest size would need too many cells


def test_no_cover_at_a_pole_or_across_the_antimeridian() -> None:
    assert covering_cells(GeoPoint(lat=89.9, lon=0.0), 30.0) is None
    assert covering_cells(GeoPoint(lat=0.0, lon=179.9), 30.0) is None
    assert covering_cells(GeoPoint(lat=45.0, lon=4.4), 20_000.0) is None


def test_curve_key_interleaves_latitude_and_longitude_bits() -> None:
    assert curve_key(GeoPoint(lat=-90.0, lon=-180.0)) == 0
    assert curve_key(GeoPoint(lat=90.0, lon=180.0)) == (1 << 32) - 1
    top = (1 << 16) - 1
    for lat, lon in ((45.0, 4.4), (-21.1, 55.5), (48.85, 2.35)):
        y, x = int((lat + 90.0) / 180.0 * top), int((lon + 180.0) / 360.0 * top)
        bits = "".join(f"{y:016b}"[i] + f"{x:016b}"[i] for i in range(16))
        assert curve_key(GeoPoint(lat=lat, lon=lon)) == int(bits, 2)


def test_a_document_without_a_place_sorts_after_every_located_one() -> None:
    assert curve_key(None) == NO_PLACE_KEY
    assert curve_key(GeoPoint(lat=90.0, lon=180.0)) < NO_PLACE_KEY


def test_every_point_has_one_cell_per_size() -> None:
    terms = cell_terms(GeoPoint(lat=45.05, lon=4.45))
    assert [term.split(":")[0] for term in terms] == [str(i) for i in range(len(CELL_DEGREES))]
    assert terms[0] == "0:1350:1844"  # (45.05 + 90) / 0.1, (4.45 + 180) / 0.1, floored
