"""The portable ``Filters`` as OpenSearch filter clauses, shared by the keyword and the vector
store, with the exact great-circle check that follows a ``geo_distance`` filter.

Semantics are those of ``Filters.accepts`` (the reference): a document without the field never
passes its filter; dates compare exact microseconds (a naive datetime is UTC); the radius is
the great-circle distance of ``haversine_km``. OpenSearch's ``geo_distance`` (arc distance on
its own Earth radius) runs on a circle slightly larger than asked, and the hits it returns are
checked again with ``haversine_km``: :func:`inside` keeps those within the exact circle, and the
stores search deeper when the check dropped some of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from indexer.distance import haversine_km
from indexer.models import GeoPoint
from indexer.stores.protocols import Filters, GeoFilter
from indexer.utc import epoch_micros

GEO_SLACK = 1.001
"""The ``geo_distance`` circle is this much wider than asked (then checked exactly)."""
GEO_SLACK_KM = 0.01
GEO_DEPTH_FACTOR = 4
"""How much deeper a search goes when the exact geo check dropped hits."""


def filter_fields(location: GeoPoint | None, contract_types: tuple[str, ...],
                  rome_codes: tuple[str, ...], created_at: datetime | None) -> dict[str, Any]:
    """The ``_source`` fields that :func:`filter_clauses` filters on, for one document."""
    source: dict[str, Any] = {"contract_types": list(contract_types),
                              "rome_codes": list(rome_codes)}
    if location is not None:
        source["location"] = {"lat": location.lat, "lon": location.lon}
    if created_at is not None:
        source["created_at_us"] = epoch_micros(created_at)
    return source


def filter_clauses(filters: Filters) -> list[dict[str, Any]]:
    """One OpenSearch filter clause per constraint of ``filters`` (none when empty)."""
    clauses: list[dict[str, Any]] = []
    if filters.geo is not None:
        radius = filters.geo.radius_km * GEO_SLACK + GEO_SLACK_KM
        clauses.append({"geo_distance": {
            "distance": f"{radius}km",
            "location": {"lat": filters.geo.center.lat, "lon": filters.geo.center.lon}}})
    if filters.contract_types:
        clauses.append({"terms": {"contract_types": sorted(filters.contract_types)}})
    if filters.rome_codes:
        clauses.append({"terms": {"rome_codes": sorted(filters.rome_codes)}})
    if filters.created_after is not None or filters.created_before is not None:
        bounds: dict[str, int] = {}
        if filters.created_after is not None:
            bounds["gte"] = epoch_micros(filters.created_after)
        if filters.created_before is not None:
            bounds["lte"] = epoch_micros(filters.created_before)
        clauses.append({"range": {"created_at_us": bounds}})
    return clauses


def inside(raw: dict[str, Any], geo: GeoFilter) -> bool:
    """Whether a hit (with ``_source.location``) lies within the exact circle of ``geo``."""
    location = (raw.get("_source") or {}).get("location")
    if location is None:
        return False
    point = GeoPoint(lat=location["lat"], lon=location["lon"])
    return haversine_km(geo.center, point) <= geo.radius_km
