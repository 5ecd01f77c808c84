"""Request parameters of the territory pages and API: the occupation and the territory.

A territory is given as ``commune`` (INSEE code) with ``rayon`` (km, default 30), or
``departement``, or ``region`` — or, as the page's form sends it, ``territoire``
(commune|departement|region) with ``code`` and ``rayon``.
"""

from __future__ import annotations

from collections.abc import Mapping

from matcher.analytics.errors import AnalyticsError
from matcher.analytics.territory import MAX_RADIUS_KM, GeoContext, Territory, TerritoryKind
from webapp.params import float_param, text_param

KIND_PARAMS = {"commune": TerritoryKind.COMMUNE, "departement": TerritoryKind.DEPARTMENT,
               "region": TerritoryKind.REGION}
KIND_LABELS = {TerritoryKind.COMMUNE: "Commune et rayon", TerritoryKind.DEPARTMENT:
               "Département", TerritoryKind.REGION: "Région"}


def territory_given(args: Mapping[str, str]) -> bool:
    """True when the request names a territory."""
    return any(text_param(args, name, 20) for name in (*KIND_PARAMS, "code"))


def territory_param(args: Mapping[str, str], geo: GeoContext) -> Territory:
    """The territory of the request; an :class:`AnalyticsError` says what is wrong."""
    radius = float_param(args, "rayon", 0.0, MAX_RADIUS_KM)
    for name, kind in KIND_PARAMS.items():
        code = text_param(args, name, 20)
        if code:
            return geo.territory(kind, code, radius)
    kind_text = text_param(args, "territoire", 20) or "departement"
    chosen = KIND_PARAMS.get(kind_text)
    if chosen is None:
        raise AnalyticsError(f"type de territoire inconnu : « {kind_text} » (attendus : "
                             f"{', '.join(KIND_PARAMS)})")
    code = text_param(args, "code", 20)
    if not code:
        raise AnalyticsError("indiquez un territoire : commune (code INSEE) et rayon, "
                             "département ou région")
    return geo.territory(chosen, code, radius)
