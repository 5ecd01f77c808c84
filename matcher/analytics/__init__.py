"""Territory and career analytics over the indexed offers and seekers (issue 7).

- :mod:`matcher.analytics.territory`: what a territory is (commune + radius, département,
  region) and which offers and seekers fall in it;
- :mod:`matcher.analytics.potential`: recruitment potential of an occupation in a territory;
- :mod:`matcher.analytics.reconversion`: reconversion suggestions for a seeker;
- :mod:`matcher.analytics.pool`: employer targeting (candidate pool, hard-to-fill offers);
- :mod:`matcher.analytics.survival`: Kaplan–Meier time to return to work, only from real
  outcome data.

Every function reads the engine's indexes and taxonomy; nothing is written. Bad input raises
:class:`AnalyticsError` subclasses whose message is French and shown as is.
"""

from matcher.analytics.errors import AnalyticsError, NoData, UnknownOccupation, UnknownTerritory

__all__ = ["AnalyticsError", "NoData", "UnknownOccupation", "UnknownTerritory"]
