"""A small map drawn from the communes' coordinates, as SVG: no tile server, no script.

The communes of the offer's département (and of the reader's, when known) are drawn as
faint dots, which is enough to show the shape of the area; the offer's commune and the
reader's are marked and named, joined by a dashed line with the distance, over a scale bar.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

from markupsafe import Markup, escape

from indexer.geo import Commune, Gazetteer
from indexer.models import GeoPoint
from webapp.formatting import km

WIDTH = 360
HEIGHT = 260
MARGIN = 28
DOT = "#aab3c0"
OFFER_COLOUR = "#1f4e8c"
HOME_COLOUR = "#8a4b08"
TEXT = "#1a1a1a"
FONT_SIZE = 13

_points: weakref.WeakKeyDictionary[Gazetteer, dict[str, list[GeoPoint]]] = \
    weakref.WeakKeyDictionary()
_lock = threading.Lock()


def department_points(gazetteer: Gazetteer, department: str) -> list[GeoPoint]:
    """The points of the current communes of a département (cached per gazetteer)."""
    with _lock:
        by_department = _points.get(gazetteer)
        if by_department is None:
            by_department = {}
            for commune in gazetteer:
                if commune.is_current and commune.point is not None and commune.department:
                    by_department.setdefault(commune.department, []).append(commune.point)
            _points[gazetteer] = by_department
    return by_department.get(department, [])


@dataclass(frozen=True, slots=True)
class Marker:
    """A named place on the map."""

    point: GeoPoint
    name: str
    colour: str


class _Projection:
    """Equirectangular projection of a box of points onto the drawing, north up, with the
    longitude scaled by the cosine of the mean latitude (true shapes at this scale)."""

    def __init__(self, points: list[GeoPoint]) -> None:
        lats = [p.lat for p in points]
        lons = [p.lon for p in points]
        self.lat0 = (min(lats) + max(lats)) / 2
        self.cos = math.cos(math.radians(self.lat0))
        span_x = max((max(lons) - min(lons)) * self.cos, 0.02)
        span_y = max(max(lats) - min(lats), 0.02)
        self.scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN - 20) / span_y)
        self.x0 = (min(lons) + max(lons)) / 2
        self.y0 = self.lat0

    def xy(self, point: GeoPoint) -> tuple[float, float]:
        x = WIDTH / 2 + (point.lon - self.x0) * self.cos * self.scale
        y = (HEIGHT - 20) / 2 - (point.lat - self.y0) * self.scale
        return round(x, 1), round(y, 1)

    def km_per_unit(self) -> float:
        return 111.2 / self.scale


def _scale_bar(projection: _Projection) -> str:
    """A scale bar of a round number of kilometres, about a quarter of the width."""
    target = projection.km_per_unit() * WIDTH / 4
    length_km = next((v for v in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if v >= target * 0.6),
                     500)
    length = length_km / projection.km_per_unit()
    y = HEIGHT - 10
    return (f'<line x1="10" y1="{y}" x2="{10 + length:.1f}" y2="{y}" stroke="{TEXT}" '
            f'stroke-width="2"/><text x="{14 + length:.1f}" y="{y}" '
            f'dominant-baseline="middle">{escape(km(length_km))}</text>')


def place_map_svg(gazetteer: Gazetteer, offer: Commune | None, home: Commune | None = None,
                  distance_km: float | None = None, title: str = "Carte") -> Markup:
    """The map of an offer's commune (and of the reader's ``home``), or '' when the offer's
    commune has no point."""
    if offer is None or offer.point is None:
        return Markup("")
    markers = [Marker(offer.point, offer.name, OFFER_COLOUR)]
    if home is not None and home.point is not None and home.code != offer.code:
        markers.append(Marker(home.point, home.name, HOME_COLOUR))
    dots: list[GeoPoint] = []
    for department in dict.fromkeys(c.department for c in (offer, home) if c and c.department):
        dots += department_points(gazetteer, department)
    projection = _Projection(dots + [m.point for m in markers])
    parts = [f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f9"/>']
    parts += [f'<circle cx="{x}" cy="{y}" r="1.4" fill="{DOT}"/>'
              for x, y in map(projection.xy, dots)]
    if len(markers) == 2:
        (x1, y1), (x2, y2) = projection.xy(markers[0].point), projection.xy(markers[1].point)
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{TEXT}" '
                     f'stroke-width="1.5" stroke-dasharray="5 4"/>')
        if distance_km is not None:
            parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 6:.1f}" '
                         f'text-anchor="middle" font-weight="600">{escape(km(distance_km))}'
                         '</text>')
    for marker in markers:
        x, y = projection.xy(marker.point)
        anchor = "end" if x > WIDTH * 0.6 else "start"
        dx = -9 if anchor == "end" else 9
        parts.append(f'<circle cx="{x}" cy="{y}" r="6" fill="{marker.colour}" stroke="#fff" '
                     f'stroke-width="2"/><text x="{x + dx}" y="{y - 8}" text-anchor="{anchor}" '
                     f'font-weight="700" paint-order="stroke" stroke="#fff" stroke-width="3">'
                     f'{escape(marker.name)}</text>')
    parts.append(_scale_bar(projection))
    return Markup(
        f'<svg class="place-map" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" '
        f'font-size="{FONT_SIZE}" fill="{TEXT}">{"".join(parts)}</svg>')
