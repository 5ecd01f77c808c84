"""The job board's result lists: filters a seeker can change (working time, experience, date),
the sort (pertinence, date, distance) and the pages.

The engine ranks a pool of the best offers for the query (distance and contract types are
hard filters of the query itself); this module narrows that pool with the other filters,
sorts it and cuts one page. Dates are counted back from the most recent offer of the index,
so "depuis une semaine" means the same thing on a live index and on a frozen demo one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from indexer.models import ExperienceLevel
from matcher.analytics.snapshot import snapshot
from matcher.engine import Engine
from webapp.formatting import required_years
from webapp.params import choice_param, page_param
from webapp.summaries import Result

PER_PAGE = 10
SORTS = {"pertinence": "Pertinence", "date": "Les plus récentes", "distance": "Les plus proches"}
WORKING_TIMES = {"": "Indifférent", "plein": "Temps plein", "partiel": "Temps partiel"}
EXPERIENCES = {"": "Indifférente", "debutant": "Débutant accepté", "1": "Un an au plus",
               "3": "Trois ans au plus"}
PERIODS = {"": "Toutes les dates", "1": "Depuis 24 heures", "3": "Depuis 3 jours",
           "7": "Depuis une semaine", "31": "Depuis un mois"}
RADII = {"5": "5 km", "10": "10 km", "20": "20 km", "30": "30 km", "50": "50 km",
         "100": "100 km", "1000": "Toute la France"}
_WORKING_TIME_WORDS = {"plein": "temps plein", "partiel": "temps partiel"}


@dataclass(frozen=True, slots=True)
class BoardFilters:
    """What narrows and orders a result list (the query's own filters aside)."""

    sort: str = "pertinence"
    working_time: str = ""
    experience: str = ""
    period: str = ""
    page: int = 1

    @property
    def active(self) -> list[str]:
        """The filters in force, in words (for the page's title and summary)."""
        words = []
        if self.working_time:
            words.append(WORKING_TIMES[self.working_time].lower())
        if self.experience:
            words.append("expérience : " + EXPERIENCES[self.experience].lower())
        if self.period:
            words.append(PERIODS[self.period].lower())
        return words

    def args(self) -> dict[str, str]:
        """The filters as URL parameters (defaults left out), for links."""
        values = {"tri": self.sort if self.sort != "pertinence" else "",
                  "temps": self.working_time, "experience": self.experience,
                  "depuis": self.period}
        return {name: value for name, value in values.items() if value}


def board_filters(args: Mapping[str, str]) -> BoardFilters:
    """The filters of a request: ``tri``, ``temps``, ``experience``, ``depuis``, ``page``.
    A bad value is a 400 that names the parameter."""
    return BoardFilters(sort=choice_param(args, "tri", SORTS, "pertinence"),
                        working_time=choice_param(args, "temps", WORKING_TIMES),
                        experience=choice_param(args, "experience", EXPERIENCES),
                        period=choice_param(args, "depuis", PERIODS),
                        page=page_param(args))


def newest_offer_day(engine: Engine) -> date | None:
    """The creation day of the most recent offer of the index."""
    return snapshot(engine).reference_date


def _keeps(summary: Mapping[str, Any], filters: BoardFilters, since: date | None) -> bool:
    if filters.working_time:
        wording = (summary.get("working_time") or "").lower()
        if _WORKING_TIME_WORDS[filters.working_time] not in wording:
            return False
    if filters.experience:
        level = summary.get("experience")
        if level != ExperienceLevel.BEGINNER_ACCEPTED:
            if filters.experience == "debutant":
                return False
            needed = required_years(summary.get("experience_label"))
            if level == ExperienceLevel.REQUIRED and (needed is None
                                                       or needed > float(filters.experience)):
                return False
    if since is not None:
        created = summary.get("created_at")
        if created is None or created.date() < since:
            return False
    return True


def narrow(results: Sequence[Result], filters: BoardFilters, newest: date | None
           ) -> list[Result]:
    """The results that pass the filters, in the order asked for."""
    since = newest - timedelta(days=int(filters.period)) if filters.period and newest else None
    kept = [row for row in results if _keeps(row[1], filters, since)]
    if filters.sort == "date":
        kept.sort(key=lambda row: -(row[1]["created_at"].timestamp()
                                    if row[1].get("created_at") else 0.0))
    elif filters.sort == "distance":
        kept.sort(key=lambda row: (row[0].explanation.distance_km is None,
                                   row[0].explanation.distance_km or 0.0))
    return kept


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items, which page, how many in all, the rank of its first
    item."""

    items: list[Any]
    number: int
    pages: int
    total: int
    per_page: int

    @property
    def first_rank(self) -> int:
        """The rank (from 1) of the page's first item."""
        return (self.number - 1) * self.per_page + 1

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to link, None where a gap is: 1 … 4 5 6 … 12."""
        shown = sorted({1, self.pages, *range(max(1, self.number - 2),
                                               min(self.pages, self.number + 2) + 1)})
        result: list[int | None] = []
        for number in shown:
            if result and number - (result[-1] or 0) > 1:
                result.append(None)
            result.append(number)
        return result


def page_of(items: Sequence[Any], number: int, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of ``items`` (a number past the end gives the last page)."""
    pages = max(1, math.ceil(len(items) / per_page))
    number = min(number, pages)
    start = (number - 1) * per_page
    return Page(list(items[start:start + per_page]), number, pages, len(items), per_page)


def link_args(args: MultiDict[str, str], **changes: Any) -> dict[str, list[str]]:
    """The request's parameters with ``changes`` (None or '' removes one), for the page
    links and the sort links, keeping every filter (repeated ones included); pass the result
    to ``url_for`` as keyword arguments."""
    result: dict[str, list[str]] = {}
    for key, value in args.items(multi=True):
        if key not in changes and value != "":
            result.setdefault(key, []).append(value)
    for key, change in changes.items():
        if change is not None and change != "":
            result[key] = [str(change)]
    return result
