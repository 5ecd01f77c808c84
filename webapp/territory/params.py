"""Request parameters of the territory pages and API: the occupation and the territory.

A territory is given as ``commune`` (a name, postcode or INSEE code) with ``rayon`` (km,
default 30), or ``departement`` or ``region`` (a name or a code) — or, as the page's form sends
it, ``territoire`` (commune|departement|region) with ``lieu`` (a name) and/or ``code`` (the
code the autocomplete picked, or typed) and ``rayon``. The occupation is ``metier``: a name or
a ROME code, with ``metier_code`` from the autocomplete. A name that designates nothing, or
several places or occupations, is a :class:`~webapp.names.NameNotResolved` (400) with the
choices it may mean.
"""

from __future__ import annotations

from collections.abc import Mapping

from indexer.geo import fold
from matcher.analytics.errors import AnalyticsError
from matcher.analytics.territory import MAX_RADIUS_KM, GeoContext, Territory, TerritoryKind
from skills_taxonomy import Taxonomy
from webapp import names
from webapp.names import Choice
from webapp.params import float_param, text_param

KIND_PARAMS = {"commune": TerritoryKind.COMMUNE, "departement": TerritoryKind.DEPARTMENT,
               "region": TerritoryKind.REGION}
KIND_LABELS = {TerritoryKind.COMMUNE: "Commune et rayon", TerritoryKind.DEPARTMENT:
               "Département", TerritoryKind.REGION: "Région"}
MAX_NAME = 120


def territory_given(args: Mapping[str, str]) -> bool:
    """True when the request names a territory."""
    return any(text_param(args, name, MAX_NAME) for name in (*KIND_PARAMS, "code", "lieu"))


def area_code(kind: TerritoryKind, text: str, geo: GeoContext, name: str,
              code: str | None = None) -> str:
    """The code of a commune, département or region typed as a name or a code (``code``:
    the one the autocomplete picked, kept while it still matches the typed name)."""
    if kind is TerritoryKind.COMMUNE:
        commune = names.resolve_commune(geo.gazetteer, text or code or "", code, name)
        if commune is None:
            raise AnalyticsError("indiquez une commune")
        return commune.code
    areas = geo.department_names() if kind is TerritoryKind.DEPARTMENT else geo.region_names()
    words = names.DEPARTMENT_WORDS if kind is TerritoryKind.DEPARTMENT else names.REGION_WORDS
    if code and code.upper() in areas and (not text or fold(text) in (
            fold(areas[code.upper()]), fold(code))):
        return code.upper()
    return names.resolve_area(areas, text or code or "", words, name)


def territory_param(args: Mapping[str, str], geo: GeoContext) -> Territory:
    """The territory of the request; an :class:`AnalyticsError` says what is wrong, a
    :class:`~webapp.names.NameNotResolved` which places a name may mean."""
    radius = float_param(args, "rayon", 0.0, MAX_RADIUS_KM)
    for name, kind in KIND_PARAMS.items():
        value = text_param(args, name, MAX_NAME)
        if value:  # a code here is taken as a code (the API documents INSEE codes)
            return geo.territory(kind, area_code(kind, value, geo, name, value), radius)
    kind_text = text_param(args, "territoire", 20) or "departement"
    chosen = KIND_PARAMS.get(kind_text)
    if chosen is None:
        raise AnalyticsError(f"type de territoire inconnu : « {kind_text} » (attendus : "
                             f"{', '.join(KIND_PARAMS)})")
    place, code = text_param(args, "lieu", MAX_NAME), text_param(args, "code", 20)
    if not place and not code:
        raise AnalyticsError("indiquez un territoire : une commune et un rayon, un "
                             "département ou une région")
    return geo.territory(chosen, area_code(chosen, place, geo, "lieu" if place else "code",
                                           code or None), radius)


def occupation_param(args: Mapping[str, str], taxonomy: Taxonomy,
                     popularity: Mapping[str, int] | None = None) -> Choice | None:
    """The occupation of ``metier`` (a name or a ROME code; ``metier_code`` from the
    autocomplete), None when absent."""
    return names.resolve_occupation(taxonomy, text_param(args, "metier", MAX_NAME),
                                    text_param(args, "metier_code", 10) or None, "metier",
                                    popularity)
