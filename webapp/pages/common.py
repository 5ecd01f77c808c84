"""Helpers shared by the HTML views."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from flask import current_app

from indexer.models import Offer
from matcher.engine import Engine
from webapp.summaries import commune_name, place_label


def picker_limit() -> int:
    """How many entries a select list offers at most."""
    return int(current_app.config["PICKER_LIMIT"])


def offer_choices(engine: Engine, offers: Iterable[Offer]) -> list[tuple[str, str]]:
    """(id, label) pairs for the offer select list: the title and the commune, for the first
    ``PICKER_LIMIT`` of ``offers``. The caller passes offers it already holds decoded (the
    analytics snapshot's): reading them from the collection would decode up to a thousand
    records per page, more than the collection keeps."""
    choices: list[tuple[str, str]] = []
    for offer in islice(offers, picker_limit()):
        where = commune_name(engine, offer.place) or place_label(offer.place)
        choices.append((offer.id, f"{offer.title} — {where}" if where else offer.title))
    return sorted(choices, key=lambda choice: choice[1].lower())
